using System.Net.Sockets;
using NvaFailover.Ports;

namespace NvaFailover.Probing;

/// <summary>One NVA to probe.</summary>
/// <param name="Name">NVA name (the VM name).</param>
/// <param name="VirtualMachineId">The VM id.</param>
/// <param name="Endpoint">The TCP or HTTP probe endpoint, if configured.</param>
public sealed record ProbeTarget(string Name, string VirtualMachineId, ProbeEndpoint? Endpoint);

/// <summary>The outcome of one probe attempt.</summary>
/// <param name="Up">Whether it passed.</param>
/// <param name="Reason">Why it failed.</param>
public sealed record ProbeAttempt(bool Up, string? Reason)
{
    /// <summary>A passed attempt.</summary>
    public static ProbeAttempt Passed { get; } = new(true, null);

    /// <summary>A failed attempt.</summary>
    public static ProbeAttempt Failed(string reason) => new(false, reason);
}

/// <summary>One way of telling whether an NVA is up.</summary>
internal interface IProbe
{
    /// <summary>Runs one attempt; a thrown exception counts as a failed attempt.</summary>
    Task<ProbeAttempt> ProbeAsync(ProbeTarget target, CancellationToken cancellationToken);
}

/// <summary>Only <c>PowerState/running</c> is up.</summary>
internal sealed class VmPowerStateProbe(IComputeGateway compute) : IProbe
{
    public async Task<ProbeAttempt> ProbeAsync(ProbeTarget target, CancellationToken cancellationToken)
    {
        var state = await compute.GetPowerStateAsync(target.VirtualMachineId, cancellationToken);
        return state switch
        {
            PowerState.Running => ProbeAttempt.Passed,
            PowerState.Missing => ProbeAttempt.Failed($"VM {target.VirtualMachineId} was not found"),
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
    public async Task<ProbeAttempt> ProbeAsync(ProbeTarget target, CancellationToken cancellationToken)
    {
        if (target.Endpoint is not { IsHttp: false } endpoint)
        {
            return ProbeAttempt.Failed("no TCP ProbeEndpoint (host:port) is configured");
        }

        await connector.ConnectAsync(endpoint.Host!, endpoint.Port, cancellationToken);
        return ProbeAttempt.Passed;
    }
}

/// <summary>Up when the endpoint answers 2xx.</summary>
internal sealed class HttpProbe(IHttpClientFactory httpClientFactory) : IProbe
{
    public const string HttpClientName = "NvaFailover.Probe";

    public async Task<ProbeAttempt> ProbeAsync(ProbeTarget target, CancellationToken cancellationToken)
    {
        if (target.Endpoint is not { IsHttp: true } endpoint)
        {
            return ProbeAttempt.Failed("no HTTP ProbeEndpoint URL is configured");
        }

        using var client = httpClientFactory.CreateClient(HttpClientName);
        using var response = await client.GetAsync(endpoint.Url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var status = (int)response.StatusCode;
        return status is >= 200 and < 300
            ? ProbeAttempt.Passed
            : ProbeAttempt.Failed($"{endpoint.Url} answered HTTP {status}");
    }
}
