namespace NvaFailover.Ports;

/// <summary>Tells which of the permissions NvaFailover needs the identity lacks at a scope (for the preflight check).</summary>
public interface IAccessGateway
{
    /// <summary>The actions NvaFailover needs at <paramref name="scope"/> (a subscription or resource group id) that the identity does not hold there.</summary>
    /// <exception cref="GatewayException">The permissions could not be read.</exception>
    Task<IReadOnlyList<string>> FindMissingActionsAsync(string scope, CancellationToken cancellationToken = default);
}
