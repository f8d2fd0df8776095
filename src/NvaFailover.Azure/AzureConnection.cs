using System.Net;
using System.Net.Security;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Azure.ResourceManager;
using NvaFailover.Settings;

namespace NvaFailover.Azure;

/// <summary>The Resource Manager endpoint, token audience and Entra ID authority of a cloud.</summary>
/// <param name="Endpoint">ARM endpoint.</param>
/// <param name="Audience">Token audience.</param>
/// <param name="AuthorityHost">Entra ID authority.</param>
public sealed record CloudEndpoints(Uri Endpoint, string Audience, Uri AuthorityHost)
{
    /// <summary>The token scope for ARM.</summary>
    public string Scope => $"{Audience.TrimEnd('/')}/.default";

    /// <summary>The endpoints of a cloud.</summary>
    public static CloudEndpoints For(AzureCloudName cloud) => cloud switch
    {
        AzureCloudName.AzureUSGovernment => new(ArmEnvironment.AzureGovernment.Endpoint, ArmEnvironment.AzureGovernment.Audience, AzureAuthorityHosts.AzureGovernment),
        AzureCloudName.AzureChinaCloud => new(ArmEnvironment.AzureChina.Endpoint, ArmEnvironment.AzureChina.Audience, AzureAuthorityHosts.AzureChina),
        _ => new(ArmEnvironment.AzurePublicCloud.Endpoint, ArmEnvironment.AzurePublicCloud.Audience, AzureAuthorityHosts.AzurePublicCloud),
    };
}

/// <summary>
/// Everything needed to talk to ARM: endpoint, credential, transport and client options, built once from the settings.
/// </summary>
public sealed class AzureConnection
{
    /// <summary>Builds the connection from the settings and the process environment.</summary>
    public AzureConnection(NvaFailoverOptions options, Func<string, string?>? environment = null, HttpPipelinePolicy? observer = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        environment ??= Environment.GetEnvironmentVariable;
        var cloud = CloudEndpoints.For(options.Cloud);
        Endpoints = options.ArmEndpoint is null ? cloud : cloud with { Endpoint = options.ArmEndpoint };
        (Credential, CredentialDescription) = CreateCredential(options, Endpoints, environment);
        Transport = options.ArmCertificateThumbprint is { } thumbprint
            ? new HttpClientTransport(TrustingHandler(thumbprint))
            : HttpClientTransport.Shared;
        ClientOptions = new ArmClientOptions
        {
            Environment = new ArmEnvironment(Endpoints.Endpoint, Endpoints.Audience),
            Transport = Transport,
        };
        ClientOptions.Retry.Mode = RetryMode.Exponential;
        ClientOptions.Retry.MaxRetries = options.ArmRetries;
        ClientOptions.Retry.Delay = TimeSpan.FromMilliseconds(500);
        ClientOptions.Retry.MaxDelay = TimeSpan.FromSeconds(30);
        ClientOptions.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        ClientOptions.Diagnostics.ApplicationId = "NvaFailover";
        if (observer is not null)
        {
            // Per retry, so every throttled attempt is seen, in the Compute SDK's pipeline and the Network client's alike.
            ClientOptions.AddPolicy(observer, HttpPipelinePosition.PerRetry);
        }
    }

    /// <summary>Endpoint, audience, authority.</summary>
    public CloudEndpoints Endpoints { get; }

    /// <summary>The credential.</summary>
    public TokenCredential Credential { get; }

    /// <summary>Which credential was chosen and why (for the start-up log and <c>nvafo check</c>); never a secret.</summary>
    public string CredentialDescription { get; }

    /// <summary>The HTTP transport.</summary>
    public HttpPipelineTransport Transport { get; }

    /// <summary>Client options (environment, transport, retry) for the ARM SDK and the Network client.</summary>
    public ArmClientOptions ClientOptions { get; }

    private static (TokenCredential, string) CreateCredential(NvaFailoverOptions options, CloudEndpoints endpoints, Func<string, string?> environment)
    {
        if (options.ArmEndpoint is { } custom && IsLoopback(custom))
        {
            return (new PlaceholderTokenCredential(), $"placeholder token for the local endpoint {custom} (no real token leaves this machine)");
        }

        if (options.LegacyServicePrincipal is { } sp)
        {
            return (new ClientSecretCredential(sp.TenantId, sp.ClientId, sp.ClientSecret, new ClientSecretCredentialOptions { AuthorityHost = endpoints.AuthorityHost }),
                $"service principal {sp.ClientId} in tenant {sp.TenantId} (legacy SP_USERNAME/SP_PASSWORD/TENANTID; prefer a managed identity)");
        }

        var inAzure = !string.IsNullOrEmpty(environment("IDENTITY_ENDPOINT")) || !string.IsNullOrEmpty(environment("MSI_ENDPOINT"));
        var userAssigned = string.IsNullOrWhiteSpace(options.ManagedIdentityClientId) ? null : options.ManagedIdentityClientId.Trim();
        if (inAzure)
        {
            var id = userAssigned is null ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(userAssigned);
            return (new ManagedIdentityCredential(new ManagedIdentityCredentialOptions(id) { AuthorityHost = endpoints.AuthorityHost }),
                userAssigned is null ? "system-assigned managed identity" : $"user-assigned managed identity {userAssigned}");
        }

        return (new DefaultAzureCredential(new DefaultAzureCredentialOptions
        {
            AuthorityHost = endpoints.AuthorityHost,
            ManagedIdentityClientId = userAssigned,
            ExcludeInteractiveBrowserCredential = true,
        }), "developer credential (DefaultAzureCredential: environment, workload identity, managed identity, Azure CLI 'az login', ...)");
    }

    internal static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host, out var ip) && IPAddress.IsLoopback(ip));

    // This transport only carries requests to the configured endpoint (and the operation URLs it hands out), so
    // trusting the pinned certificate here trusts it for that endpoint alone.
    private static SocketsHttpHandler TrustingHandler(string thumbprint) => new()
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                errors == SslPolicyErrors.None
                || (certificate is not null && string.Equals(certificate.GetCertHashString(), thumbprint, StringComparison.OrdinalIgnoreCase)),
        },
    };

    /// <summary>A token for an endpoint on this machine (the emulator), so a real Entra ID token never goes there.</summary>
    private sealed class PlaceholderTokenCredential : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new("local-endpoint-placeholder-token", DateTimeOffset.MaxValue.AddDays(-1));

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
