using NvaFailover.Ports;
using NvaFailover.Topology;

namespace NvaFailover.Execution;

/// <summary>The outcome of the writes to one resource.</summary>
/// <param name="ResourceId">The resource written.</param>
/// <param name="ResourceType"><c>routeTables</c> or <c>networkInterfaces</c>.</param>
/// <param name="Status">How it ended (<see cref="WriteStatus.Succeeded"/> also when a re-read showed nothing was left to do).</param>
/// <param name="Writes">Writes sent (conflicts included).</param>
/// <param name="ErrorCode">ARM error code on failure.</param>
/// <param name="ErrorMessage">ARM error message on failure.</param>
public sealed record WriteOutcome(string ResourceId, string ResourceType, WriteStatus Status, int Writes, string? ErrorCode = null, string? ErrorMessage = null)
{
    /// <summary>The <see cref="ResourceType"/> of a route table.</summary>
    public const string RouteTable = "routeTables";

    /// <summary>The <see cref="ResourceType"/> of a network interface (a public IP's detach or attach).</summary>
    public const string NetworkInterface = "networkInterfaces";

    /// <summary>The <see cref="ResourceType"/> of a public IP (a move that could not be planned).</summary>
    public const string PublicIp = "publicIPAddresses";

    /// <summary>True when the resource did not reach its planned state for a reason to report (not superseded, still managed).</summary>
    public bool Failed => Status is not (WriteStatus.Succeeded or WriteStatus.Canceled or WriteStatus.NoLongerManaged);
}

/// <summary>What executing a plan did.</summary>
/// <param name="Topology">The topology with every successfully written snapshot in it.</param>
/// <param name="Outcomes">One per resource.</param>
/// <param name="RoutesChanged">Routes whose next hop was changed.</param>
/// <param name="PublicIpsMoved">Public IPs now on the target.</param>
/// <param name="RoutesConvergedAt">When the last route table write completed (null when none succeeded).</param>
/// <param name="PublicIpsConvergedAt">When the last public IP attach completed (null when none succeeded).</param>
public sealed record ExecutionResult(ClusterTopology Topology, IReadOnlyList<WriteOutcome> Outcomes, int RoutesChanged, int PublicIpsMoved, DateTimeOffset? RoutesConvergedAt, DateTimeOffset? PublicIpsConvergedAt)
{
    /// <summary>Writes sent.</summary>
    public int Writes => Outcomes.Sum(o => o.Writes);

    /// <summary>True when every resource reached its planned state (or left the cluster, which then has nothing to do there).</summary>
    public bool Complete => Outcomes.All(o => o.Status is WriteStatus.Succeeded or WriteStatus.NoLongerManaged);

    /// <summary>True when a newer decision superseded this execution.</summary>
    public bool Superseded => Outcomes.Any(o => o.Status == WriteStatus.Canceled);

    /// <summary>When the last successful write completed.</summary>
    public DateTimeOffset? LastWriteAt => RoutesConvergedAt is { } r && PublicIpsConvergedAt is { } p ? (r > p ? r : p) : RoutesConvergedAt ?? PublicIpsConvergedAt;
}
