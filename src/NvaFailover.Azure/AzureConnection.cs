using System.Net;
using System.Net.Security;
using Azure;
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
    /// <param name="options">The settings.</param>
    /// <param name="environment">Reads an environment variable (tests pass their own).</param>
    /// <param name="policies">Policies that see every attempt of both pipelines (the ARM budget, the throttling telemetry).</param>
    public AzureConnection(NvaFailoverOptions options, Func<string, string?>? environment = null, IEnumerable<HttpPipelinePolicy>? policies = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        environment ??= Environment.GetEnvironmentVariable;
        var cloud = CloudEndpoints.For(options.Cloud);
        Endpoints = options.ArmEndpoint is null ? cloud : cloud with { Endpoint = options.ArmEndpoint };
        (Credential, CredentialDescription) = CreateCredential(options, Endpoints, environment);
        _trustedThumbprint = options.ArmCertificateThumbprint;
        Transport = options.ArmCertificateThumbprint is { } thumbprint
            ? new HttpClientTransport(TrustingHandler(thumbprint))
            : HttpClientTransport.Shared;
        ClientOptions = new ArmClientOptions
        {
            Environment = new ArmEnvironment(Endpoints.Endpoint, Endpoints.Audience),
            Transport = Transport,
        };

        // Retries and per-attempt timeouts are ArmResilience's, on the app's clock; Azure.Core's waits are wall-clock only.
        ClientOptions.Retry.MaxRetries = 0;
        ClientOptions.Retry.NetworkTimeout = TimeSpan.FromMinutes(5);
        ClientOptions.Diagnostics.ApplicationId = "NvaFailover";
        foreach (var policy in policies ?? [])
        {
            // Per retry, so every attempt is seen, in the Compute SDK's pipeline and the Network client's alike.
            ClientOptions.AddPolicy(policy, HttpPipelinePosition.PerRetry);
        }
    }

    private readonly string? _trustedThumbprint;
    private string? _presentedThumbprint;

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

    /// <summary>
    /// A failed request in words a person can act on; a TLS failure names the certificate the endpoint presented and the
    /// one trusted, which is what goes wrong when an emulator was restarted with a new certificate.
    /// </summary>
    public string DescribeFailure(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is System.Security.Authentication.AuthenticationException)
            {
                return _trustedThumbprint is null
                    ? $"the TLS connection to {Endpoints.Endpoint} failed ({inner.Message}); for a standalone emulator set NvaFailover:ArmCertificateThumbprint (or --endpoint-thumbprint) to the thumbprint it prints"
                    : $"the ARM endpoint {Endpoints.Endpoint} presented a TLS certificate with thumbprint {_presentedThumbprint ?? "(none)"}, not the one NvaFailover:ArmCertificateThumbprint trusts ({_trustedThumbprint}); copy the thumbprint the emulator printed when it started";
            }
        }

        return exception is RequestFailedException { Status: > 0 } failed
            ? $"ARM answered HTTP {failed.Status}: {failed.Message.Split('\n', 2)[0].Trim()}"
            : exception.Message.Split('\n', 2)[0].Trim();
    }

    /// <summary>
    /// Null when the ARM endpoint answers at all (any status: even a refusal proves it is reached); otherwise why it
    /// cannot be reached, in words (connection refused, a TLS certificate not trusted, a name that does not resolve).
    /// </summary>
    public async Task<string?> FindUnreachableAsync(CancellationToken cancellationToken = default)
    {
        var pipeline = HttpPipelineBuilder.Build(ClientOptions);
        using var message = pipeline.CreateMessage();
        message.Request.Method = RequestMethod.Get;
        message.Request.Uri.Reset(new Uri(Endpoints.Endpoint, "subscriptions?api-version=2021-04-01"));
        try
        {
            await pipeline.SendAsync(message, cancellationToken);
            return null;
        }
        catch (RequestFailedException ex)
        {
            return DescribeFailure(ex);
        }
    }

    internal static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host, out var ip) && IPAddress.IsLoopback(ip));

    // This transport only carries requests to the configured endpoint (and the operation URLs it hands out), so
    // trusting the pinned certificate here trusts it for that endpoint alone.
    private SocketsHttpHandler TrustingHandler(string thumbprint) => new()
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (errors == SslPolicyErrors.None || (certificate is not null && string.Equals(certificate.GetCertHashString(), thumbprint, StringComparison.OrdinalIgnoreCase)))
                {
                    return true;
                }

                _presentedThumbprint = certificate?.GetCertHashString();
                return false;
            },
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
