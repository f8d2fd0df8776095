using System.Text.Json.Nodes;
using NvaFailover.Cli.Output;
using NvaFailover.Decisions;
using NvaFailover.Monitoring;
using NvaFailover.Planning;
using NvaFailover.Resources;

namespace NvaFailover.Cli.Simulation;

/// <summary>
/// Reads the failovers out of a rehearsal's rounds: one record per change of active NVA. A failover a failed write
/// left partial stays open until a later round repairs it (its counts and times then include the repair); one still
/// writing when the scenario ends is reported in flight, with what the emulator shows is not done yet.
/// </summary>
internal static class FailoverRecords
{
    private static readonly string[] FaultEvents = ["powerOff", "deallocate", "probeDown"];

    /// <param name="start">Scenario start.</param>
    /// <param name="rounds">Every published round.</param>
    /// <param name="inFlight">Failovers still writing at the end, as far as they went.</param>
    /// <param name="events">The timeline as applied.</param>
    /// <param name="final">The emulator's topology at the end.</param>
    public static List<FailoverRecord> Build(DateTimeOffset start, IReadOnlyList<CycleReport> rounds, IReadOnlyList<CycleReport> inFlight, IReadOnlyList<AppliedEvent> events, JsonObject final)
    {
        var still = inFlight.ToHashSet();
        var done = new List<FailoverRecord>();
        foreach (var cluster in rounds.Concat(inFlight).Where(r => !r.DryRun).GroupBy(r => r.Cluster))
        {
            FailoverRecord? open = null;
            foreach (var r in cluster.OrderBy(r => r.DecidedAt))
            {
                if (r.Action is CycleAction.Failover or CycleAction.Failback or CycleAction.Switchover && r.Plan is { IsEmpty: false } plan)
                {
                    if (open is not null)
                    {
                        done.Add(open);
                    }

                    var detected = r.DecidedAt - start;
                    var fault = r.Reason == FailoverReason.ActiveDown
                        ? events.Where(e => e.Error is null && FaultEvents.Contains(e.Event.Do) && string.Equals(e.Event["vm"], r.ActiveBefore, StringComparison.OrdinalIgnoreCase) && e.At <= detected)
                            .Select(e => (TimeSpan?)e.At).LastOrDefault()
                        : null;
                    open = new FailoverRecord(r.Cluster, r.ActiveBefore, plan.Target, CycleText.Reason(r.Reason), fault, detected, null, null, 0, 0, FailoverStatus.InFlight, [], []);
                }
                else if (open is null || r.Action != CycleAction.Reconcile || r.Plan?.Target != open.To || r.Execution is null)
                {
                    continue;
                }

                open = Add(open, r, start, still.Contains(r), final);
                if (open.Status == FailoverStatus.Converged)
                {
                    done.Add(open);
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

    /// <summary>What round <paramref name="r"/> (the failover's own, or a repair) adds to <paramref name="open"/>.</summary>
    private static FailoverRecord Add(FailoverRecord open, CycleReport r, DateTimeOffset start, bool inFlight, JsonObject final)
    {
        var execution = r.Execution;
        var status = execution switch
        {
            _ when inFlight => FailoverStatus.InFlight,
            null => FailoverStatus.Failed,
            { Superseded: true } => FailoverStatus.Superseded,
            { Complete: false } => FailoverStatus.Failed,
            _ when r.NotMoved.Count > 0 => FailoverStatus.NotMoved,
            _ => FailoverStatus.Converged,
        };
        return open with
        {
            RoutesChanged = open.RoutesChanged + r.RoutesChanged,
            PublicIpsMoved = open.PublicIpsMoved + r.PublicIpsMoved,
            RoutesConvergedAt = Later(open.RoutesConvergedAt, execution?.RoutesConvergedAt - start),
            PublicIpsConvergedAt = Later(open.PublicIpsConvergedAt, execution?.PublicIpsConvergedAt - start),
            Status = status,
            NotMoved = r.NotMoved,
            Pending = status is FailoverStatus.Converged or FailoverStatus.NotMoved || r.Plan is null ? [] : Pending(r.Plan, final),
        };
    }

    /// <summary>What of <paramref name="plan"/> the emulator's final topology shows is not on the target.</summary>
    internal static List<string> Pending(FailoverPlan plan, JsonObject final)
    {
        var pending = new List<string>();
        var tables = (final["routeTables"] as JsonArray ?? []).OfType<JsonObject>()
            .ToDictionary(t => t["id"]!.GetValue<string>(), ArmId.Comparer);
        foreach (var table in plan.RouteTables)
        {
            var routes = tables.TryGetValue(table.Table.Id, out var now) ? (now["routes"] as JsonArray ?? []).OfType<JsonObject>().ToList() : [];
            foreach (var change in table.Changes)
            {
                var hop = routes.FirstOrDefault(x => string.Equals(x["name"]?.GetValue<string>(), change.RouteName, StringComparison.OrdinalIgnoreCase))?["nextHopIpAddress"]?.GetValue<string>();
                if (hop != change.ToIp)
                {
                    pending.Add($"{ArmId.Name(table.Table.Id)}/{change.RouteName} still -> {hop ?? "(no route)"}, not {change.ToIp}");
                }
            }
        }

        foreach (var move in plan.PublicIpMoves)
        {
            var holder = PublicIpHolder(final, move.PublicIp.Id);
            if (!string.Equals(holder, move.To.IpConfigurationId, StringComparison.OrdinalIgnoreCase))
            {
                pending.Add(holder is null
                    ? $"public IP {ArmId.Name(move.PublicIp.Id)} is detached: it was taken off the old NVA and not yet attached to {move.To.IpConfigurationId}"
                    : $"public IP {ArmId.Name(move.PublicIp.Id)} still on {holder}, not {move.To.IpConfigurationId}");
            }
        }

        return pending;
    }

    /// <summary>The ipconfig holding a public IP in the emulator's topology, or null when it is attached nowhere.</summary>
    internal static string? PublicIpHolder(JsonObject final, string publicIpId)
    {
        foreach (var nic in (final["networkInterfaces"] as JsonArray ?? []).OfType<JsonObject>())
        {
            foreach (var ipConfiguration in (nic["ipConfigurations"] as JsonArray ?? []).OfType<JsonObject>())
            {
                if (string.Equals(ipConfiguration["publicIPAddressId"]?.GetValue<string>(), publicIpId, StringComparison.OrdinalIgnoreCase))
                {
                    return $"{nic["id"]!.GetValue<string>()}/ipConfigurations/{ipConfiguration["name"]!.GetValue<string>()}";
                }
            }
        }

        return null;
    }

    private static TimeSpan? Later(TimeSpan? a, TimeSpan? b) => a is { } x && b is { } y ? (x > y ? x : y) : a ?? b;
}
