using System.Collections.Concurrent;
using NvaFailover.Resources;
using NvaFailover.Settings;

namespace NvaFailover.Topology;

/// <summary>
/// Keeps each cluster's last good topology. A healthy round reuses it, so it costs only its probes. When it is older than
/// its period (<see cref="RefreshSchedule"/>), or marked stale after a failed or interrupted write, it is read again beside the round's probes; the
/// round decides with it if it is read by then, and with the last good one otherwise: a failover to a healthy NVA never waits for a rediscovery, and an ARM
/// incident cannot take the topology away. A rediscovery that could not read everything keeps, for each resource it
/// could not read, the snapshot read before (writes stay safe: each is conditional on the ETag it was read with).
/// </summary>
internal sealed class TopologyCache(TopologyDiscovery discovery, RefreshSchedule schedule, string? hostSubnetId, TimeProvider timeProvider) : IDisposable
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.OrdinalIgnoreCase);
    private readonly CancellationTokenSource _disposed = new();

    /// <summary>The topology to decide with; the first time, a discovery awaited. Starts a background refresh when one is due.</summary>
    public async Task<ClusterTopology> GetAsync(ClusterOptions cluster, bool mayRefresh, CancellationToken cancellationToken)
    {
        var entry = _entries.GetOrAdd(cluster.Name, _ => new Entry());
        if (entry.Topology is not { } topology)
        {
            return await RefreshAsync(cluster, cancellationToken);
        }

        // While a failover writes, a rediscovery waits (what it read could be older than what the writes return), but
        // not for ever: a cluster whose writes keep failing is read again once the topology is twice too old.
        var age = timeProvider.GetUtcNow() - topology.DiscoveredAt;
        var refreshAfter = entry.Discoveries > 1 ? schedule.Period(cluster.Name) : schedule.FirstPeriod(cluster.Name);
        var due = entry.Stale || !topology.IsComplete || age >= refreshAfter;
        if (due && (mayRefresh || age >= refreshAfter * 2))
        {
            StartRefresh(cluster, entry);
        }

        return topology;
    }

    /// <summary>Reads the cluster again and waits for it (the CLI's check and export, and the first round).</summary>
    public async Task<ClusterTopology> RefreshAsync(ClusterOptions cluster, CancellationToken cancellationToken)
    {
        var entry = _entries.GetOrAdd(cluster.Name, _ => new Entry());
        var version = entry.Version;
        var fresh = await discovery.DiscoverAsync(cluster, hostSubnetId, entry.Topology?.RouteTables.Select(t => t.Id).ToList(), cancellationToken);
        return entry.Apply(fresh, version);
    }

    /// <summary>The topology kept now, without reading; null before the first discovery.</summary>
    public ClusterTopology? Current(string cluster) => _entries.TryGetValue(cluster, out var entry) ? entry.Topology : null;

    /// <summary>Keeps what a round learned (the snapshots its successful writes returned).</summary>
    public void Update(ClusterTopology topology) => _entries.GetOrAdd(topology.Cluster, _ => new Entry()).Set(topology, stale: false);

    /// <summary>Public IP slots learned elsewhere (the witness's flight record): kept with the topology from now on.</summary>
    public void RememberSlots(string cluster, IReadOnlyDictionary<string, int> slots)
    {
        if (slots.Count > 0)
        {
            _entries.GetOrAdd(cluster, _ => new Entry()).Remember(slots);
        }
    }

    /// <summary>After a failed or interrupted write: the next round reads again (in the background).</summary>
    public void MarkStale(string cluster) => _entries.GetOrAdd(cluster, _ => new Entry()).Stale = true;

    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
    }

    private void StartRefresh(ClusterOptions cluster, Entry entry)
    {
        if (Interlocked.CompareExchange(ref entry.Refreshing, 1, 0) == 0)
        {
            // Not awaited: it runs beside the round's probes, and the round takes it if it is done by then.
            _ = RefreshInBackgroundAsync(cluster, entry);
        }
    }

    private async Task RefreshInBackgroundAsync(ClusterOptions cluster, Entry entry)
    {
        try
        {
            await RefreshAsync(cluster, _disposed.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or Ports.GatewayException)
        {
            // The next round tries again; the last good topology stays in use.
        }
        finally
        {
            Interlocked.Exchange(ref entry.Refreshing, 0);
        }
    }

    private sealed class Entry
    {
        private readonly Lock _lock = new();
        public int Refreshing;

        public ClusterTopology? Topology { get; private set; }
        public int Version { get; private set; }
        public bool Stale { get; set; }

        /// <summary>How many discoveries were applied (the first one's period is the cluster's share of one).</summary>
        public int Discoveries { get; private set; }

        public void Set(ClusterTopology topology, bool stale)
        {
            lock (_lock)
            {
                Topology = WithRemembered(topology.Remembering(Topology));
                Version++;
                Stale = stale;
            }
        }

        /// <summary>Public IP slots known from elsewhere; a slot seen on Azure since wins over them.</summary>
        public void Remember(IReadOnlyDictionary<string, int> slots)
        {
            lock (_lock)
            {
                _remembered = slots;
                if (Topology is { } topology)
                {
                    Topology = topology with { PublicIpSlots = Merged(topology.PublicIpSlots) };
                }
            }
        }

        private IReadOnlyDictionary<string, int> _remembered = new Dictionary<string, int>();

        private ClusterTopology WithRemembered(ClusterTopology topology) =>
            _remembered.Count == 0 ? topology : topology with { PublicIpSlots = Merged(topology.PublicIpSlots) };

        private Dictionary<string, int> Merged(IReadOnlyDictionary<string, int> seen)
        {
            var slots = new Dictionary<string, int>(_remembered, Resources.ArmId.Comparer);
            foreach (var (id, slot) in seen)
            {
                slots[id] = slot;
            }

            return slots;
        }

        /// <summary>A discovery that started at <paramref name="version"/>, merged with the last good topology.</summary>
        public ClusterTopology Apply(Discovery fresh, int version)
        {
            lock (_lock)
            {
                if (version != Version && Topology is not null)
                {
                    // Writes changed the topology while it was read: what was read may be older. Read again later.
                    Stale = true;
                    return Topology;
                }

                Topology = WithRemembered(Merge(fresh, Topology).Remembering(Topology));
                Version++;
                Discoveries++;
                Stale = false;
                return Topology;
            }
        }

        private static ClusterTopology Merge(Discovery fresh, ClusterTopology? previous)
        {
            if (previous is null || fresh.Topology.IsComplete)
            {
                return fresh.Topology;
            }

            var unread = fresh.Unread;
            var nvas = fresh.Topology.Nvas.Select(n =>
            {
                var before = previous.FindNva(n.Name);
                var lost = unread.Contains(n.VirtualMachineId) || (before?.NetworkInterfaces.Any(nic => unread.Contains(nic.Id)) ?? false);
                return lost && before is not null ? before : n;
            }).ToList();
            var tables = fresh.Topology.RouteTables
                .Concat(previous.RouteTables.Where(t => (fresh.TagQueryFailed || unread.Contains(t.Id)) && !fresh.Topology.RouteTables.Any(f => ArmId.Comparer.Equals(f.Id, t.Id))))
                .OrderBy(t => t.Id, StringComparer.OrdinalIgnoreCase)
                .ToList();
            var pips = fresh.Topology.PublicIps
                .Concat(previous.PublicIps.Where(p => unread.Contains(p.Id) && !fresh.Topology.PublicIps.Any(f => ArmId.Comparer.Equals(f.Id, p.Id))))
                .ToList();
            var host = fresh.HostReadError is not null && previous.Host is { RouteTable: not null } known ? known : fresh.Topology.Host;
            return fresh.Topology with { Nvas = nvas, RouteTables = tables, PublicIps = pips, Host = host };
        }
    }
}
