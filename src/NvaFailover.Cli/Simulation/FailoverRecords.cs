using NvaFailover.Cli.Output;
using NvaFailover.Decisions;
using NvaFailover.Execution;
using NvaFailover.Monitoring;
using NvaFailover.Planning;
using NvaFailover.Ports;
using NvaFailover.Resources;

namespace NvaFailover.Cli.Simulation;

/// <summary>
/// Reads the failovers out of a rehearsal's rounds: one record per change of active NVA. A failover a failed write
/// left partial stays open until a later round repairs it (its counts and times then include the repair), and so does
/// one a killed watcher left, until the watcher that took over finishes it; one still writing when the scenario ends is
/// reported in flight, with what the emulator shows is not done yet.
/// </summary>
internal static class FailoverRecords
{
    private static readonly string[] FaultEvents = ["powerOff", "deallocate", "probeDown", "stopForwarding"];

    /// <param name="start">Scenario start.</param>
    /// <param name="rounds">Every published round.</param>
    /// <param name="inFlight">Failovers still writing at the end, as far as they went.</param>
    /// <param name="events">The timeline as applied.</param>
    public static List<FailoverRecord> Build(DateTimeOffset start, IReadOnlyList<RoundReport> rounds, IReadOnlyList<RoundReport> inFlight, IReadOnlyList<AppliedEvent> events)
    {
        var still = inFlight.ToHashSet();
        var done = new List<FailoverRecord>();
        foreach (var cluster in rounds.Concat(inFlight).Where(r => !r.DryRun).GroupBy(r => r.Cluster))
        {
            FailoverRecord? open = null;
            foreach (var r in cluster.OrderBy(r => r.DecidedAt))
            {
                var repair = true;
                // A failover decided again from the same NVA to the same target while the first had not converged (a
                // watcher that took over a killed one's flight, a failover that could write only part of its plan)
                // continues that failover, as a repair does: one failure, one failover.
                if (r.Action is RoundAction.Failover or RoundAction.Failback or RoundAction.Switchover && r.Plan is { IsEmpty: false } plan
                    && !(open is { Status: not FailoverStatus.Converged } && open.From == r.ActiveBefore && open.To == plan.Target && r.Execution is not null))
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
                    open = new FailoverRecord(r.Cluster, r.ActiveBefore, plan.Target, RoundText.Reason(r.Reason), new FailoverTimes(fault, detected, null, null, null), 0, 0,
                        new FailoverOutcome(FailoverStatus.InFlight, [], [], []));
                    repair = false;
                }
                else if (open is null || r.Action is not (RoundAction.Reconcile or RoundAction.Failover or RoundAction.Failback or RoundAction.Switchover) || r.Plan?.Target != open.To || r.Execution is null)
                {
                    continue;
                }

                open = Add(open, r, start, still.Contains(r), repair);
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

    /// <summary>What round <paramref name="r"/> (the failover's own, or a <paramref name="repair"/>: a later round that continues it) adds to <paramref name="open"/>.</summary>
    private static FailoverRecord Add(FailoverRecord open, RoundReport r, DateTimeOffset start, bool inFlight, bool repair)
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
        // A repair (a reconcile, or the same failover decided again) that finds in place what was not confirmed (a write an
        // earlier, superseded round sent landed after it stopped waiting, or was never needed) confirms it only now: the
        // failover converged no earlier than this round saw it, and a converged failover's times never come from before
        // that (fault-suite seed 927: a superseded failover's last table write dated its routes, while a table it had not
        // confirmed still held the old next hop). The round reads each public IP again while it executes, after it
        // decided, so what it confirms is dated by its end, not by its decision: an attach an earlier round sent can
        // commit between the two.
        var confirmedNow = status == FailoverStatus.Converged && repair ? r.CompletedAt - start : (TimeSpan?)null;
        var routesPending = open.Pending.Any(p => p.StartsWith("route table ", StringComparison.Ordinal));
        var publicIpsPending = open.Pending.Any(p => p.StartsWith("public IP ", StringComparison.Ordinal) || p.StartsWith("network interface ", StringComparison.Ordinal))
            || open.PublicIpsConvergedAt is not null;
        return open with
        {
            RoutesChanged = open.RoutesChanged + r.RoutesChanged,
            PublicIpsMoved = open.PublicIpsMoved + r.PublicIpsMoved,
            Times = open.Times with
            {
                RoutesConvergedAt = Later(Later(open.RoutesConvergedAt, execution?.RoutesConvergedAt - start), execution?.RoutesConvergedAt is null || routesPending ? confirmedNow : null),
                PublicIpsConvergedAt = Later(Later(open.PublicIpsConvergedAt, execution?.PublicIpsConvergedAt - start), publicIpsPending && execution?.PublicIpsConvergedAt is null ? confirmedNow : null),
                VerifiedAt = r.Verification is { Verified: true } verified ? verified.At - start : null,
            },
            Outcome = new FailoverOutcome(
                status,
                r.NotMoved,
                status is FailoverStatus.Converged or FailoverStatus.NotMoved || r.Plan is null ? [] : Pending(r.Plan, execution),
                r.Verification?.Unverified ?? []),
        };
    }

    /// <summary>
    /// What of <paramref name="plan"/> no write has confirmed yet. Azure shows a resource's new state as soon as its write
    /// is accepted, so only a write that completed counts: a public IP whose detach completed and whose attach did not
    /// answers on no NVA until it does.
    /// </summary>
    internal static List<string> Pending(FailoverPlan plan, ExecutionResult? execution)
    {
        var done = (execution?.Outcomes ?? []).Where(o => o.Status == WriteStatus.Succeeded).Select(o => o.ResourceId).ToHashSet(ArmId.Comparer);
        var pending = new List<string>();
        foreach (var table in plan.RouteTables.Where(t => !done.Contains(t.Table.Id)))
        {
            pending.Add($"route table {ArmId.Name(table.Table.Id)}: {string.Join(", ", table.Changes.Select(c => $"{c.RouteName} -> {c.ToIp}"))} not confirmed");
        }

        foreach (var move in plan.PublicIpMoves)
        {
            var to = move.To.NetworkInterfaceId;
            if (to is null || done.Contains(to))
            {
                continue;
            }

            var detached = ArmId.TrySplitIpConfigurationId(move.FromIpConfigurationId, out var from, out _) && done.Contains(from);
            pending.Add(detached
                ? $"public IP {ArmId.Name(move.PublicIp.Id)} ({move.PublicIp.IpAddress}) detached from {ArmId.Name(from)}, not yet attached to {ArmId.Name(to)}: it answers on no NVA until then"
                : $"public IP {ArmId.Name(move.PublicIp.Id)} ({move.PublicIp.IpAddress}) not yet moved to {ArmId.Name(to)}");
        }

        // The executor plans each public IP again from a fresh read, so it may write a NIC the plan did not name (a move
        // an earlier round left half done): such a write that did not complete is pending too.
        var planned = plan.PublicIpMoves
            .SelectMany(m => new[] { m.To.NetworkInterfaceId, ArmId.TrySplitIpConfigurationId(m.FromIpConfigurationId, out var nic, out _) ? nic : null })
            .OfType<string>()
            .ToHashSet(ArmId.Comparer);
        foreach (var nic in (execution?.Outcomes ?? []).Where(o => o.ResourceType == WriteOutcome.NetworkInterface && o.Status != WriteStatus.Succeeded && !planned.Contains(o.ResourceId)))
        {
            pending.Add($"network interface {ArmId.Name(nic.ResourceId)}: a public IP write to it not confirmed ({nic.Status})");
        }

        return pending;
    }

    private static TimeSpan? Later(TimeSpan? a, TimeSpan? b) => a is { } x && b is { } y ? (x > y ? x : y) : a ?? b;
}
