using System.Text.Json.Nodes;
using NvaFailover.Cli.Simulation;
using NvaFailover.Decisions;

namespace NvaFailover.FaultSuite;

/// <summary>
/// What must hold after every run, whatever the faults: once they stop, every managed route and public IP sits on one
/// healthy NVA per cluster; nothing unmanaged changed and every NIC property survived; no write while every NVA was
/// down; no write in steady state; no failover without a real NVA failure; failovers never outnumber failures.
/// </summary>
internal static class Invariants
{
    /// <summary>How long after the last NVA of a cluster goes down a write decided earlier may still be sent: a round's
    /// probes (up to 3 attempts of 2 s with 1 s between), the probe interval, and a margin for scaled-time jitter.</summary>
    private static readonly TimeSpan Reaction = TimeSpan.FromSeconds(20);

    public static List<string> Check(GroundTruth truth, SimulationResult result)
    {
        var violations = new List<string>();
        Converged(truth, result, violations);
        NothingElseChanged(truth, result, violations);
        NoWriteWhileAllDown(truth, result, violations);
        NoWriteInSteadyState(result, violations);
        FailoversFollowRealFailures(truth, result, violations);
        VerifiedOnlyWhenTrafficFollows(truth, result, violations);
        ReleasedTablesNeverWritten(truth, result, violations);
        PublicIpsOnlyInTheirSlot(truth, result, violations);
        ConvergedOnlyWhenOnTarget(truth, result, violations);
        PublicIpsNeverLeftUnattached(truth, result, violations);
        OneWriterPerLease(truth, result, violations);
        return violations;
    }

    /// <summary>
    /// With a witness, every write for a cluster that ARM accepted came from the watcher holding the cluster's lease at
    /// that moment (by the witness's own record), so no two watchers write for one cluster in the same lease period.
    /// </summary>
    private static void OneWriterPerLease(GroundTruth truth, SimulationResult result, List<string> violations)
    {
        if (!truth.Witness)
        {
            return;
        }

        // A request is logged when answered, a moment after ARM took it (see ReleasedTablesNeverWritten).
        var slack = TimeSpan.FromSeconds(2);
        foreach (var cluster in truth.Clusters.Keys)
        {
            var writes = result.Requests.Where(r => r.Method == "PUT" && r.Status is >= 200 and < 300 && OfCluster(r.ResourceId ?? "", cluster));
            foreach (var write in writes)
            {
                if (!result.Leases.Any(l => l.Cluster == cluster && l.Watcher == write.Client && l.From <= write.At && write.At <= l.Until + slack))
                {
                    var holder = result.Leases.LastOrDefault(l => l.Cluster == cluster && l.From <= write.At)?.Watcher ?? "nobody";
                    violations.Add($"{cluster}: {write.Client ?? "an unnamed watcher"} wrote {Name(write.ResourceId ?? "")} at {SimulationResult.Time(result.Since(write.At))} without the cluster's lease (last taken by {holder})");
                }
            }
        }
    }

    /// <summary>How long a public IP may stay unattached beyond a failover that moves it (or a watcher's outage): one NIC write and its poll.</summary>
    private static readonly TimeSpan NicWrite = TimeSpan.FromSeconds(45);

    /// <summary>At no moment is a cluster's public IP attached anywhere but an NVA's first interface (its slot, slot 0 here).</summary>
    private static void PublicIpsOnlyInTheirSlot(GroundTruth truth, SimulationResult result, List<string> violations)
    {
        foreach (var (cluster, pips) in truth.PublicIps)
        {
            foreach (var commit in result.PublicIpHistory.Where(c => pips.Contains(c.PublicIpId, StringComparer.OrdinalIgnoreCase) && c.IpConfigurationId is not null))
            {
                if (!truth.Clusters[cluster].Keys.Any(n => commit.IpConfigurationId!.Contains($"/{n}-nic0/", StringComparison.Ordinal)))
                {
                    violations.Add($"{cluster}: public IP {Name(commit.PublicIpId)} attached to {commit.IpConfigurationId} at {SimulationResult.Time(result.Since(commit.At))}, not its slot (an NVA's first interface)");
                }
            }
        }
    }

    /// <summary>
    /// A failover reported converged had, when its last write was confirmed, every public IP of its cluster on its target
    /// and every managed route that went to the NVA it left when it was decided on its target, slot for slot, by the
    /// emulator's own record. An outside edit of the cluster's tables shortly before exempts the routes.
    /// </summary>
    private static void ConvergedOnlyWhenOnTarget(GroundTruth truth, SimulationResult result, List<string> violations)
    {
        var initial = Routes(result.Initial);
        foreach (var f in result.Failovers.Where(f => f.Status == FailoverStatus.Converged && truth.Clusters.ContainsKey(f.Cluster)))
        {
            var convergedAt = new[] { f.RoutesConvergedAt, f.PublicIpsConvergedAt }.Max() ?? f.DetectedAt;
            var at = result.Start + (f.PublicIpsConvergedAt ?? convergedAt);
            var targetIps = truth.Clusters[f.Cluster][f.To];
            foreach (var pip in truth.PublicIps[f.Cluster])
            {
                var holder = result.PublicIpHistory.LastOrDefault(c => c.At <= at && string.Equals(c.PublicIpId, pip, StringComparison.OrdinalIgnoreCase))?.IpConfigurationId;
                if (holder is null || !holder.Contains($"/{f.To}-nic0/", StringComparison.Ordinal))
                {
                    var moves = result.PublicIpHistory.Where(c => string.Equals(c.PublicIpId, pip, StringComparison.OrdinalIgnoreCase))
                        .Select(c => $"{SimulationResult.Time(result.Since(c.At))} {(c.IpConfigurationId is { } config ? Name(config[..config.IndexOf("/ipConfigurations/", StringComparison.Ordinal)]) : "none")}");
                    violations.Add($"{f.Cluster}: failover {f.From} -> {f.To} reported converged at {SimulationResult.Time(convergedAt)}, but public IP {Name(pip)} was on {holder ?? "no ipconfig"} (its holders: {string.Join(", ", moves)})");
                }
            }

            // Routes as they were when their last write was confirmed; a person's edit of the tables from shortly before
            // the decision until then exempts them.
            var routesAt = f.RoutesConvergedAt ?? convergedAt;
            var edited = result.Events.Any(e => e.Error is null && e.Event.Do is "editRoute" or "untagRouteTable" or "deleteRouteTable"
                && e.At <= routesAt && e.At >= f.DetectedAt - TimeSpan.FromSeconds(20));
            if (edited)
            {
                continue;
            }

            at = result.Start + routesAt;
            var tables = result.RouteHistory.Where(c => c.At <= at).GroupBy(c => Name(c.RouteTableId)).ToDictionary(g => g.Key, g => g.Last());
            var decided = result.RouteHistory.Where(c => c.At <= result.Start + f.DetectedAt).GroupBy(c => Name(c.RouteTableId)).ToDictionary(g => g.Key, g => g.Last());
            var fromIps = f.From is null ? [] : truth.Clusters[f.Cluster].GetValueOrDefault(f.From) ?? [];
            foreach (var route in initial.Where(r => r.Tag == f.Cluster && truth.Owner(r.NextHop) is { } o && o.Cluster == f.Cluster))
            {
                var table = route.Key[..route.Key.IndexOf('/', StringComparison.Ordinal)];
                var name = route.Key[(table.Length + 1)..];
                if (truth.ReleasedIn(result).Any(r => r.Table == table && r.At <= convergedAt) || !tables.TryGetValue(table, out var state)
                    || !decided.TryGetValue(table, out var before) || !before.NextHops.TryGetValue(name, out var was) || !fromIps.Contains(was))
                {
                    continue;
                }

                var expected = targetIps[truth.Owner(route.NextHop)!.Value.Slot];
                if (state.NextHops.TryGetValue(name, out var hop) && hop != expected)
                {
                    violations.Add($"{f.Cluster}: failover {f.From} -> {f.To} reported its routes converged at {SimulationResult.Time(routesAt)}, but route {route.Key} went to {hop}, not {expected}");
                }
            }
        }
    }

    /// <summary>
    /// A public IP is never left unattached longer than one failover: each moment it is attached to nothing falls in a
    /// failover of its cluster that has not ended (from its decision until it converged, was superseded or the scenario
    /// ended), or in a watcher's outage (until the new watcher's lease and first rounds), or within one NIC write of
    /// either; the stranded public IP of issue 19 case 1 (converged, nothing pending, attached nowhere for minutes) is not.
    /// </summary>
    private static void PublicIpsNeverLeftUnattached(GroundTruth truth, SimulationResult result, List<string> violations)
    {
        var end = result.Scenario.Duration;
        var outages = truth.Kills.Select(k => (From: k.At, To: k.At + k.DownFor + (truth.Witness ? TimeSpan.FromSeconds(15) : TimeSpan.Zero) + Reaction)).ToList();
        foreach (var (cluster, pips) in truth.PublicIps)
        {
            var failovers = result.Failovers.Where(f => f.Cluster == cluster).OrderBy(f => f.DetectedAt).ToList();
            var covered = new List<(TimeSpan From, TimeSpan To)>(outages);
            for (var i = 0; i < failovers.Count; i++)
            {
                var f = failovers[i];
                var to = f.Status switch
                {
                    FailoverStatus.Converged => new[] { f.RoutesConvergedAt, f.PublicIpsConvergedAt }.Max() ?? f.DetectedAt,
                    FailoverStatus.Superseded => i + 1 < failovers.Count ? failovers[i + 1].DetectedAt : end,
                    _ => end,
                };
                covered.Add((f.DetectedAt, to));
            }

            foreach (var pip in pips)
            {
                var history = result.PublicIpHistory.Where(c => string.Equals(c.PublicIpId, pip, StringComparison.OrdinalIgnoreCase)).ToList();
                for (var i = 0; i < history.Count; i++)
                {
                    if (history[i].IpConfigurationId is not null)
                    {
                        continue;
                    }

                    var from = result.Since(history[i].At);
                    var to = i + 1 < history.Count ? result.Since(history[i + 1].At) : end;
                    var uncovered = Uncovered(from, to, covered);
                    if (uncovered is { } u && u.To - u.From > NicWrite)
                    {
                        violations.Add($"{cluster}: public IP {Name(pip)} attached to nothing from {SimulationResult.Time(from)} to {SimulationResult.Time(to)}, {SimulationResult.Time(u.From)}-{SimulationResult.Time(u.To)} of it outside any failover or watcher outage");
                    }
                }
            }
        }
    }

    /// <summary>The longest part of [from, to) that no span covers, if any.</summary>
    private static (TimeSpan From, TimeSpan To)? Uncovered(TimeSpan from, TimeSpan to, List<(TimeSpan From, TimeSpan To)> spans)
    {
        (TimeSpan From, TimeSpan To)? longest = null;
        var at = from;
        foreach (var span in spans.Where(s => s.To > from && s.From < to).OrderBy(s => s.From))
        {
            if (span.From > at && (longest is null || span.From - at > longest.Value.To - longest.Value.From))
            {
                longest = (at, span.From);
            }

            at = span.To > at ? span.To : at;
        }

        if (to > at && (longest is null || to - at > longest.Value.To - longest.Value.From))
        {
            longest = (at, to);
        }

        return longest;
    }

    /// <summary>
    /// A table a person untagged or deleted is no longer the cluster's: from that moment no write to it succeeds (one in
    /// flight was planned on the ETag the untag changed, so ARM refuses it).
    /// </summary>
    private static void ReleasedTablesNeverWritten(GroundTruth truth, SimulationResult result, List<string> violations)
    {
        foreach (var (at, table, deleted) in truth.ReleasedIn(result))
        {
            // A request is logged when its answer is sent, a few milliseconds after ARM checked its ETag: at 200x that is up
            // to a second or two of scenario time, so a write answered that soon after was checked before the change.
            var written = result.Requests.Where(r => r.Method == "PUT" && r.Status is >= 200 and < 300 && r.At - result.Start >= at + TimeSpan.FromSeconds(2)
                && (r.ResourceId ?? "").EndsWith($"/routeTables/{table}", StringComparison.OrdinalIgnoreCase)).ToList();
            if (written.Count > 0)
            {
                violations.Add($"{table}: {written.Count} write(s) succeeded after it was {(deleted ? "deleted" : "untagged")} at {SimulationResult.Time(at)}, first at {SimulationResult.Time(written[0].At - result.Start)}");
            }
        }
    }

    /// <summary>
    /// A failover reported verified had, when it reported, no route of a table that a subnet uses pointing at the NVA it
    /// left (managed tables and tables nobody tagged alike), by the emulator's own record of the routes applied (the
    /// verification's last read was answered a moment before). An outside edit of the cluster's tables shortly before
    /// exempts it.
    /// </summary>
    private static void VerifiedOnlyWhenTrafficFollows(GroundTruth truth, SimulationResult result, List<string> violations)
    {
        foreach (var f in result.Failovers.Where(f => f.VerifiedAt is not null && f.From is not null))
        {
            var verified = result.Start + f.VerifiedAt!.Value;
            var edited = result.Events.Any(e => e.Error is null && e.Event.Do is "editRoute" or "untagRouteTable" or "deleteRouteTable"
                && e.At <= f.VerifiedAt.Value && e.At >= f.VerifiedAt.Value - TimeSpan.FromSeconds(20));
            if (edited || !truth.Clusters[f.Cluster].TryGetValue(f.From!, out var oldIps))
            {
                continue;
            }

            foreach (var at in new[] { verified })
            {
                var state = result.RouteHistory.Where(c => c.At <= at).GroupBy(c => c.RouteTableId).Select(g => g.Last());
                foreach (var table in state.Where(t => t.SubnetIds.Count > 0))
                {
                    foreach (var (route, hop) in table.NextHops.Where(h => oldIps.Contains(h.Value)))
                    {
                        violations.Add($"{f.Cluster}: failover {f.From} -> {f.To} reported verified at {SimulationResult.Time(f.VerifiedAt.Value)}, but at {SimulationResult.Time(at - result.Start)} route {route} of {Name(table.RouteTableId)} (used by {table.SubnetIds.Count} subnet(s)) still sent traffic to {f.From} ({hop})");
                    }
                }
            }
        }
    }

    /// <summary>At the end (three minutes after the last fault), each cluster's managed routes and public IPs are on one NVA, slot for slot.</summary>
    private static void Converged(GroundTruth truth, SimulationResult result, List<string> violations)
    {
        var initial = Routes(result.Initial);
        var final = Routes(result.Final);
        foreach (var (cluster, nvas) in truth.Clusters)
        {
            var managed = initial.Where(r => r.Tag == cluster && truth.Owner(r.NextHop) is { } o && o.Cluster == cluster && !Released(truth, result, r.Key)).ToList();
            var holders = new HashSet<string>();
            foreach (var route in managed)
            {
                var now = final.Single(f => f.Key == route.Key);
                if (truth.Owner(now.NextHop) is not { } owner || owner.Cluster != cluster || owner.Slot != truth.Owner(route.NextHop)!.Value.Slot)
                {
                    violations.Add($"{cluster}: route {route.Key} ends at {now.NextHop}, not at the same slot of one of the cluster's NVAs");
                    continue;
                }

                holders.Add(owner.Nva);
            }

            foreach (var pip in truth.PublicIps[cluster])
            {
                var holder = PublicIpHolder(result.Final, pip);
                var nva = holder is null ? null : nvas.Keys.FirstOrDefault(n => holder.Contains($"/{n}-nic0/", StringComparison.Ordinal));
                if (nva is null)
                {
                    violations.Add($"{cluster}: public IP {Name(pip)} ends on {holder ?? "no ipconfig"}, not on an NVA's first interface");
                    continue;
                }

                holders.Add(nva);
            }

            if (holders.Count > 1)
            {
                violations.Add($"{cluster}: traffic ends split across {string.Join(", ", holders.Order())}");
            }
            else if (holders.Count == 1 && truth.IsDown(cluster, holders.Single(), result.Scenario.Duration - TimeSpan.FromSeconds(1)))
            {
                violations.Add($"{cluster}: traffic ends on {holders.Single()}, which is down");
            }
        }
    }

    /// <summary>Between the start and the end, only managed next hops, public IP attachments and the timeline's own edits differ.</summary>
    private static void NothingElseChanged(GroundTruth truth, SimulationResult result, List<string> violations)
    {
        var managedRoutes = Routes(result.Initial).Where(r => r.Tag is not null && truth.Owner(r.NextHop) is { } o && o.Cluster == r.Tag).Select(r => r.Key).ToHashSet();
        var editedTags = result.Events.Where(e => e.Error is null && e.Event.Do == "editNic")
            .SelectMany(e => e.Event.Data["tags"]!.AsObject().Select(t => $"{e.Event["nic"]}|tags.{t.Key}")).ToHashSet();
        foreach (var change in TopologyDiff.Between(result.Initial, result.Final).Where(c => !truth.ReleasedIn(result).Any(r => r.Table == c.Resource)))
        {
            var expected =
                (change.Path.EndsWith(".nextHopIpAddress", StringComparison.Ordinal) && managedRoutes.Contains($"{change.Resource}/{RouteName(change.Path)}"))
                || change.Path.EndsWith(".publicIPAddressId", StringComparison.Ordinal)
                || editedTags.Contains($"{change.Resource}|{change.Path}");
            if (!expected)
            {
                violations.Add($"{change.Resource} {change.Path} changed from {change.Before ?? "(absent)"} to {change.After ?? "(absent)"}");
            }
        }
    }

    /// <summary>
    /// While every NVA of a cluster is down, no write to its resources is sent once a round could have seen it: after the
    /// reaction time, and after the decision of the first round that started probing once the last NVA was down. A
    /// round lasts as long as its slowest probe, and in a rehearsal a hung call (a hung appliance, a hung ARM request)
    /// lasts at least the real-time floor under network timeouts, 50 s of scenario time at 200x: a failover's writes to a
    /// target that died while such a round probed go on until that round ends, as they would for the few seconds a
    /// round lasts in Azure. What is checked is the decision: no write once a round has seen every NVA down.
    /// </summary>
    private static void NoWriteWhileAllDown(GroundTruth truth, SimulationResult result, List<string> violations)
    {
        foreach (var cluster in truth.Clusters.Keys)
        {
            foreach (var (from, to) in truth.AllDown(cluster, result.Scenario.Duration))
            {
                var seen = result.Rounds.Where(r => r.Cluster == cluster && result.Since(r.StartedAt) >= from).Select(r => result.Since(r.DecidedAt)).DefaultIfEmpty(to).Min();
                var since = seen > from + Reaction ? seen : from + Reaction;
                var writes = result.Requests.Where(r => r.Method == "PUT" && r.At - result.Start >= since && r.At - result.Start < to && OfCluster(r.ResourceId ?? "", cluster)).ToList();
                if (writes.Count > 0)
                {
                    violations.Add($"{cluster}: {writes.Count} write(s) while every NVA was down ({SimulationResult.Time(from)}-{SimulationResult.Time(to)})");
                }
            }
        }
    }

    /// <summary>In the last minute, with every fault long over and everything converged, nothing is written.</summary>
    private static void NoWriteInSteadyState(SimulationResult result, List<string> violations)
    {
        var quiet = result.Scenario.Duration - TimeSpan.FromMinutes(1);
        var writes = result.Requests.Where(r => r.Method is "PUT" or "POST" && r.At - result.Start >= quiet).ToList();
        if (writes.Count > 0)
        {
            var which = writes.Take(5).Select(r => $"{SimulationResult.Time(r.At - result.Start)} {r.Operation} {Name(r.ResourceId ?? "")} ({r.Status})");
            violations.Add($"{writes.Count} write(s) in the last minute, in steady state: {string.Join(", ", which)}{(writes.Count > 5 ? ", ..." : "")}");
        }
    }

    /// <summary>Every failover away from an NVA follows a real failure of it; there are never more failovers than failures.</summary>
    private static void FailoversFollowRealFailures(GroundTruth truth, SimulationResult result, List<string> violations)
    {
        foreach (var failover in result.Failovers.Where(f => f.Reason == "activeDown"))
        {
            // The failure must fall in the deciding round's probing (from its start, less the reaction time, to its
            // decision): a round whose probes hung on ARM decides late, on what it saw then.
            var from = failover.From ?? "";
            var round = result.Rounds.FirstOrDefault(r => r.Cluster == failover.Cluster && result.Since(r.DecidedAt) == failover.DetectedAt);
            var probedFrom = (round is null ? failover.DetectedAt : result.Since(round.StartedAt)) - Reaction;
            var seconds = (int)Math.Ceiling((failover.DetectedAt - probedFrom).TotalSeconds);
            var real = Enumerable.Range(0, seconds + 1).Any(s => truth.IsDown(failover.Cluster, from, failover.DetectedAt - TimeSpan.FromSeconds(s)));
            if (!real)
            {
                violations.Add($"{failover.Cluster}: failover from {from} at {SimulationResult.Time(failover.DetectedAt)} without a real failure of {from}");
            }
        }

        foreach (var cluster in truth.Clusters.Keys)
        {
            var failovers = result.Failovers.Count(f => f.Cluster == cluster && f.Reason == "activeDown");
            var failures = truth.Down.Count(d => d.Observable && d.Cluster == cluster);
            if (failovers > failures)
            {
                violations.Add($"{cluster}: {failovers} failovers for {failures} NVA failures");
            }
        }

        foreach (var round in result.Rounds.Where(r => r.Action == RoundAction.Failback))
        {
            violations.Add($"{round.Cluster}: a failback at {SimulationResult.Time(round.DecidedAt - result.Start)}, with Failback OnActiveFailure");
        }
    }

    /// <summary>True when the route (table/route) is in a table a person untagged or deleted: no longer the cluster's.</summary>
    private static bool Released(GroundTruth truth, SimulationResult result, string routeKey) => truth.ReleasedIn(result).Any(r => routeKey.StartsWith($"{r.Table}/", StringComparison.Ordinal));

    private sealed record RouteState(string Key, string? Tag, string? NextHop);

    private static List<RouteState> Routes(JsonObject dump) =>
        [.. (dump["routeTables"] as JsonArray ?? []).OfType<JsonObject>().SelectMany(t => (t["routes"] as JsonArray ?? []).OfType<JsonObject>()
            .Where(r => r["nextHopType"]?.GetValue<string>() == "VirtualAppliance")
            .Select(r => new RouteState($"{Name(t["id"]!.GetValue<string>())}/{r["name"]!.GetValue<string>()}", t["tags"]?["nva_ha_udr"]?.GetValue<string>(), r["nextHopIpAddress"]?.GetValue<string>())))];

    private static string? PublicIpHolder(JsonObject dump, string pip)
    {
        foreach (var nic in (dump["networkInterfaces"] as JsonArray ?? []).OfType<JsonObject>())
        {
            foreach (var config in (nic["ipConfigurations"] as JsonArray ?? []).OfType<JsonObject>())
            {
                if (string.Equals(config["publicIPAddressId"]?.GetValue<string>(), pip, StringComparison.OrdinalIgnoreCase))
                {
                    return $"{nic["id"]!.GetValue<string>()}/ipConfigurations/{config["name"]!.GetValue<string>()}";
                }
            }
        }

        return null;
    }

    /// <summary>Route tables of a cluster are named rt-{cluster}-N, its NICs {cluster}-nvaK-nicS.</summary>
    private static bool OfCluster(string path, string cluster) => path.Contains($"/rt-{cluster}-", StringComparison.Ordinal) || path.Contains($"/{cluster}-nva", StringComparison.Ordinal);

    private static string RouteName(string path) => path[(path.IndexOf('[', StringComparison.Ordinal) + 1)..path.IndexOf(']', StringComparison.Ordinal)];

    private static string Name(string id) => id[(id.LastIndexOf('/') + 1)..];
}
