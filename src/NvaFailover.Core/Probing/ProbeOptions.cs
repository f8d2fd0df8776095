namespace NvaFailover.Probing;

/// <summary>Probe settings of a cluster.</summary>
public sealed class ProbeOptions
{
    /// <summary>The probe kind.</summary>
    public ProbeKind Kind { get; set; } = ProbeKind.VmPowerState;

    /// <summary>An NVA is down only when no attempt passes.</summary>
    public int Attempts { get; set; } = 3;

    /// <summary>Wait between attempts (not after the last).</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Time allowed for one attempt.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Rounds of probes within one timer run start this far apart, until shortly before the next scheduled run, so
    /// detection does not wait for the schedule. Zero: one round per timer run.
    /// </summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The port a Tcp or Http probe uses on an NVA that has no ProbeEndpoint (its first private IP).</summary>
    public int? Port { get; set; }

    /// <summary>
    /// The rounds' cadence: a round starts every Interval and takes up to Timeout, so a sighting older than the longer
    /// of the two was not made by the round before.
    /// </summary>
    public TimeSpan Cadence => Interval > Timeout ? Interval : Timeout;

    /// <summary>The prober's view of these settings.</summary>
    public ProbePolicy ToPolicy() => new(Kind, Attempts, Delay, Timeout);
}
