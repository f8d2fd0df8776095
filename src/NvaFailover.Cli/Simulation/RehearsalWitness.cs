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

    /// <summary>A new watcher's view: its own lease id.</summary>
    public IWitness Watcher() => new View(this, Guid.NewGuid().ToString());

    private sealed class View(RehearsalWitness store, string leaseId) : IWitness
    {
        public Task<bool> AcquireOrRenewAsync(string cluster, TimeSpan duration, CancellationToken cancellationToken)
        {
            lock (store._lock)
            {
                var now = store.Now;
                if (store._leases.TryGetValue(cluster, out var lease) && lease.LeaseId != leaseId && lease.Until > now)
                {
                    return Task.FromResult(false);
                }

                store._leases[cluster] = (leaseId, now + duration);
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
                }

                return Task.CompletedTask;
            }
        }
    }

    private DateTimeOffset Now => clock.GetUtcNow();
}
