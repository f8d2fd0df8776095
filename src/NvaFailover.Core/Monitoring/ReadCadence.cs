using Microsoft.Extensions.Logging;
using NvaFailover.Ports;
using NvaFailover.Probing;
using NvaFailover.Resources;
using NvaFailover.Settings;
using NvaFailover.Telemetry;
using NvaFailover.Topology;

namespace NvaFailover.Monitoring;

/// <summary>The reads per second, per subscription, that ARM lets routine reads take (its refill less the reserve left to others).</summary>
public sealed record ReadBudget(double ReadsPerSecond);

/// <summary>What the monitor's <see cref="ReadCadence"/> is made of; without a budget (no ARM adapter), the cadence is never stretched.</summary>
internal sealed record ReadCadenceParts(ReadBudget? Budget, RefreshSchedule Schedule, PowerStateBoard Board, IWitness? Witness = null);

/// <summary>
/// Holds a fleet's routine reads within ARM's read budget, per subscription. Routine reads are the probes' power-state
/// reads (one list per subscription and round, a read per page of it, or one per VM and round where the list cannot be used) and the
/// rediscoveries (every read of a cluster's topology, every DiscoveryRefresh). They may take four fifths of the budget;
/// the rest is left to failovers (their reads, and the polls that confirm their writes, come first anyway) and
/// verification. When they need more, rediscoveries are spaced out first, evenly for every cluster reading that
/// subscription, as long as probes need at most half the budget; beyond that, probes and rediscoveries stretch by one
/// factor, so no cluster is probed less often than another. Each change is logged once, with the numbers
/// (event 1025 ReadBudgetStretched, and 1026 ReadBudgetRestored when the cadence is back).
/// </summary>
internal sealed class ReadCadence
{
    /// <summary>The share of the budget routine reads may take.</summary>
    public const double RoutineShare = 0.8;

    private readonly IReadOnlyList<ClusterOptions> _clusters;
    private readonly ReadBudget? _budget;
    private readonly RefreshSchedule _schedule;
    private readonly PowerStateBoard _board;
    private readonly TopologyCache _topologies;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private DateTimeOffset? _weighedAt;
    private readonly Dictionary<string, double> _probeStretch = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, (double Probe, double Discovery)> _said = new(StringComparer.OrdinalIgnoreCase);

    public ReadCadence(IReadOnlyList<ClusterOptions> clusters, ReadBudget? budget, RefreshSchedule schedule, PowerStateBoard board, TopologyCache topologies, TimeProvider time, ILogger logger)
    {
        (_clusters, _budget, _schedule, _board, _topologies, _time, _logger) = (clusters, budget, schedule, board, topologies, time, logger);
    }

    /// <summary>How often the fleet's reads are weighed again while rounds run (topologies and fallbacks change slowly).</summary>
    public static TimeSpan Reweigh => TimeSpan.FromSeconds(30);

    /// <summary>Weighs again when the last weighing is older than <see cref="Reweigh"/>.</summary>
    public void UpdateIfDue()
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            if (_weighedAt is { } at && now - at < Reweigh)
            {
                return;
            }

            _weighedAt = now;
        }

        Update();
    }

    /// <summary>The cluster's interval between rounds: Probe:Interval, stretched when the budget cannot hold it.</summary>
    public TimeSpan Interval(ClusterOptions cluster)
    {
        lock (_lock)
        {
            return cluster.Probe.Interval * _probeStretch.GetValueOrDefault(cluster.Name, 1);
        }
    }

    /// <summary>
    /// Weighs the fleet's routine reads against the budget again (the topologies known now, which subscriptions are read one
    /// VM at a time) and stretches or restores each cluster's cadence.
    /// </summary>
    public void Update()
    {
        if (_budget is null)
        {
            return;
        }

        var demand = Demand();
        var available = _budget.ReadsPerSecond * RoutineShare;
        var stretch = new Dictionary<string, (double Probe, double Discovery)>(StringComparer.OrdinalIgnoreCase);
        foreach (var (subscription, need) in demand)
        {
            stretch[subscription] = Factors(need.Probe, need.Discovery, available);
        }

        lock (_lock)
        {
            foreach (var cluster in _clusters)
            {
                var (probe, discovery) = Subscriptions(cluster)
                    .Select(s => stretch.GetValueOrDefault(s, (1, 1)))
                    .Aggregate((Probe: 1.0, Discovery: 1.0), (a, b) => (Math.Max(a.Probe, b.Probe), Math.Max(a.Discovery, b.Discovery)));
                _probeStretch[cluster.Name] = probe;
                _schedule.Stretch(cluster.Name, discovery);
            }

            foreach (var (subscription, factors) in stretch)
            {
                var before = _said.GetValueOrDefault(subscription, (1, 1));
                if (Same(before, factors))
                {
                    continue;
                }

                _said[subscription] = factors;
                var need = demand[subscription];
                var (total, probe, discovery, allowed) = (Math.Round(need.Probe + need.Discovery, 1), Math.Round(need.Probe, 1), Math.Round(need.Discovery, 1), Math.Round(available, 1));
                if (Same(factors, (1, 1)))
                {
                    Log.ReadBudgetRestored(_logger, subscription, total, allowed);
                    continue;
                }

                var configured = _clusters.Where(c => Subscriptions(c).Contains(subscription, StringComparer.OrdinalIgnoreCase)).Select(c => c.Probe.Interval).DefaultIfEmpty(TimeSpan.Zero).Min().TotalSeconds;
                var (interval, refresh, configuredRefresh) = (Math.Round(configured * factors.Probe, 1), Math.Round(_schedule.Configured.TotalSeconds * factors.Discovery), _schedule.Configured.TotalSeconds);
                Log.ReadBudgetStretched(_logger, subscription, total, probe, discovery, allowed, interval, configured, refresh, configuredRefresh);
            }
        }
    }

    /// <summary>
    /// The factors by which probes and rediscoveries are spaced out so that they fit <paramref name="available"/> reads a
    /// second: rediscoveries first, while probes need at most half of it; otherwise both by one factor.
    /// </summary>
    internal static (double Probe, double Discovery) Factors(double probe, double discovery, double available)
    {
        if (probe + discovery <= available)
        {
            return (1, 1);
        }

        if (probe <= available / 2)
        {
            return (1, discovery / (available - probe));
        }

        var both = (probe + discovery) / available;
        return (both, both);
    }

    private static bool Same((double Probe, double Discovery) a, (double Probe, double Discovery) b) =>
        Math.Abs(a.Probe - b.Probe) < 0.05 && Math.Abs(a.Discovery - b.Discovery) < 0.05;

    /// <summary>Routine reads per second, per subscription, at the configured cadence.</summary>
    private Dictionary<string, (double Probe, double Discovery)> Demand()
    {
        var probe = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        var listed = new Dictionary<string, TimeSpan>(StringComparer.OrdinalIgnoreCase);
        var discovery = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        foreach (var cluster in _clusters)
        {
            var interval = cluster.Probe.Interval;
            if ((cluster.Probe.Kind is ProbeKind.VmPowerState or ProbeKind.All or ProbeKind.Forwarding) && interval > TimeSpan.Zero)
            {
                foreach (var vm in cluster.Nvas.Select(n => n.VirtualMachineId))
                {
                    if (ArmId.SubscriptionId(vm) is not { } subscription)
                    {
                        continue;
                    }

                    if (_board.IsOneByOne(subscription))
                    {
                        // One read per VM and round.
                        probe[subscription] = probe.GetValueOrDefault(subscription) + (1 / interval.TotalSeconds);
                    }
                    else
                    {
                        // One list per subscription and round, shared by every cluster: the shortest interval sets the pace.
                        listed[subscription] = listed.TryGetValue(subscription, out var shortest) && shortest < interval ? shortest : interval;
                    }
                }
            }

            foreach (var subscription in Reads(cluster))
            {
                discovery[subscription] = discovery.GetValueOrDefault(subscription) + (1 / _schedule.Configured.TotalSeconds);
            }
        }

        foreach (var (subscription, interval) in listed)
        {
            // A read per page: a subscription of a thousand VMs lists in several.
            probe[subscription] = probe.GetValueOrDefault(subscription) + (_board.Pages(subscription) / interval.TotalSeconds);
        }

        return probe.Keys.Union(discovery.Keys, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(s => s, s => (probe.GetValueOrDefault(s), discovery.GetValueOrDefault(s)), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The subscription of each read one rediscovery of the cluster makes (as last discovered; before that, from the settings).</summary>
    private IEnumerable<string> Reads(ClusterOptions cluster)
    {
        var topology = _topologies.Current(cluster.Name);
        IEnumerable<string> ids = topology is null
            ? cluster.Nvas.Select(n => n.VirtualMachineId).Concat(cluster.PublicIpAddressIds)
            : topology.Nvas.SelectMany(n => n.NetworkInterfaces.Select(nic => nic.Id).Prepend(n.VirtualMachineId))
                .Concat(topology.RouteTables.Select(t => t.Id))
                .Concat(topology.PublicIps.Select(p => p.Id))
                .Concat(topology.Host is { } host ? [host.SubnetId, host.SubnetId, .. host.RouteTable is { } table ? [table.Id] : Array.Empty<string>()] : []);
        var tagQueries = cluster.RouteTables.SubscriptionIds.Count > 0
            ? cluster.RouteTables.SubscriptionIds
            : (IEnumerable<string>)[.. cluster.Nvas.Select(n => ArmId.SubscriptionId(n.VirtualMachineId)).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase)];
        return ids.Select(ArmId.SubscriptionId).OfType<string>().Concat(tagQueries);
    }

    /// <summary>The subscriptions whose budget the cluster's routine reads spend.</summary>
    private IEnumerable<string> Subscriptions(ClusterOptions cluster) => Reads(cluster).Distinct(StringComparer.OrdinalIgnoreCase);
}
