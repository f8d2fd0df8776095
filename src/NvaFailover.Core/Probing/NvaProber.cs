using Microsoft.Extensions.Logging;
using NvaFailover.Telemetry;
using NvaFailover.Time;

namespace NvaFailover.Probing;

/// <summary>
/// Probes every NVA of a cluster concurrently: up as soon as one attempt passes; down when none passes and one saw the
/// NVA fail; unknown when no attempt could observe it. Each attempt is bounded by Probe:Timeout on the app's clock, so
/// a hung call (an NVA that does not answer, or Azure that does not) can never stall a round. When every NVA is down
/// only because nothing came back through it, the destination beyond them is suspect: all are unknown.
/// </summary>
internal sealed class NvaProber(
    VmPowerStateProbe powerStateProbe,
    TcpProbe tcpProbe,
    HttpProbe httpProbe,
    ForwardingProbe forwardingProbe,
    NetworkTimeouts timeouts,
    TimeProvider timeProvider,
    NvaFailoverMetrics metrics,
    ILogger<NvaProber> logger)
{
    public async Task<NvaHealth[]> ProbeAllAsync(string cluster, ProbePolicy policy, IEnumerable<ProbeTarget> targets, CancellationToken cancellationToken) =>
        SuspectDestination(await Task.WhenAll(targets.Select(t => ProbeAsync(cluster, policy, t, cancellationToken))));

    /// <summary>
    /// Every NVA (two or more) down only because its forwarding probe failed, at the same moment: one destination
    /// beyond them all (the canary, its network) failing is likelier than every appliance failing together, and moving
    /// traffic could not help. All become unknown, which never moves traffic.
    /// </summary>
    public static NvaHealth[] SuspectDestination(NvaHealth[] health) =>
        health.Length >= 2 && health.All(h => h.IsDown && h.ForwardingFailed)
            ? [.. health.Select(h => h with
            {
                State = HealthState.Unknown,
                DestinationSuspect = true,
                Reason = $"every NVA's forwarding probe failed at the same moment, so the destination beyond them is suspect, not the appliances; nothing moves until one answers again ({h.Reason})",
            })]
            : health;

    public async Task<NvaHealth> ProbeAsync(string cluster, ProbePolicy policy, ProbeTarget target, CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        var probes = ProbesFor(policy.Kind, target);
        ProbeAttempt? seenDown = null;
        ProbeAttempt last = ProbeAttempt.Unobserved("not probed");
        for (var attempt = 1; attempt <= policy.Attempts; attempt++)
        {
            var results = await Task.WhenAll(probes.Select(p => AttemptAsync(p, target, policy.Timeout, cancellationToken)));
            last = ProbeAttempt.Combine(results);
            if (last.State == HealthState.Up)
            {
                var elapsed = timeProvider.GetElapsedTime(started);
                metrics.ProbeCompleted(cluster, target.Name, Words.Of(HealthState.Up), elapsed);
                return new NvaHealth(target.Name, HealthState.Up, attempt, null, elapsed) { ObservedAt = timeProvider.GetUtcNow() };
            }

            seenDown = last.State == HealthState.Down ? last : seenDown;
            Log.ProbeAttemptFailed(logger, cluster, target.Name, attempt, policy.Attempts, last.Reason ?? "failed");
            if (attempt < policy.Attempts && policy.Delay > TimeSpan.Zero)
            {
                await Task.Delay(policy.Delay, timeProvider, cancellationToken);
            }
        }

        var outcome = seenDown ?? last;
        var total = timeProvider.GetElapsedTime(started);
        metrics.ProbeCompleted(cluster, target.Name, Words.Of(outcome.State), total);
        return new NvaHealth(target.Name, outcome.State, policy.Attempts, outcome.Reason, total)
        {
            ObservedAt = timeProvider.GetUtcNow(),
            ForwardingFailed = outcome.State == HealthState.Down && outcome.ThroughNva,
        };
    }

    private IProbe[] ProbesFor(ProbeKind kind, ProbeTarget target) => kind switch
    {
        ProbeKind.Tcp => [tcpProbe],
        ProbeKind.Http => [httpProbe],
        ProbeKind.All when target.ForwardingEndpoint is not null => [powerStateProbe, target.Endpoint is { IsHttp: true } ? httpProbe : tcpProbe, forwardingProbe],
        ProbeKind.All => [powerStateProbe, target.Endpoint is { IsHttp: true } ? httpProbe : tcpProbe],
        ProbeKind.Forwarding => [powerStateProbe, forwardingProbe],
        _ => [powerStateProbe],
    };

    private async Task<ProbeAttempt> AttemptAsync(IProbe probe, ProbeTarget target, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timeoutSource = timeouts.Start(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        try
        {
            // WaitAsync makes the timeout hold even for a probe that ignores its token.
            return await probe.ProbeAsync(target, linked.Token).WaitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return probe.TimedOut(timeout);
        }
    }
}
