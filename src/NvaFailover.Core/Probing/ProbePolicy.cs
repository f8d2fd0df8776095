namespace NvaFailover.Probing;

/// <summary>Probe kinds.</summary>
public enum ProbeKind
{
    /// <summary>Only <c>PowerState/running</c> is up.</summary>
    VmPowerState,
    /// <summary>A TCP connect to the NVA's probe endpoint within the timeout.</summary>
    Tcp,
    /// <summary>A 2xx answer from the NVA's probe endpoint within the timeout.</summary>
    Http,
    /// <summary>Power state and the network probe must both pass, and the forwarding probe where one is configured.</summary>
    All,
    /// <summary>
    /// The VM runs and an address reached only through the NVA answers (its ForwardingProbeEndpoint): the appliance
    /// forwards. When every NVA's forwarding probe fails at once, the destination is suspect: unknown, not down.
    /// </summary>
    Forwarding,
}

/// <summary>How one cluster's NVAs are probed (Probe:Kind, Attempts, Delay, Timeout).</summary>
/// <param name="Kind">The probe kind.</param>
/// <param name="Attempts">An NVA is down only when no attempt passes.</param>
/// <param name="Delay">Wait between attempts, not after the last.</param>
/// <param name="Timeout">Time allowed for one attempt.</param>
public sealed record ProbePolicy(ProbeKind Kind, int Attempts, TimeSpan Delay, TimeSpan Timeout)
{
    /// <summary>The longest one probe round can take: every attempt timing out, with the delays between.</summary>
    public TimeSpan WorstCase => (Timeout * Attempts) + (Delay * Math.Max(0, Attempts - 1));
}
