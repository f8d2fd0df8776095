using System.Net.Sockets;
using NvaFailover.Ports;
using NvaFailover.Time;

namespace NvaFailover.Probing;

/// <summary>One NVA to probe.</summary>
/// <param name="Name">NVA name (the VM name).</param>
/// <param name="VirtualMachineId">The VM id.</param>
/// <param name="Endpoint">The TCP or HTTP probe endpoint; null when a network probe has no address yet.</param>
public sealed record ProbeTarget(string Name, string VirtualMachineId, ProbeEndpoint? Endpoint)
{
    /// <summary>An address reached only through this NVA (ForwardingProbeEndpoint); null when none is configured.</summary>
    public ProbeEndpoint? ForwardingEndpoint { get; init; }

    /// <summary>The SHA-1 thumbprint an https endpoint's certificate must have; null to accept any (as Azure Load Balancer does).</summary>
    public string? CertificateThumbprint { get; init; }
}

/// <summary>One way of telling whether an NVA is up.</summary>
internal interface IProbe
{
    /// <summary>
    /// What an attempt that did not finish within Probe:Timeout means: no answer from the NVA itself is a failure
    /// (a dead appliance drops the connection attempt), no answer from Azure about it is not an observation.
    /// </summary>
    ProbeAttempt TimedOut(TimeSpan timeout);

    /// <summary>Runs one attempt.</summary>
    Task<ProbeAttempt> ProbeAsync(ProbeTarget target, CancellationToken cancellationToken);
}

/// <summary>Only <c>PowerState/running</c> is up; a power state Azure could not tell is unknown.</summary>
internal sealed class VmPowerStateProbe(PowerStateBoard board) : IProbe
{
    public ProbeAttempt TimedOut(TimeSpan timeout) =>
        ProbeAttempt.Unobserved($"Azure did not answer the power-state read within {Seconds.Text(timeout)}");

    public async Task<ProbeAttempt> ProbeAsync(ProbeTarget target, CancellationToken cancellationToken)
    {
        PowerState state;
        try
        {
            state = await board.GetAsync(target.VirtualMachineId, cancellationToken);
        }
        catch (GatewayException ex)
        {
            return ProbeAttempt.Unobserved($"the power state could not be read: {ex.Message}");
        }

        return state switch
        {
            PowerState.Running => ProbeAttempt.Passed,
            PowerState.Missing => ProbeAttempt.Failed($"VM {target.VirtualMachineId} was not found"),
            PowerState.Unknown => ProbeAttempt.Unobserved("Azure reports no power state for the VM"),
            _ => ProbeAttempt.Failed($"VM power state is {state.ToString().ToLowerInvariant()}"),
        };
    }
}

/// <summary>Opens a TCP connection; the seam that lets tests replace sockets.</summary>
public interface ITcpConnector
{
    /// <summary>Connects and closes again; throws when the connection cannot be made.</summary>
    Task ConnectAsync(string host, int port, CancellationToken cancellationToken);
}

/// <summary>The real connector.</summary>
internal sealed class SocketTcpConnector : ITcpConnector
{
    public async Task ConnectAsync(string host, int port, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(host, port, cancellationToken);
    }
}

/// <summary>Up when a TCP connection to the endpoint opens.</summary>
internal sealed class TcpProbe(ITcpConnector connector) : IProbe
{
    public ProbeAttempt TimedOut(TimeSpan timeout) => ProbeAttempt.Failed($"no answer within {Seconds.Text(timeout)} to a TCP connect");

    public async Task<ProbeAttempt> ProbeAsync(ProbeTarget target, CancellationToken cancellationToken)
    {
        if (target.Endpoint is not { IsHttp: false } endpoint)
        {
            return ProbeAttempt.Unobserved("the address to probe is not known yet (the NVA's first interface has not been read)");
        }

        try
        {
            await connector.ConnectAsync(endpoint.Host!, endpoint.Port, cancellationToken);
            return ProbeAttempt.Passed;
        }
        catch (SocketException ex)
        {
            return ProbeAttempt.Failed($"TCP {endpoint}: {ex.Message}");
        }
    }
}

/// <summary>
/// Up when an address reached only through the NVA answers (a TCP connect, or 2xx over HTTP): the appliance forwards.
/// A failure here is marked as seen through the NVA, so a cluster whose every forwarding probe fails at once can suspect
/// the destination rather than every appliance (<see cref="NvaProber"/>).
/// </summary>
internal sealed class ForwardingProbe(TcpProbe tcp, HttpProbe http) : IProbe
{
    public ProbeAttempt TimedOut(TimeSpan timeout) =>
        ProbeAttempt.Failed($"forwarding probe: nothing came back through the NVA within {Seconds.Text(timeout)}") with { ThroughNva = true };

    public async Task<ProbeAttempt> ProbeAsync(ProbeTarget target, CancellationToken cancellationToken)
    {
        if (target.ForwardingEndpoint is not { } endpoint)
        {
            return ProbeAttempt.Unobserved("no ForwardingProbeEndpoint is configured for this NVA");
        }

        var through = target with { Endpoint = endpoint, CertificateThumbprint = null };
        var attempt = await (endpoint.IsHttp ? http.ProbeAsync(through, cancellationToken) : tcp.ProbeAsync(through, cancellationToken));
        return attempt.State == HealthState.Down ? attempt with { Reason = $"forwarding probe: {attempt.Reason}", ThroughNva = true } : attempt;
    }
}

/// <summary>
/// Up when the endpoint answers 2xx. An https endpoint's certificate is not validated, as Azure Load Balancer's HTTPS
/// probe does not validate it: appliances answer with self-signed certificates, and a health probe proves the appliance
/// answers, not who it is (the address is the NVA's own, inside the network). Whoever wants more pins the certificate
/// (<c>Nvas:K:ProbeCertificateThumbprint</c>): then only that certificate passes.
/// </summary>
internal sealed class HttpProbe(IHttpClientFactory httpClientFactory) : IProbe, IDisposable
{
    public const string HttpClientName = "NvaFailover.Probe";

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, PinnedClient> _pinned = new(StringComparer.OrdinalIgnoreCase);

    public void Dispose()
    {
        foreach (var client in _pinned.Values)
        {
            client.Http.Dispose();
        }
    }

    /// <summary>The probe client's handler: no certificate chain validation (see the class). Used for health probes only.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5359", Justification = "A health probe of an appliance's own address, as Azure Load Balancer's HTTPS probe: appliances present self-signed certificates, and no data or credential is sent.")]
    public static HttpMessageHandler CreateHandler() => new SocketsHttpHandler
    {
        SslOptions = new System.Net.Security.SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true },
    };

    public ProbeAttempt TimedOut(TimeSpan timeout) => ProbeAttempt.Failed($"no answer within {Seconds.Text(timeout)} to an HTTP request");

    public async Task<ProbeAttempt> ProbeAsync(ProbeTarget target, CancellationToken cancellationToken)
    {
        if (target.Endpoint is not { IsHttp: true } endpoint)
        {
            return ProbeAttempt.Unobserved("the address to probe is not known yet (the NVA's first interface has not been read)");
        }

        var pinned = target.CertificateThumbprint is { } pin ? _pinned.GetOrAdd(pin, p => new PinnedClient(p)) : null;
        var client = pinned?.Http ?? httpClientFactory.CreateClient(HttpClientName);
        try
        {
            using var response = await client.GetAsync(endpoint.Url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var status = (int)response.StatusCode;
            return status is >= 200 and < 300
                ? ProbeAttempt.Passed
                : ProbeAttempt.Failed($"{endpoint.Url} answered HTTP {status}");
        }
        catch (HttpRequestException ex) when (pinned is { LastRefused: { } presented })
        {
            return ProbeAttempt.Failed($"{endpoint.Url} presented a certificate with thumbprint {presented}, not the pinned ProbeCertificateThumbprint {pinned.Thumbprint}: the appliance's certificate changed (renewed?) or this is not the appliance; update the pin if the certificate is the appliance's ({ex.Message})");
        }
        catch (HttpRequestException ex)
        {
            return ProbeAttempt.Failed($"{endpoint.Url}: {ex.Message}");
        }
        finally
        {
            if (pinned is null)
            {
                client.Dispose();
            }
        }
    }

    /// <summary>A client that accepts only the certificate with one thumbprint, and remembers the last one it refused.</summary>
    private sealed class PinnedClient
    {
        public PinnedClient(string thumbprint)
        {
            Thumbprint = thumbprint;
            Http = new HttpClient(new SocketsHttpHandler
            {
                SslOptions = new System.Net.Security.SslClientAuthenticationOptions
                {
                    RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                    {
                        var presented = certificate?.GetCertHashString();
                        if (string.Equals(presented, Thumbprint, StringComparison.OrdinalIgnoreCase))
                        {
                            return true;
                        }

                        LastRefused = presented ?? "(none)";
                        return false;
                    },
                },
            });
        }

        public string Thumbprint { get; }

        public HttpClient Http { get; }

        public string? LastRefused { get; private set; }
    }
}
