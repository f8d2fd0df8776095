using NvaFailover.Probing;

namespace NvaFailover.Decisions;

/// <summary>
/// What one process remembers of a cluster between rounds. Only soft facts live here (health history, the last target
/// as a tie-breaker, what was already logged): which NVA is active is always read from the routes, so a restarted
/// host resumes safely with an empty memory.
/// </summary>
internal sealed class ClusterMemory
{
    private readonly Dictionary<string, DateTimeOffset> _healthySince = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, DateTimeOffset> _lastSeenUp = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, HealthState> _lastHealth = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The last NVA a round pointed the cluster at.</summary>
    public string? LastTarget { get; set; }

    /// <summary>In a dry run, the failover already logged (from -> to), so it is logged once, not every round.</summary>
    public string? DryRunLogged { get; set; }

    /// <summary>The last "cannot fail over" reason logged, and when: repeated while it lasts, so its alert stays raised.</summary>
    public (string Reason, DateTimeOffset At)? CannotFailOverLogged { get; set; }

    /// <summary>Findings already logged, so a lasting finding is logged once, not every round.</summary>
    public HashSet<string> LoggedFindings { get; } = new(StringComparer.Ordinal);

    /// <summary>Records a probe round; returns the NVAs whose health changed (first observation included).</summary>
    public IReadOnlyList<NvaHealth> Observe(IEnumerable<NvaHealth> health, DateTimeOffset now)
    {
        var changed = new List<NvaHealth>();
        foreach (var h in health)
        {
            if (!_lastHealth.TryGetValue(h.Nva, out var previous) || previous != h.State)
            {
                changed.Add(h);
            }

            _lastHealth[h.Nva] = h.State;
            switch (h.State)
            {
                case HealthState.Up:
                    _lastSeenUp[h.Nva] = now;
                    _healthySince.TryAdd(h.Nva, now);
                    break;
                case HealthState.Down:
                    _healthySince.Remove(h.Nva);
                    break;
                default:
                    // Not seen: neither a break in health nor a proof of it.
                    break;
            }
        }

        return changed;
    }

    /// <summary>Since when the NVA has been continuously healthy, as seen by this process.</summary>
    public DateTimeOffset? HealthySince(string nva) => _healthySince.TryGetValue(nva, out var since) ? since : null;

    /// <summary>The last time the NVA passed a probe, as seen by this process.</summary>
    public DateTimeOffset? LastSeenUp(string nva) => _lastSeenUp.TryGetValue(nva, out var at) ? at : null;
}
