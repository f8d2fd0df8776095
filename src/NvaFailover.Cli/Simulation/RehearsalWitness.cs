using NvaFailover.Ports;

namespace NvaFailover.Cli.Simulation;

/// <summary>
/// The witness of a rehearsal whose settings configure one (<c>Witness:ContainerUri</c>): Blob Storage's lease rules
/// in memory, on the rehearsal's clock, shared by every host the rehearsal starts (a killed host's lease stays until it
/// lapses, and its flight record stays for the next). Each host is its own watcher with its own lease id, as each
/// process is against Blob Storage; the runner's lease rules (<c>ClusterLease</c>) are the same code either way.
/// </summary>
internal sealed class RehearsalWitness(TimeProvider clock)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (string LeaseId, DateTimeOffset Until)> _leases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FlightRecord> _records = new(StringComparer.Ordinal);
    private readonly List<LeaseSpan> _spans = [];

    /// <summary>Every span in which a watcher held a cluster's lease, in the order they began (the last one may be open-ended: its lapse).</summary>
    public IReadOnlyList<LeaseSpan> Leases
    {
        get
        {
            lock (_lock)
            {
                return [.. _spans];
            }
        }
    }

    /// <summary>The watcher that holds the most clusters' leases now; null when none holds any.</summary>
    public string? Leader()
    {
        lock (_lock)
        {
            var now = Now;
            return _spans.Where(s => s.From <= now && now < s.Until).GroupBy(s => s.Watcher).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Key).FirstOrDefault();
        }
    }

    /// <summary>A new watcher's view: its own lease id, and <paramref name="name"/> in the flight records it writes.</summary>
    public IWitness Watcher(string name) => new View(this, Guid.NewGuid().ToString(), name);

    private sealed class View(RehearsalWitness store, string leaseId, string name) : IWitness
    {
        public string Watcher => name;

        public Task<bool> AcquireOrRenewAsync(string cluster, TimeSpan duration, CancellationToken cancellationToken)
        {
            lock (store._lock)
            {
                var now = store.Now;
                if (store._leases.TryGetValue(cluster, out var lease) && lease.LeaseId != leaseId && lease.Until > now)
                {
                    return Task.FromResult(false);
                }

                var renewal = store._leases.TryGetValue(cluster, out var held) && held.LeaseId == leaseId && held.Until > now;
                store._leases[cluster] = (leaseId, now + duration);
                var last = store._spans.FindLastIndex(l => l.Cluster == cluster);
                if (renewal && last >= 0)
                {
                    store._spans[last] = store._spans[last] with { Until = now + duration };
                }
                else
                {
                    store._spans.Add(new LeaseSpan(cluster, name, now, now + duration));
                }

                return Task.FromResult(true);
            }
        }

        public Task<FlightRecord?> ReadAsync(string cluster, CancellationToken cancellationToken)
        {
            lock (store._lock)
            {
                return Task.FromResult(store._records.GetValueOrDefault(cluster));
            }
        }

        public Task WriteAsync(FlightRecord record, CancellationToken cancellationToken)
        {
            lock (store._lock)
            {
                if (!store._leases.TryGetValue(record.Cluster, out var lease) || lease.LeaseId != leaseId || lease.Until <= store.Now)
                {
                    throw new GatewayException(GatewayFailure.Failed, $"rehearsal witness/{record.Cluster}.json", "LeaseIdMismatchWithBlobOperation",
                        "this watcher no longer holds the cluster's lease, so it may not write the flight record");
                }

                store._records[record.Cluster] = record;
                return Task.CompletedTask;
            }
        }

        public Task ReleaseAsync(string cluster, CancellationToken cancellationToken)
        {
            lock (store._lock)
            {
                if (store._leases.TryGetValue(cluster, out var lease) && lease.LeaseId == leaseId)
                {
                    store._leases.Remove(cluster);
                    var last = store._spans.FindLastIndex(l => l.Cluster == cluster);
                    if (last >= 0 && store._spans[last].Until > store.Now)
                    {
                        store._spans[last] = store._spans[last] with { Until = store.Now };
                    }
                }

                return Task.CompletedTask;
            }
        }
    }

    private DateTimeOffset Now => clock.GetUtcNow();
}

/// <summary>A watcher held a cluster's lease from <paramref name="From"/> until <paramref name="Until"/> (scenario clock).</summary>
/// <param name="Cluster">The cluster.</param>
/// <param name="Watcher">The watcher (the rehearsal's name for its host).</param>
/// <param name="From">When it took the lease.</param>
/// <param name="Until">When the lease lapsed or was released.</param>
internal sealed record LeaseSpan(string Cluster, string Watcher, DateTimeOffset From, DateTimeOffset Until);
