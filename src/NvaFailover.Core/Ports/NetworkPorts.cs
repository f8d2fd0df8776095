namespace NvaFailover.Ports;

/// <summary>Finds, reads and writes route tables. Every write is conditional on the snapshot's ETag.</summary>
public interface IRouteTableGateway
{
    /// <summary>
    /// Ids of route tables carrying the tag, in the given subscriptions (every visible subscription when empty).
    /// The tag match of the listing may ignore case; callers check <see cref="RouteTableSnapshot.Tags"/>.
    /// </summary>
    Task<IReadOnlyList<string>> FindTaggedAsync(IReadOnlyCollection<string> subscriptionIds, string tagName, string tagValue, CancellationToken cancellationToken = default);

    /// <summary>The table with its ETag; null when it does not exist.</summary>
    Task<RouteTableSnapshot?> GetAsync(string routeTableId, CancellationToken cancellationToken = default);

    /// <summary>Every route table of a subscription (one paged read), tagged or not: where a table nobody tagged still sends traffic to an NVA.</summary>
    /// <exception cref="GatewayException">The read failed.</exception>
    Task<IReadOnlyList<RouteTableSnapshot>> ListAsync(string subscriptionId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets the next hop IP of the named routes and leaves every other property of the table as read,
    /// with <c>If-Match</c> on <paramref name="table"/>'s ETag. Completes when the write has finished.
    /// </summary>
    Task<WriteResult<RouteTableSnapshot>> SetNextHopsAsync(RouteTableSnapshot table, IReadOnlyDictionary<string, string> nextHopIpByRouteName, CancellationToken cancellationToken = default);
}

/// <summary>Reads and writes NICs. Every write is conditional on the snapshot's ETag.</summary>
public interface INetworkInterfaceGateway
{
    /// <summary>The NIC with its ETag; null when it does not exist.</summary>
    Task<NetworkInterfaceSnapshot?> GetAsync(string networkInterfaceId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets (id) or removes (null) the public IP of the named ipconfigs and leaves everything else as read, with
    /// <c>If-Match</c> on <paramref name="networkInterface"/>'s ETag. Completes when the write has finished.
    /// </summary>
    Task<WriteResult<NetworkInterfaceSnapshot>> SetPublicIpAddressesAsync(NetworkInterfaceSnapshot networkInterface, IReadOnlyDictionary<string, string?> publicIpIdByIpConfigurationName, CancellationToken cancellationToken = default);
}

/// <summary>Reads subnets (the failover host's own, to see which route table its traffic takes).</summary>
public interface IVirtualNetworkGateway
{
    /// <summary>The subnet and the route table it uses; null when it does not exist.</summary>
    /// <exception cref="GatewayException">The read failed.</exception>
    Task<SubnetSnapshot?> GetSubnetAsync(string subnetId, CancellationToken cancellationToken = default);

    /// <summary>The virtual network: its DNS servers and the names of its subnets; null when it does not exist.</summary>
    /// <exception cref="GatewayException">The read failed.</exception>
    Task<VirtualNetworkSnapshot?> GetVirtualNetworkAsync(string virtualNetworkId, CancellationToken cancellationToken = default);
}

/// <summary>A subnet as read.</summary>
/// <param name="Id">ARM id.</param>
/// <param name="RouteTableId">The route table associated with it, if any.</param>
public sealed record SubnetSnapshot(string Id, string? RouteTableId)
{
    /// <summary>The ipconfigs in this subnet (of NICs, and of anything else with an address in it), as ids.</summary>
    public IReadOnlyList<string> IpConfigurationIds { get; init; } = [];
}

/// <summary>Reads the routes in force for a NIC (the data plane's view), a long-running operation in Azure.</summary>
public interface IEffectiveRouteGateway
{
    /// <summary>
    /// The effective routes of <paramref name="networkInterfaceId"/>: every route Azure knows for its subnet, each Active or
    /// Invalid (overridden). Null when Azure will not tell for this NIC (it is not attached to a running VM: ask another).
    /// </summary>
    /// <exception cref="GatewayException">The read failed.</exception>
    Task<IReadOnlyList<EffectiveRoute>?> GetEffectiveRoutesAsync(string networkInterfaceId, CancellationToken cancellationToken = default);
}

/// <summary>One effective route of a NIC.</summary>
/// <param name="Source"><c>User</c> (a route table), <c>VirtualNetworkGateway</c> (learned over BGP), <c>Default</c> (system).</param>
/// <param name="Active">False when another route of the same prefix wins (Azure's state Invalid).</param>
/// <param name="AddressPrefixes">Its prefixes.</param>
/// <param name="NextHopType">ARM next hop type.</param>
/// <param name="NextHopIpAddresses">Its next hop IPs (a VirtualAppliance or gateway route).</param>
public sealed record EffectiveRoute(string Source, bool Active, IReadOnlyList<string> AddressPrefixes, string NextHopType, IReadOnlyList<string> NextHopIpAddresses);

/// <summary>A virtual network as read.</summary>
/// <param name="Id">ARM id.</param>
/// <param name="DnsServers">Its custom DNS servers; empty means Azure's own DNS (168.63.129.16), which no route redirects.</param>
/// <param name="SubnetNames">Its subnets' names (a <c>GatewaySubnet</c> or <c>RouteServerSubnet</c> means routes may be learned over BGP).</param>
public sealed record VirtualNetworkSnapshot(string Id, IReadOnlyList<string> DnsServers, IReadOnlyList<string> SubnetNames);

/// <summary>
/// The resources as Azure returned them (every property, known or not), for a caller that must show them whole:
/// <c>nvafo export</c> writes them into a scenario file.
/// </summary>
public interface IResourceDocuments
{
    /// <summary>The route table as read, as ARM JSON.</summary>
    System.Text.Json.Nodes.JsonObject Document(RouteTableSnapshot table);

    /// <summary>The NIC as read, as ARM JSON.</summary>
    System.Text.Json.Nodes.JsonObject Document(NetworkInterfaceSnapshot networkInterface);

    /// <summary>The public IP as read, as ARM JSON.</summary>
    System.Text.Json.Nodes.JsonObject Document(PublicIpSnapshot publicIp);
}

/// <summary>Reads public IPs.</summary>
public interface IPublicIpGateway
{
    /// <summary>The public IP; null when it does not exist.</summary>
    Task<PublicIpSnapshot?> GetAsync(string publicIpId, CancellationToken cancellationToken = default);
}

/// <summary>A route of a table.</summary>
/// <param name="Name">Route name.</param>
/// <param name="AddressPrefix">Destination prefix.</param>
/// <param name="NextHopType">ARM next hop type (<c>VirtualAppliance</c>, <c>VnetLocal</c>, ...).</param>
/// <param name="NextHopIpAddress">Next hop IP (VirtualAppliance only).</param>
public sealed record RouteInfo(string Name, string? AddressPrefix, string NextHopType, string? NextHopIpAddress)
{
    /// <summary>True for a <c>VirtualAppliance</c> route.</summary>
    public bool IsVirtualAppliance => NextHopType.Equals("VirtualAppliance", StringComparison.OrdinalIgnoreCase);
}

/// <summary>A route table as read, with the ETag a write must match.</summary>
/// <param name="Id">ARM id.</param>
/// <param name="Location">Region.</param>
/// <param name="ETag">The ETag read.</param>
/// <param name="Tags">The table's tags (case of the value kept).</param>
/// <param name="Routes">Its routes.</param>
/// <param name="AdapterState">Opaque to the core: what the adapter needs to write the table back losslessly.</param>
public sealed record RouteTableSnapshot(string Id, string Location, string ETag, IReadOnlyDictionary<string, string> Tags, IReadOnlyList<RouteInfo> Routes, object? AdapterState = null)
{
    /// <summary>True when the subnets using this table take no routes learned over BGP (a gateway's or Route Server's).</summary>
    public bool DisableBgpRoutePropagation { get; init; }

    /// <summary>The subnets that use this table.</summary>
    public IReadOnlyList<string> SubnetIds { get; init; } = [];

    /// <summary>
    /// True when a write to it was abandoned (its failover superseded) and reading it again failed: ARM may or may not
    /// have applied that write, so its routes are planned again whatever they show here, and the write's ETag tells.
    /// </summary>
    public bool InDoubt { get; init; }
}

/// <summary>An ipconfig of a NIC.</summary>
/// <param name="Name">Ipconfig name.</param>
/// <param name="PrivateIpAddress">Its private IP.</param>
/// <param name="PublicIpAddressId">The public IP attached, if any.</param>
/// <param name="Primary">Whether it is the NIC's primary ipconfig.</param>
public sealed record IpConfigurationInfo(string Name, string? PrivateIpAddress, string? PublicIpAddressId, bool Primary);

/// <summary>A NIC as read, with the ETag a write must match.</summary>
/// <param name="Id">ARM id.</param>
/// <param name="Location">Region.</param>
/// <param name="ETag">The ETag read.</param>
/// <param name="EnableIpForwarding">IP forwarding, which an NVA NIC needs.</param>
/// <param name="IpConfigurations">Ipconfigs in the NIC's order.</param>
/// <param name="AdapterState">Opaque to the core: what the adapter needs to write the NIC back losslessly.</param>
public sealed record NetworkInterfaceSnapshot(string Id, string Location, string ETag, bool EnableIpForwarding, IReadOnlyList<IpConfigurationInfo> IpConfigurations, object? AdapterState = null)
{
    /// <summary>True while an update of the NIC is still running (ARM's provisioning state <c>Updating</c>): what it holds is not settled yet.</summary>
    public bool Updating { get; init; }
}

/// <summary>A public IP as read.</summary>
/// <param name="Id">ARM id.</param>
/// <param name="Location">Region.</param>
/// <param name="Sku">SKU name (<c>Basic</c>, <c>Standard</c>).</param>
/// <param name="IpAddress">The address.</param>
/// <param name="IpConfigurationId">The ipconfig holding it, if any.</param>
/// <param name="AdapterState">Opaque to the core: the resource as the adapter read it.</param>
public sealed record PublicIpSnapshot(string Id, string Location, string? Sku, string? IpAddress, string? IpConfigurationId, object? AdapterState = null);

/// <summary>How a write ended.</summary>
public enum WriteStatus
{
    /// <summary>Written and provisioned.</summary>
    Succeeded,
    /// <summary>The ETag no longer matched (HTTP 412): someone else wrote first. Re-read and re-plan.</summary>
    Conflict,
    /// <summary>Still throttled after the adapter's bounded retries.</summary>
    Throttled,
    /// <summary>The resource is gone.</summary>
    NotFound,
    /// <summary>Any other failure (permission, validation, failed long-running operation).</summary>
    Failed,
    /// <summary>Abandoned: a newer decision superseded the failover it belonged to. Whether Azure applied it is unknown until read again.</summary>
    Canceled,
    /// <summary>Not written: the resource left the cluster (a route table deleted, or no longer carrying the cluster's tag) and is forgotten.</summary>
    NoLongerManaged,
}

/// <summary>The outcome of a write.</summary>
/// <typeparam name="T">The snapshot type.</typeparam>
/// <param name="Status">How it ended.</param>
/// <param name="Resource">The resource as it is after a successful write.</param>
/// <param name="ErrorCode">ARM error code on failure.</param>
/// <param name="ErrorMessage">ARM error message on failure.</param>
public sealed record WriteResult<T>(WriteStatus Status, T? Resource = default, string? ErrorCode = null, string? ErrorMessage = null)
    where T : class;

/// <summary>Factory for <see cref="WriteResult{T}"/>.</summary>
public static class WriteResult
{
    /// <summary>A successful write.</summary>
    public static WriteResult<T> Success<T>(T resource)
        where T : class => new(WriteStatus.Succeeded, resource);

    /// <summary>A failed write.</summary>
    public static WriteResult<T> Failure<T>(WriteStatus status, string? errorCode, string? errorMessage)
        where T : class => new(status, null, errorCode, errorMessage);
}

/// <summary>Why a read failed.</summary>
public enum GatewayFailure
{
    /// <summary>Still throttled after bounded retries.</summary>
    Throttled,
    /// <summary>The identity lacks a permission.</summary>
    Forbidden,
    /// <summary>Any other failure.</summary>
    Failed,
    /// <summary>No answer at all: the connection was refused, the name did not resolve, or TLS failed.</summary>
    Unreachable,
}

/// <summary>What to do about a failed read, by its cause.</summary>
public static class GatewayAdvice
{
    /// <summary>The next step for <paramref name="exception"/>'s cause, in words an operator can act on.</summary>
    public static string For(GatewayException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.Failure switch
        {
            GatewayFailure.Unreachable => "Azure Resource Manager could not be reached from this host: check its network path (the route table of HostSubnetId, DNS, a proxy or firewall) or, for a local emulator, ArmEndpoint and ArmCertificateThumbprint.",
            GatewayFailure.Forbidden => "The identity lacks a permission here: assign NvaFailover's roles (infra/role-actions.json); nvafo check lists what is missing.",
            GatewayFailure.Throttled => "ARM is throttling this subscription; it is read again next round.",
            _ when exception.ErrorCode == "RequestTimedOut" => "ARM did not answer in time; it is read again next round. If it persists, check the host's network path to ARM.",
            _ => "ARM failed to answer; it is read again next round. If it persists, check the resource id.",
        };
    }
}

/// <summary>A failed read, with the ARM code and the resource it concerned.</summary>
public sealed class GatewayException : Exception
{
    /// <summary>Creates the exception.</summary>
    public GatewayException(GatewayFailure failure, string resourceId, string? errorCode, string message, Exception? innerException = null)
        : base($"{message} (resource {resourceId}{(errorCode is null ? "" : $", ARM code {errorCode}")})", innerException)
    {
        Failure = failure;
        ResourceId = resourceId;
        ErrorCode = errorCode;
    }

    /// <summary>Creates the exception.</summary>
    public GatewayException() : this(GatewayFailure.Failed, "", null, "Gateway failure")
    {
    }

    /// <summary>Creates the exception.</summary>
    public GatewayException(string message) : this(GatewayFailure.Failed, "", null, message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public GatewayException(string message, Exception innerException) : this(GatewayFailure.Failed, "", null, message, innerException)
    {
    }

    /// <summary>Why it failed.</summary>
    public GatewayFailure Failure { get; }

    /// <summary>The resource concerned.</summary>
    public string ResourceId { get; }

    /// <summary>The ARM error code, if any.</summary>
    public string? ErrorCode { get; }
}
