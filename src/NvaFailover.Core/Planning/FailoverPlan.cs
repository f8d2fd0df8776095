using NvaFailover.Ports;
using NvaFailover.Topology;

namespace NvaFailover.Planning;

/// <summary>One route's next hop moving from one NVA's slot to the same slot of the target.</summary>
/// <param name="RouteName">Route name.</param>
/// <param name="AddressPrefix">Its destination.</param>
/// <param name="FromIp">Next hop now.</param>
/// <param name="ToIp">Next hop wanted.</param>
public sealed record RouteChange(string RouteName, string? AddressPrefix, string FromIp, string ToIp);

/// <summary>The changes to one route table: one write, conditional on the snapshot's ETag.</summary>
/// <param name="Table">The table as read.</param>
/// <param name="Changes">The routes to change.</param>
public sealed record RouteTablePlan(RouteTableSnapshot Table, IReadOnlyList<RouteChange> Changes);

/// <summary>A public IP moving to the same slot of the target NVA.</summary>
/// <param name="PublicIp">The public IP as read.</param>
/// <param name="FromIpConfigurationId">Where it is now (null: unattached).</param>
/// <param name="To">The target slot (its NIC and ipconfig).</param>
public sealed record PublicIpMove(PublicIpSnapshot PublicIp, string? FromIpConfigurationId, NvaSlot To);

/// <summary>Everything a round would change to make <paramref name="Target"/> the active NVA.</summary>
/// <param name="Cluster">Cluster name.</param>
/// <param name="Target">The NVA to make active.</param>
/// <param name="RouteTables">Tables to write (only those with changes).</param>
/// <param name="PublicIpMoves">Public IPs to move.</param>
/// <param name="NotMoved">
/// What points at another NVA and will not move to the target, each with why (a slot the target lacks, a public IP
/// that cannot follow across regions, the host's own route to Azure): a failover with any is not complete.
/// </param>
public sealed record FailoverPlan(string Cluster, string Target, IReadOnlyList<RouteTablePlan> RouteTables, IReadOnlyList<PublicIpMove> PublicIpMoves, IReadOnlyList<Finding> NotMoved)
{
    /// <summary>True when nothing needs to be written.</summary>
    public bool IsEmpty => RouteTables.Count == 0 && PublicIpMoves.Count == 0;

    /// <summary>How many routes change.</summary>
    public int RouteChangeCount => RouteTables.Sum(t => t.Changes.Count);
}
