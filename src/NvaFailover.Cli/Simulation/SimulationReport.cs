using System.Globalization;
using System.Text.Json.Nodes;
using NvaFailover.Cli.Commands;
using NvaFailover.Decisions;
using NvaFailover.Emulator;
using NvaFailover.Monitoring;

namespace NvaFailover.Cli.Simulation;

/// <summary>The simulation report of the contract, and its readable timeline.</summary>
internal static class SimulationReport
{
    private static readonly string[] FaultEvents = ["powerOff", "deallocate", "probeDown"];

    public static JsonObject Build(Scenario scenario, DateTimeOffset start, IReadOnlyList<CycleReport> reports, IReadOnlyList<AppliedEvent> events, ArmEmulator emulator)
    {
        var final = emulator.Dump();
        final.Remove("virtualMachines");
        return new JsonObject
        {
            ["scenario"] = scenario.Name,
            ["cycles"] = new JsonArray([.. reports.OrderBy(r => r.StartedAt).Select(r => (JsonNode)new JsonObject
            {
                ["at"] = Time(r.StartedAt - start),
                ["cluster"] = r.Cluster,
                ["health"] = new JsonObject(r.Health.Select(h => KeyValuePair.Create(h.Nva, (JsonNode?)(h.Up ? "up" : "down")))),
                ["active"] = r.Active,
                ["action"] = CycleText.Action(r.Action),
                ["writes"] = r.Writes,
            })]),
            ["failovers"] = new JsonArray([.. Failovers(start, reports, events).Select(f => (JsonNode)f.ToJson())]),
            ["final"] = final,
            ["arm"] = Arm(emulator.Requests, start + scenario.Duration),
        };
    }

    /// <summary>
    /// One record per change of active NVA. A failover that a failed write left partial stays open until the
    /// cycle that repairs it, so convergedAt is when its last write succeeded.
    /// </summary>
    internal static List<Failover> Failovers(DateTimeOffset start, IReadOnlyList<CycleReport> reports, IReadOnlyList<AppliedEvent> events)
    {
        var done = new List<Failover>();
        foreach (var cluster in reports.GroupBy(r => r.Cluster))
        {
            Failover? open = null;
            foreach (var r in cluster.OrderBy(r => r.StartedAt))
            {
                if (r.Action is CycleAction.Failover or CycleAction.Failback or CycleAction.Switchover && r.Plan is { IsEmpty: false })
                {
                    if (open is not null)
                    {
                        done.Add(open);
                    }

                    var detected = r.DecidedAt - start;
                    var fault = r.Reason == FailoverReason.ActiveDown
                        ? events.Where(e => e.Error is null && FaultEvents.Contains(e.Event.Do) && string.Equals(e.Event["vm"], r.ActiveBefore, StringComparison.OrdinalIgnoreCase) && e.At <= detected)
                            .Select(e => (TimeSpan?)e.Event.At).LastOrDefault()
                        : null;
                    open = new Failover(r.Cluster, r.ActiveBefore, r.Plan.Target, CycleText.Reason(r.Reason), fault, detected, null, r.RoutesChanged, r.PublicIpsMoved);
                }
                else if (open is not null && r.Action == CycleAction.Reconcile)
                {
                    open = open with { RoutesChanged = open.RoutesChanged + r.RoutesChanged, PublicIpsMoved = open.PublicIpsMoved + r.PublicIpsMoved };
                }
                else
                {
                    continue;
                }

                if (!r.Failed && r.ConvergedAt is { } converged)
                {
                    done.Add(open with { ConvergedAt = converged - start });
                    open = null;
                }
            }

            if (open is not null)
            {
                done.Add(open);
            }
        }

        return [.. done.OrderBy(f => f.DetectedAt)];
    }

    private static JsonObject Arm(IReadOnlyCollection<RequestRecord> all, DateTimeOffset end)
    {
        // A request abandoned because the scenario's time ran out (499 at the end) is the simulation stopping, not ARM failing.
        var requests = all.Where(r => !(r.Status == 499 && r.At >= end)).ToList();
        var byOperation = new JsonObject();
        foreach (var group in requests.GroupBy(r => r.Operation).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            byOperation[group.Key] = group.Count();
        }

        return new JsonObject
        {
            ["reads"] = requests.Count(r => r.Method == "GET"),
            ["writes"] = requests.Count(r => r.Method is "PUT" or "POST" or "PATCH" or "DELETE"),
            ["throttled"] = requests.Count(r => r.Status == 429),
            ["conflicts"] = requests.Count(r => r.Status == 412),
            ["failed"] = requests.Count(r => r.Status >= 400 && r.Status is not (429 or 412)),
            ["byOperation"] = byOperation,
        };
    }

    public static async Task PrintTimelineAsync(TextWriter output, Scenario scenario, double speed, DateTimeOffset start, IReadOnlyList<CycleReport> reports,
        IReadOnlyList<AppliedEvent> events, JsonObject report)
    {
        await output.WriteLineAsync(FormattableString.Invariant($"Scenario {scenario.Name}: {scenario.Duration:c} of scenario time at {speed:0.##}x, on the local ARM emulator (real monitor, real adapters, HTTPS)."));
        var lines = new List<(TimeSpan At, int Order, string Text)>();
        foreach (var e in events)
        {
            var what = e.Event.Do switch
            {
                "switchover" => $"operator: switchover of {e.Event["cluster"]} to {e.Event["to"]}",
                "editRoute" => $"someone edits route {e.Event["route"]} of {e.Event["routeTable"]} to {e.Event["nextHopIpAddress"]}",
                "armFaults" => $"ARM starts failing: {e.Event.Data["status"]} for {e.Event.Data["probability"]!.GetValue<double>():P0} of requests, for {e.Event["for"]}",
                "probeDown" => $"{e.Event["vm"]} hangs (its probe stops answering, the VM keeps running)",
                "probeUp" => $"{e.Event["vm"]} answers its probe again",
                _ => $"{e.Event.Do} {e.Event["vm"]}",
            };
            lines.Add((e.At, 0, $">> {what}{(e.Error is null ? "" : $" (could not be applied: {e.Error})")}"));
        }

        var previous = new Dictionary<string, string>();
        foreach (var r in reports.OrderBy(r => r.StartedAt))
        {
            var health = CycleText.Health(r);
            var changed = !previous.TryGetValue(r.Cluster, out var before) || before != health;
            previous[r.Cluster] = health;
            if (changed || r.Action != CycleAction.None || r.Failed)
            {
                // A cycle is shown when it decided, after the probes that told it what happened.
                lines.Add((r.DecidedAt - start, 1, $"   {CycleText.Summary(r)}"));
            }
        }

        foreach (var (at, _, text) in lines.OrderBy(l => Time(l.At), StringComparer.Ordinal).ThenBy(l => l.Order).ThenBy(l => l.At))
        {
            await output.WriteLineAsync($"{Time(at)} {text}");
        }

        await output.WriteLineAsync();
        var failovers = report["failovers"]!.AsArray();
        await output.WriteLineAsync(failovers.Count == 0 ? "No failover happened." : "Failovers:");
        foreach (var f in failovers)
        {
            var detected = f!["detectedAt"]!.GetValue<string>();
            var fault = f["faultAt"]?.GetValue<string>();
            var converged = f["convergedAt"]?.GetValue<string>();
            var detection = fault is null ? "" : $" (+{Seconds(detected, fault)} s)";
            var convergence = converged is null ? "not converged" : $"converged {converged} (+{Seconds(converged, detected)} s)";
            await output.WriteLineAsync($"  {f["cluster"]}: {f["from"]} -> {f["to"]} ({f["reason"]}): {(fault is null ? "" : $"fault {fault}, ")}detected {detected}{detection}, {convergence}; {Count(f["routesChanged"]!.GetValue<int>(), "route")}, {Count(f["publicIpsMoved"]!.GetValue<int>(), "public IP")}");
        }

        var arm = report["arm"]!;
        await output.WriteLineAsync($"ARM: {arm["reads"]} reads, {arm["writes"]} writes, {arm["throttled"]} throttled, {arm["conflicts"]} conflicts, {arm["failed"]} failed.");
    }

    internal static string Count(int n, string what) => $"{n} {what}{(n == 1 ? "" : "s")}";

    internal static string Time(TimeSpan t) => TimeSpan.FromSeconds(Math.Round(Math.Max(0, t.TotalSeconds))).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture);

    private static int Seconds(string later, string earlier) =>
        (int)(TimeSpan.Parse(later, CultureInfo.InvariantCulture) - TimeSpan.Parse(earlier, CultureInfo.InvariantCulture)).TotalSeconds;

    internal sealed record Failover(string Cluster, string? From, string To, string Reason, TimeSpan? FaultAt, TimeSpan DetectedAt, TimeSpan? ConvergedAt, int RoutesChanged, int PublicIpsMoved)
    {
        public JsonObject ToJson() => new()
        {
            ["cluster"] = Cluster,
            ["from"] = From,
            ["to"] = To,
            ["reason"] = Reason,
            ["faultAt"] = FaultAt is { } f ? Time(f) : null,
            ["detectedAt"] = Time(DetectedAt),
            ["convergedAt"] = ConvergedAt is { } c ? Time(c) : null,
            ["routesChanged"] = RoutesChanged,
            ["publicIpsMoved"] = PublicIpsMoved,
        };
    }
}
