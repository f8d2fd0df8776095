namespace NvaFailover.Probing;

/// <summary>What the probes tell of an NVA.</summary>
public enum HealthState
{
    /// <summary>A probe attempt passed.</summary>
    Up,
    /// <summary>No attempt passed and at least one saw the NVA fail (stopped, refused, no answer, an error status).</summary>
    Down,
    /// <summary>
    /// No attempt could observe the NVA: the power state could not be read (ARM failed, throttled, or did not answer in
    /// time), or the address to probe is not known yet. Never treated as down.
    /// </summary>
    Unknown,
}

/// <summary>The health of one NVA after all its attempts.</summary>
/// <param name="Nva">NVA name.</param>
/// <param name="State">Up, down or unknown.</param>
/// <param name="Attempts">Attempts used.</param>
/// <param name="Reason">Why the last attempt did not pass (when not up).</param>
/// <param name="Duration">Time spent probing.</param>
public sealed record NvaHealth(string Nva, HealthState State, int Attempts, string? Reason, TimeSpan Duration)
{
    /// <summary>When the probing of this NVA ended: what it says is as old as this.</summary>
    public DateTimeOffset ObservedAt { get; init; }

    /// <summary>Down only because nothing came back through it (its forwarding probe failed while its VM runs).</summary>
    public bool ForwardingFailed { get; init; }

    /// <summary>Unknown because every NVA's forwarding probe failed at once: the destination beyond them is suspect.</summary>
    public bool DestinationSuspect { get; init; }

    /// <summary>True when up.</summary>
    public bool IsUp => State == HealthState.Up;

    /// <summary>True when down (seen failing), not when unknown.</summary>
    public bool IsDown => State == HealthState.Down;

    /// <summary><c>up</c>, <c>down</c> or <c>unknown</c>: the word the report, the logs and the CLI use.</summary>
    public string Word => Words.Of(State);
}

/// <summary>How health reads, in one place: the report, the logs and the CLI use these words.</summary>
public static class Words
{
    /// <summary><c>up</c>, <c>down</c> or <c>unknown</c>.</summary>
    public static string Of(HealthState state) => state switch
    {
        HealthState.Up => "up",
        HealthState.Down => "down",
        _ => "unknown",
    };

    /// <summary><c>a=up, b=down</c>: a round of health in the order given.</summary>
    public static string Of(IEnumerable<NvaHealth> health, string separator = ", ") =>
        string.Join(separator, health.Select(h => $"{h.Nva}={h.Word}"));
}

/// <summary>The outcome of one probe attempt.</summary>
/// <param name="State">Up, down (the NVA was seen failing) or unknown (it could not be observed).</param>
/// <param name="Reason">Why it did not pass.</param>
public sealed record ProbeAttempt(HealthState State, string? Reason)
{
    /// <summary>The failure was seen on the path through the NVA (its forwarding probe), not on the NVA itself.</summary>
    public bool ThroughNva { get; init; }

    /// <summary>A passed attempt.</summary>
    public static ProbeAttempt Passed { get; } = new(HealthState.Up, null);

    /// <summary>The NVA was seen failing.</summary>
    public static ProbeAttempt Failed(string reason) => new(HealthState.Down, reason);

    /// <summary>The NVA could not be observed.</summary>
    public static ProbeAttempt Unobserved(string reason) => new(HealthState.Unknown, reason);

    /// <summary>
    /// Several probes of one attempt (Probe:Kind All, Forwarding): any that saw the NVA fail decides down (a failure of the
    /// NVA itself before one seen only through it); otherwise the network probe decides up even when the power state
    /// could not be read; otherwise unknown.
    /// </summary>
    public static ProbeAttempt Combine(IReadOnlyList<ProbeAttempt> attempts)
    {
        if (attempts.Where(a => a.State == HealthState.Down).OrderBy(a => a.ThroughNva).FirstOrDefault() is { } down)
        {
            return down;
        }

        return attempts.Any(a => a.State == HealthState.Up) ? Passed : attempts.First(a => a.State == HealthState.Unknown);
    }
}
