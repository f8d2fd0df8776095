using System.Text.Json.Nodes;

namespace NvaFailover.Emulator.Arm;

/// <summary>
/// One emulated resource. <see cref="Body"/> is what Azure answers (the desired state, Updating while an operation
/// runs); <see cref="Committed"/> is what Azure has applied, so that, as in Azure, a public IP is free only once the
/// detaching NIC update has finished.
/// </summary>
internal sealed class ArmResource(string id, string kind, JsonObject body)
{
    public string Id { get; } = id;

    /// <summary><c>routeTables</c>, <c>networkInterfaces</c>, <c>publicIPAddresses</c> or <c>virtualMachines</c>.</summary>
    public string Kind { get; } = kind;

    public JsonObject Body { get; set; } = body;

    /// <summary>Empty for a resource whose first write has not finished.</summary>
    public JsonObject Committed { get; set; } = (JsonObject)body.DeepClone();

    public string? PendingOperation { get; set; }

    /// <summary>A VM's power state (<c>running</c>, <c>stopped</c>...).</summary>
    public string Power { get; set; } = "running";

    /// <summary>Whether a VM's probe endpoint answers (false: a hung appliance).</summary>
    public bool ProbeUp { get; set; } = true;

    /// <summary>Whether a VM's appliance forwards traffic (false: a gray failure, the VM runs and its probe may answer).</summary>
    public bool Forwarding { get; set; } = true;

    /// <summary>A subnet's routes learned over BGP (a gateway's or Route Server's), as the scenario gives them.</summary>
    public JsonArray? LearnedRoutes { get; set; }

    /// <summary>The Azure-filled properties the scenario gave, kept in the dump.</summary>
    public IReadOnlySet<string> Given { get; set; } = new HashSet<string>();

    /// <summary>Insertion order, so lists and dumps keep the topology's order.</summary>
    public long Order { get; init; }

    public string Subscription => Id.Split('/')[2];
}

/// <summary>A public IP's holder from a moment on, as Azure applied it.</summary>
/// <param name="At">Scenario time it took effect.</param>
/// <param name="PublicIpId">The public IP.</param>
/// <param name="IpConfigurationId">The ipconfig it is attached to; null while it is attached to none.</param>
public sealed record PublicIpCommit(DateTimeOffset At, string PublicIpId, string? IpConfigurationId);

/// <summary>A route table's routes as Azure applied them, from a moment on: what its subnets' traffic followed.</summary>
/// <param name="At">Scenario time it took effect.</param>
/// <param name="RouteTableId">The table.</param>
/// <param name="NextHops">Each VirtualAppliance route's next hop, by route name (empty once the table is deleted).</param>
/// <param name="SubnetIds">The subnets using the table.</param>
public sealed record RouteCommit(DateTimeOffset At, string RouteTableId, IReadOnlyDictionary<string, string> NextHops, IReadOnlyList<string> SubnetIds);

/// <summary>A VM as its probes see it.</summary>
/// <param name="Power">The power state (<c>running</c>, <c>stopped</c>...).</param>
/// <param name="ProbeUp">Whether its probe endpoint answers.</param>
/// <param name="Forwarding">Whether the appliance forwards traffic.</param>
internal sealed record VirtualMachineState(string Power, bool ProbeUp, bool Forwarding)
{
    /// <summary>True while the VM runs.</summary>
    public bool Running => Power == "running";
}
