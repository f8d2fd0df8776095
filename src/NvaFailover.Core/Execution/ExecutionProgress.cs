using System.Collections.Concurrent;
using NvaFailover.Ports;
using NvaFailover.Resources;
using NvaFailover.Topology;

namespace NvaFailover.Execution;

/// <summary>What an execution has done so far: a rehearsal that ends while it runs reports it, done and pending.</summary>
internal sealed class ExecutionProgress
{
    private readonly Lock _lock = new();
    private int _routesChanged;
    private DateTimeOffset? _routesConvergedAt;
    private DateTimeOffset? _publicIpsConvergedAt;

    public ConcurrentBag<WriteOutcome> Outcomes { get; } = [];
    public ConcurrentDictionary<string, RouteTableSnapshot> Tables { get; } = new(ArmId.Comparer);

    /// <summary>Route tables that left the cluster while the failover ran (deleted or untagged).</summary>
    public ConcurrentDictionary<string, bool> Released { get; } = new(ArmId.Comparer);
    public ConcurrentDictionary<string, NetworkInterfaceSnapshot> Nics { get; } = new(ArmId.Comparer);
    /// <summary>Public IPs moved to the target (read back there): what the result counts as moved.</summary>
    public ConcurrentDictionary<string, PublicIpSnapshot> PublicIps { get; } = new(ArmId.Comparer);

    /// <summary>Public IPs as read before their moves were planned (moved or not).</summary>
    public ConcurrentDictionary<string, PublicIpSnapshot> ObservedPublicIps { get; } = new(ArmId.Comparer);

    public void RouteTableWritten(int routes, DateTimeOffset at)
    {
        Interlocked.Add(ref _routesChanged, routes);
        lock (_lock)
        {
            _routesConvergedAt = _routesConvergedAt is { } seen && seen > at ? seen : at;
        }
    }

    public void PublicIpsAttached(DateTimeOffset at)
    {
        lock (_lock)
        {
            _publicIpsConvergedAt = _publicIpsConvergedAt is { } seen && seen > at ? seen : at;
        }
    }

    /// <summary>The result so far: <paramref name="topology"/> with every snapshot a successful write returned.</summary>
    public ExecutionResult SoFar(ClusterTopology topology)
    {
        var updated = topology;
        foreach (var table in Tables.Values)
        {
            updated = updated.With(table);
        }

        foreach (var nic in Nics.Values)
        {
            updated = updated.With(nic);
        }

        foreach (var pip in ObservedPublicIps.Values.Where(p => !PublicIps.ContainsKey(p.Id)).Concat(PublicIps.Values))
        {
            updated = updated.With(pip);
        }

        foreach (var table in Released.Keys)
        {
            updated = updated.Without(table);
        }

        lock (_lock)
        {
            return new ExecutionResult(updated, [.. Outcomes.OrderBy(o => o.ResourceId, StringComparer.OrdinalIgnoreCase)], _routesChanged, PublicIps.Count,
                _routesConvergedAt, _publicIpsConvergedAt);
        }
    }
}
