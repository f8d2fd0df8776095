namespace NvaFailover.Probing;

/// <summary>Where each NVA of a cluster is probed: resolved once per topology, not per round.</summary>
internal static class ProbeTargets
{
    /// <summary>
    /// <paramref name="configured"/> as they are, except that one without an endpoint gets its NVA's first private IP on
    /// <paramref name="port"/> (Probe:Port, ha-nva-fo's TCPPort): an http:// URL for the HTTP probe, else host:port.
    /// </summary>
    /// <param name="configured">The NVAs in settings order, with the endpoints the settings give.</param>
    /// <param name="kind">The probe kind.</param>
    /// <param name="port">Probe:Port; null to derive nothing.</param>
    /// <param name="firstAddress">The first private IP of an NVA (by VM id), or null while it is not known.</param>
    public static IReadOnlyList<ProbeTarget> Resolve(IEnumerable<ProbeTarget> configured, ProbeKind kind, int? port, Func<string, string?> firstAddress) =>
        [.. configured.Select(t => t.Endpoint is null && port is { } p && firstAddress(t.VirtualMachineId) is { } address ? t with { Endpoint = Derived(address, p, kind) } : t)];

    private static ProbeEndpoint Derived(string address, int port, ProbeKind kind)
    {
        var host = address.Contains(':', StringComparison.Ordinal) ? $"[{address}]" : address;
        return kind == ProbeKind.Http ? new ProbeEndpoint(null, port, new Uri($"http://{host}:{port}/")) : new ProbeEndpoint(address, port, null);
    }
}
