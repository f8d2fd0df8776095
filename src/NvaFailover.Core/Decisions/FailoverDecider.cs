using NvaFailover.Probing;
using NvaFailover.Settings;
using NvaFailover.Topology;

namespace NvaFailover.Decisions;

/// <summary>
/// Decides which NVA must be active. The active NVA is the one the managed routes (and public IPs) point at;
/// it stays active while healthy (OnActiveFailure), or yields to a higher-priority NVA that has been healthy
/// for PreemptAfter (Preemptive). When it is down the highest-priority healthy NVA takes over; when all are
/// down nothing is touched.
/// </summary>
internal static class FailoverDecider
{
    public static Decision Decide(ClusterOptions cluster, ClusterTopology topology, IReadOnlyList<NvaHealth> health, ClusterMemory memory, DateTimeOffset now, string? switchoverTo = null)
    {
        var up = health.Where(h => h.Up).Select(h => h.Nva).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var byPriority = topology.Nvas.OrderBy(n => n.Priority).Select(n => n.Name).ToList();
        var active = CurrentActive(topology, memory);
        var bestHealthy = byPriority.FirstOrDefault(up.Contains);

        if (switchoverTo is not null)
        {
            return DecideSwitchover(topology, health, up, active, switchoverTo);
        }

        if (bestHealthy is null)
        {
            return new Decision(CycleAction.Hold, active, null, null,
                $"every NVA is down; keeping the last known good routes{(active is null ? "" : $" through {active}")} and writing nothing");
        }

        if (active is null)
        {
            return new Decision(CycleAction.None, null, bestHealthy, null,
                $"no managed route or public IP points at an NVA yet; {bestHealthy} is the highest-priority healthy NVA");
        }

        if (!up.Contains(active))
        {
            return new Decision(CycleAction.Failover, active, bestHealthy, FailoverReason.ActiveDown,
                $"active NVA {active} is down; {bestHealthy} is the highest-priority healthy NVA");
        }

        if (cluster.Failback == FailbackPolicy.Preemptive && byPriority.IndexOf(bestHealthy) < byPriority.IndexOf(active))
        {
            var since = memory.HealthySince(bestHealthy);
            if (since is not null && now - since.Value >= cluster.PreemptAfter)
            {
                return new Decision(CycleAction.Failback, active, bestHealthy, FailoverReason.Preempt,
                    $"{bestHealthy} has higher priority than {active} and has been healthy since {since.Value:u} (PreemptAfter {cluster.PreemptAfter:c})");
            }

            return new Decision(CycleAction.None, active, active, null,
                $"{active} stays active; {bestHealthy} has higher priority but has not yet been healthy for PreemptAfter {cluster.PreemptAfter:c}");
        }

        return new Decision(CycleAction.None, active, active, null, $"{active} is active and healthy");
    }

    /// <summary>The NVA the routes point at; ties go to the NVA this process last chose, then to priority.</summary>
    internal static string? CurrentActive(ClusterTopology topology, ClusterMemory memory) => topology.ActiveNva(memory.LastTarget);

    private static Decision DecideSwitchover(ClusterTopology topology, IReadOnlyList<NvaHealth> health, HashSet<string> up, string? active, string to)
    {
        var target = topology.FindNva(to);
        if (target is null)
        {
            var refusal = $"no NVA named '{to}' in cluster {topology.Cluster}; its NVAs are {string.Join(", ", topology.Nvas.Select(n => n.Name))}";
            return new Decision(CycleAction.None, active, null, null, refusal, refusal);
        }

        if (!up.Contains(target.Name))
        {
            var reason = health.FirstOrDefault(h => h.Nva.Equals(target.Name, StringComparison.OrdinalIgnoreCase))?.Reason ?? "it failed its probes";
            var refusal = $"{target.Name} is down ({reason}); a switchover only moves traffic to a healthy NVA";
            return new Decision(CycleAction.None, active, null, null, refusal, refusal);
        }

        if (string.Equals(active, target.Name, StringComparison.OrdinalIgnoreCase))
        {
            return new Decision(CycleAction.None, active, target.Name, null, $"{target.Name} is already active");
        }

        return new Decision(CycleAction.Switchover, active, target.Name, FailoverReason.Switchover,
            $"operator switchover from {active ?? "(none)"} to {target.Name}");
    }
}
