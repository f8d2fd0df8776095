using NvaFailover.Probing;
using NvaFailover.Settings;
using NvaFailover.Topology;

namespace NvaFailover.Decisions;

/// <summary>
/// Decides which NVA must be active. The active NVA is the one the managed routes (and public IPs) point at; it stays
/// active while healthy (OnActiveFailure), or yields to a higher-priority NVA that has been healthy for PreemptAfter
/// (Preemptive). When it is down the highest-priority NVA that is up takes over; when every NVA is down nothing is
/// touched. Unknown health (the probes could not observe the NVA) never moves traffic and never causes a hold.
/// </summary>
internal static class FailoverDecider
{
    public static Decision Decide(ClusterOptions cluster, ClusterTopology topology, IReadOnlyList<NvaHealth> health, ClusterMemory memory, DateTimeOffset now, string? switchoverTo = null)
    {
        var state = health.ToDictionary(h => h.Nva, h => h.State, StringComparer.OrdinalIgnoreCase);
        HealthState Of(string nva) => state.GetValueOrDefault(nva, HealthState.Unknown);
        var byPriority = topology.Nvas.OrderBy(n => n.Priority).Select(n => n.Name).ToList();
        var active = CurrentActive(topology, memory);
        var bestHealthy = byPriority.FirstOrDefault(n => Of(n) == HealthState.Up);

        if (switchoverTo is not null)
        {
            return DecideSwitchover(topology, health, active, switchoverTo, Of);
        }

        if (byPriority.Count > 0 && byPriority.All(n => Of(n) == HealthState.Down))
        {
            return new Decision(RoundAction.Hold, active, null, null,
                $"every NVA is down; keeping the last known good routes{(active is null ? "" : $" through {active}")} and writing nothing");
        }

        if (active is null)
        {
            return bestHealthy is null
                ? new Decision(RoundAction.None, null, null, null, "no managed route or public IP points at an NVA, and no NVA is known to be up yet")
                : new Decision(RoundAction.None, null, bestHealthy, null, $"no managed route or public IP points at an NVA yet; {bestHealthy} is the highest-priority healthy NVA");
        }

        switch (Of(active))
        {
            case HealthState.Down when bestHealthy is not null:
                return new Decision(RoundAction.Failover, active, bestHealthy, FailoverReason.ActiveDown,
                    $"active NVA {active} is down; {bestHealthy} is the highest-priority healthy NVA");
            case HealthState.Down:
                return new Decision(RoundAction.None, active, null, null,
                    $"active NVA {active} is down, but no other NVA is known to be up ({Unknowns(health)}): waiting, nothing is written until one is");
            case HealthState.Unknown:
                return new Decision(RoundAction.None, active, null, null,
                    $"active NVA {active}'s health is unknown ({health.FirstOrDefault(h => h.Nva.Equals(active, StringComparison.OrdinalIgnoreCase))?.Reason ?? "not probed"}); traffic stays on it and nothing is written until it is seen again");
            default:
                break;
        }

        if (cluster.Failback == FailbackPolicy.Preemptive && bestHealthy is not null && byPriority.IndexOf(bestHealthy) < byPriority.IndexOf(active))
        {
            var since = memory.HealthySince(bestHealthy);
            if (since is not null && now - since.Value >= cluster.PreemptAfter)
            {
                return new Decision(RoundAction.Failback, active, bestHealthy, FailoverReason.Preempt,
                    $"{bestHealthy} has higher priority than {active} and has been healthy since {since.Value:u} (PreemptAfter {cluster.PreemptAfter:c})");
            }

            return new Decision(RoundAction.None, active, active, null,
                $"{active} stays active; {bestHealthy} has higher priority but has not yet been healthy for PreemptAfter {cluster.PreemptAfter:c}");
        }

        return new Decision(RoundAction.None, active, active, null, $"{active} is active and healthy");
    }

    /// <summary>The NVA the routes point at; ties go to the NVA this process last chose, then to priority.</summary>
    internal static string? CurrentActive(ClusterTopology topology, ClusterMemory memory) => topology.ActiveNva(memory.LastTarget);

    private static string Unknowns(IEnumerable<NvaHealth> health) =>
        string.Join(", ", health.Where(h => !h.IsUp).Select(h => $"{h.Nva} {h.Word}"));

    private static Decision DecideSwitchover(ClusterTopology topology, IReadOnlyList<NvaHealth> health, string? active, string to, Func<string, HealthState> of)
    {
        var target = topology.FindNva(to);
        if (target is null)
        {
            var refusal = $"no NVA named '{to}' in cluster {topology.Cluster}; its NVAs are {string.Join(", ", topology.Nvas.Select(n => n.Name))}";
            return new Decision(RoundAction.None, active, null, null, refusal, refusal);
        }

        if (of(target.Name) != HealthState.Up)
        {
            var reason = health.FirstOrDefault(h => h.Nva.Equals(target.Name, StringComparison.OrdinalIgnoreCase))?.Reason ?? "it was not probed";
            var refusal = $"{target.Name} is {Words.Of(of(target.Name))} ({reason}); a switchover only moves traffic to an NVA seen healthy";
            return new Decision(RoundAction.None, active, null, null, refusal, refusal);
        }

        if (string.Equals(active, target.Name, StringComparison.OrdinalIgnoreCase))
        {
            return new Decision(RoundAction.None, active, target.Name, null, $"{target.Name} is already active");
        }

        return new Decision(RoundAction.Switchover, active, target.Name, FailoverReason.Switchover,
            $"operator switchover from {active ?? "(none)"} to {target.Name}");
    }
}
