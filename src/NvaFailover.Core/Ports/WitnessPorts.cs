namespace NvaFailover.Ports;

/// <summary>
/// A cluster's flight record: the failover in progress (or the last one), kept in the witness so that a watcher that
/// takes over finishes it as planned instead of guessing.
/// </summary>
/// <param name="Cluster">The cluster's name.</param>
/// <param name="From">The NVA the failover moves away from (null when none was active).</param>
/// <param name="To">The NVA it moves to.</param>
/// <param name="DecidedAt">When it was decided.</param>
/// <param name="PublicIpSlots">Every public IP of the cluster and the interface slot it belongs to, by public IP id.</param>
/// <param name="Planned">The resources the failover writes (route tables, NICs), by id.</param>
/// <param name="Done">Those written so far.</param>
/// <param name="ClosedAt">When it converged; null while open.</param>
/// <param name="Watcher">Which watcher wrote the record (host name and process id).</param>
public sealed record FlightRecord(
    string Cluster, string? From, string To, DateTimeOffset DecidedAt, IReadOnlyDictionary<string, int> PublicIpSlots,
    IReadOnlyList<string> Planned, IReadOnlyList<string> Done, DateTimeOffset? ClosedAt, string Watcher)
{
    /// <summary>True until the failover converged.</summary>
    public bool IsOpen => ClosedAt is null;
}

/// <summary>
/// Where watchers agree who writes for a cluster: a lease per cluster (the right to write), and the cluster's flight
/// record under it. Every call may throw <see cref="GatewayException"/> (storage unreachable, forbidden).
/// </summary>
public interface IWitness
{
    /// <summary>This watcher, as flight records name it (the machine and process by default).</summary>
    string Watcher => $"{Environment.MachineName}/{Environment.ProcessId}";

    /// <summary>
    /// Takes the cluster's lease for <paramref name="duration"/> when it is free or has lapsed, or renews it when this watcher
    /// holds it. False when another watcher holds it.
    /// </summary>
    Task<bool> AcquireOrRenewAsync(string cluster, TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>The cluster's flight record; null when none was ever written.</summary>
    Task<FlightRecord?> ReadAsync(string cluster, CancellationToken cancellationToken);

    /// <summary>Writes the cluster's flight record under this watcher's lease (refused when it does not hold it).</summary>
    Task WriteAsync(FlightRecord record, CancellationToken cancellationToken);

    /// <summary>Gives the lease up at once (a watcher stopping), so another takes it without waiting for it to lapse.</summary>
    Task ReleaseAsync(string cluster, CancellationToken cancellationToken);
}
