namespace NvaFailover.Ports;

/// <summary>Which of NvaFailover's lists of permissions a scope needs (infra/role-actions.json).</summary>
public enum AccessScope
{
    /// <summary>A resource group holding NVAs, NICs, tagged route tables or public IPs: the operator's actions.</summary>
    ResourceGroup,
    /// <summary>A subscription holding any of those: the read-only discovery actions.</summary>
    Subscription,
    /// <summary>The resource group of the host's own subnet: read it and its route table.</summary>
    HostNetwork,
}

/// <summary>Tells which of the permissions NvaFailover needs the identity lacks at a scope (for the preflight check).</summary>
public interface IAccessGateway
{
    /// <summary>The actions NvaFailover needs at <paramref name="scope"/> (a subscription or resource group id) that the identity does not hold there.</summary>
    /// <exception cref="GatewayException">The permissions could not be read.</exception>
    Task<IReadOnlyList<string>> FindMissingActionsAsync(string scope, AccessScope kind, CancellationToken cancellationToken = default);

    /// <summary>A resource provider's registration state in a subscription (<c>Registered</c>, <c>NotRegistered</c>, ...); null when it is unknown there.</summary>
    /// <exception cref="GatewayException">It could not be read.</exception>
    Task<string?> GetProviderRegistrationStateAsync(string subscriptionId, string providerNamespace, CancellationToken cancellationToken = default);
}
