using Microsoft.Extensions.Logging;
using NvaFailover.Decisions;
using NvaFailover.Probing;
using NvaFailover.Resources;
using NvaFailover.Settings;
using NvaFailover.Telemetry;
using NvaFailover.Topology;

namespace NvaFailover.Monitoring;

/// <summary>
/// A cluster's probes: where each NVA is probed (resolved once per topology), each change of an NVA's health logged
/// once, and how old a sighting may be when a failover's writes start.
/// </summary>
internal sealed class ClusterProbes(ClusterOptions cluster, NvaProber prober, ClusterMemory memory, TimeProvider time, ILogger logger)
{
    private readonly ProbePolicy _policy = cluster.Probe.ToPolicy();
    private readonly ProbeTarget[] _configured =
        [.. cluster.Nvas.Select(n => new ProbeTarget(n.Name, n.VirtualMachineId, n.ProbeEndpoint)
        {
            CertificateThumbprint = n.ProbeCertificateThumbprint,
            ForwardingEndpoint = n.ForwardingProbeDialed ?? n.ForwardingProbeEndpoint,
        })];

    private Resolved? _resolved;
    private bool _destinationSuspect;

    /// <summary>True when the probes go to addresses read from Azure (Probe:Port without ProbeEndpoint), so the first round reads them first.</summary>
    public bool NeedTopology => cluster.Probe.Port is not null;

    /// <summary>
    /// How old <paramref name="nva"/>'s sighting in <paramref name="health"/> is, when it is older than the rounds'
    /// cadence (the round waited on slower probes: a hung appliance, a hung ARM read); null while it is fresh.
    /// </summary>
    public TimeSpan? SightingAge(IReadOnlyList<NvaHealth> health, string nva) =>
        health.FirstOrDefault(h => h.Nva.Equals(nva, StringComparison.OrdinalIgnoreCase)) is { } seen && time.GetUtcNow() - seen.ObservedAt is var age && age > cluster.Probe.Cadence
            ? age
            : null;

    public async Task<IReadOnlyList<NvaHealth>> ProbeAllAsync(ClusterTopology? topology, CancellationToken cancellationToken)
    {
        var health = await prober.ProbeAllAsync(cluster.Name, _policy, Targets(topology), cancellationToken);
        Observe(health);
        return health;
    }

    /// <summary><paramref name="health"/> with <paramref name="nva"/> probed again now.</summary>
    public async Task<IReadOnlyList<NvaHealth>> ReprobeAsync(IReadOnlyList<NvaHealth> health, string nva, ClusterTopology topology, CancellationToken cancellationToken)
    {
        var target = Targets(topology).Single(t => t.Name.Equals(nva, StringComparison.OrdinalIgnoreCase));
        var fresh = await prober.ProbeAsync(cluster.Name, _policy, target, cancellationToken);
        Observe([fresh]);
        return [.. health.Select(h => h.Nva.Equals(nva, StringComparison.OrdinalIgnoreCase) ? fresh : h)];
    }

    private IReadOnlyList<ProbeTarget> Targets(ClusterTopology? topology)
    {
        if (_resolved is { } resolved && ReferenceEquals(resolved.Topology, topology))
        {
            return resolved.Targets;
        }

        var targets = ProbeTargets.Resolve(_configured, cluster.Probe.Kind, cluster.Probe.Port,
            vm => topology?.FindNva(ArmId.Name(vm))?.Slots is [var slot, ..] ? slot.IpAddress : null);
        _resolved = new Resolved(topology, targets);
        return targets;
    }

    private void Observe(NvaHealth[] health)
    {
        var suspect = health.Length > 1 && health.All(h => h.DestinationSuspect);
        if (suspect != _destinationSuspect && health.Length == cluster.Nvas.Count)
        {
            _destinationSuspect = suspect;
            if (suspect)
            {
                Log.ForwardingDestinationSuspect(logger, cluster.Name, health.Length, string.Join("; ", health.Select(h => $"{h.Nva}: {h.Reason}")));
            }
        }

        foreach (var change in memory.Observe(health, time.GetUtcNow()))
        {
            switch (change.State)
            {
                case HealthState.Up:
                    Log.NvaUp(logger, cluster.Name, change.Nva);
                    break;
                case HealthState.Down:
                    Log.NvaDown(logger, cluster.Name, change.Nva, change.Attempts, change.Reason ?? "failed");
                    break;
                default:
                    Log.NvaUnknown(logger, cluster.Name, change.Nva, change.Reason ?? "not observed");
                    break;
            }
        }
    }

    private sealed record Resolved(ClusterTopology? Topology, IReadOnlyList<ProbeTarget> Targets);
}
