using Microsoft.Extensions.Logging;
using NvaFailover.Settings;
using NvaFailover.Telemetry;

namespace NvaFailover.Probing;

/// <summary>The health of one NVA after all its attempts.</summary>
/// <param name="Nva">NVA name.</param>
/// <param name="Up">Up as soon as one attempt passed; down only when every attempt failed.</param>
/// <param name="Attempts">Attempts used.</param>
/// <param name="Reason">Why the last attempt failed (when down).</param>
/// <param name="Duration">Time spent probing.</param>
public sealed record NvaHealth(string Nva, bool Up, int Attempts, string? Reason, TimeSpan Duration);

/// <summary>Probes every NVA of a cluster concurrently with the cluster's attempts, delay and timeout.</summary>
internal sealed class NvaProber(
    VmPowerStateProbe powerStateProbe,
    TcpProbe tcpProbe,
    HttpProbe httpProbe,
    TimeProvider timeProvider,
    NvaFailoverMetrics metrics,
    ILogger<NvaProber> logger)
{
    public Task<NvaHealth[]> ProbeAllAsync(string cluster, ProbeOptions options, IEnumerable<ProbeTarget> targets, CancellationToken cancellationToken) =>
        Task.WhenAll(targets.Select(t => ProbeAsync(cluster, options, t, cancellationToken)));

    public async Task<NvaHealth> ProbeAsync(string cluster, ProbeOptions options, ProbeTarget target, CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        var probes = ProbesFor(options.Kind, target);
        string? reason = null;
        for (var attempt = 1; attempt <= options.Attempts; attempt++)
        {
            var results = await Task.WhenAll(probes.Select(p => AttemptAsync(p, target, options.Timeout, cancellationToken)));
            var failed = results.FirstOrDefault(r => !r.Up);
            if (failed is null)
            {
                var elapsed = timeProvider.GetElapsedTime(started);
                metrics.ProbeCompleted(cluster, target.Name, true, elapsed);
                return new NvaHealth(target.Name, true, attempt, null, elapsed);
            }

            reason = failed.Reason;
            Log.ProbeAttemptFailed(logger, cluster, target.Name, attempt, options.Attempts, reason ?? "failed");
            if (attempt < options.Attempts && options.Delay > TimeSpan.Zero)
            {
                await Task.Delay(options.Delay, timeProvider, cancellationToken);
            }
        }

        var total = timeProvider.GetElapsedTime(started);
        metrics.ProbeCompleted(cluster, target.Name, false, total);
        return new NvaHealth(target.Name, false, options.Attempts, reason, total);
    }

    private IProbe[] ProbesFor(ProbeKind kind, ProbeTarget target) => kind switch
    {
        ProbeKind.Tcp => [tcpProbe],
        ProbeKind.Http => [httpProbe],
        ProbeKind.All => target.Endpoint switch
        {
            null => [powerStateProbe],
            { IsHttp: true } => [powerStateProbe, httpProbe],
            _ => [powerStateProbe, tcpProbe],
        },
        _ => [powerStateProbe],
    };

    private async Task<ProbeAttempt> AttemptAsync(IProbe probe, ProbeTarget target, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timeoutSource = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        try
        {
            // WaitAsync makes the timeout hold even for a probe that ignores its token.
            return await probe.ProbeAsync(target, linked.Token).WaitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return ProbeAttempt.Failed($"no answer within {timeout.TotalSeconds:0.###} s");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return ProbeAttempt.Failed(ex.Message);
        }
    }
}
