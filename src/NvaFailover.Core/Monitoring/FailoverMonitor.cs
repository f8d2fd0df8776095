using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using NvaFailover.Execution;
using NvaFailover.Probing;
using NvaFailover.Settings;
using NvaFailover.Telemetry;
using NvaFailover.Topology;
using NvaFailover.Verification;

namespace NvaFailover.Monitoring;

/// <summary>
/// Runs every cluster's rounds: probe -> decide -> plan -> execute -> report. One timer invocation keeps probing every
/// <c>Probe:Interval</c> until shortly before the next scheduled tick, and while a failover's writes run past it, so
/// detection waits neither for the schedule nor for writes. The CLI runs single rounds.
/// </summary>
public sealed class FailoverMonitor : IDisposable
{
    private readonly NvaFailoverOptions _options;
    private readonly TopologyCache _topologies;
    private readonly IEnumerable<IRoundObserver> _observers;
    private readonly IReadOnlyList<SettingWarning> _warnings;
    private readonly TimeProvider _time;
    private readonly ILogger<FailoverMonitor> _logger;
    private readonly Dictionary<string, ClusterRunner> _runners;
    private readonly ReadCadence _cadence;
    private readonly ConcurrentDictionary<ConcurrentQueue<RoundReport>, bool> _collectors = new();
    private int _warningsLogged;

    internal FailoverMonitor(
        SettingsRead settings,
        TopologyCache topologies,
        NvaProber prober,
        PlanExecutor executor,
        DataPlaneVerifier verifier,
        ReadCadenceParts cadence,
        IEnumerable<IRoundObserver> observers,
        TimeProvider timeProvider,
        NvaFailoverMetrics metrics,
        ILogger<FailoverMonitor> logger)
    {
        _options = settings.Options;
        _warnings = settings.Warnings;
        _topologies = topologies;
        _observers = observers;
        _time = timeProvider;
        _logger = logger;
        var services = new RunnerServices(topologies, prober, executor, verifier, timeProvider, metrics, logger, cadence.Witness, _options.Witness.LeaseDuration);
        _cadence = new ReadCadence([.. _options.Clusters], cadence.Budget, cadence.Schedule, cadence.Board, topologies, timeProvider, logger);
        _runners = _options.Clusters.ToDictionary(c => c.Name, c => new ClusterRunner(c, _options.DryRun, services, Publish), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The settings in force.</summary>
    public NvaFailoverOptions Options => _options;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var runner in _runners.Values)
        {
            runner.Dispose();
        }
    }

    /// <summary>The failovers whose writes are running now, as far as they went.</summary>
    public IReadOnlyList<FailoverInFlight> InFlight => [.. _runners.Values.Select(r => r.Flight.InFlight).OfType<FailoverInFlight>()];

    /// <summary>Completes when every failover's writes have ended and been reported (a host stopping waits for this).</summary>
    public Task WhenIdleAsync() => Task.WhenAll(_runners.Values.Select(r => r.Flight.WhenIdle));

    /// <summary>Stops every failover's writes now (what they did is kept and reported; ETags keep the next round correct).</summary>
    public Task StopAsync() => Task.WhenAll(_runners.Values.Select(r => r.Flight.StopAsync()));

    /// <summary>Gives up every cluster's lease in the witness (a host stopping cleanly), so a standby watcher leads at once.</summary>
    public Task ReleaseLeasesAsync(CancellationToken cancellationToken = default) => Task.WhenAll(_runners.Values.Select(r => r.Lease.ReleaseAsync(cancellationToken)));

    /// <summary>
    /// One timer invocation: rounds of every cluster every Probe:Interval, until the next round could not end before the
    /// next scheduled tick, and for as long as a failover's writes run. Returns every report of the invocation.
    /// </summary>
    public async Task<IReadOnlyList<RoundReport>> RunInvocationAsync(CancellationToken cancellationToken = default)
    {
        LogWarningsOnce();
        var reports = new ConcurrentQueue<RoundReport>();
        _collectors[reports] = true;
        try
        {
            var started = _time.GetUtcNow();
            _cadence.UpdateIfDue();
            await Task.WhenAll(_runners.Values.Select(r => RunClusterAsync(r, started, cancellationToken)));
        }
        finally
        {
            _collectors.TryRemove(reports, out _);
        }

        return [.. reports.OrderBy(r => r.StartedAt)];
    }

    /// <summary>One round of every cluster, waiting for its writes (the CLI's <c>once</c> and, read-only, <c>plan</c>).</summary>
    public async Task<IReadOnlyList<RoundReport>> RunRoundAsync(RoundRequest request, CancellationToken cancellationToken = default)
    {
        LogWarningsOnce();
        return await Task.WhenAll(_runners.Values.Select(r => RunRoundAsync(r.Cluster.Name, request, cancellationToken)));
    }

    /// <summary>One round of one cluster, waiting for its writes.</summary>
    public async Task<RoundReport> RunRoundAsync(string clusterName, RoundRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return (await Runner(clusterName).RoundAsync(request, awaitWrites: true, cancellationToken))!;
    }

    /// <summary>The cluster's topology, read now (the CLI's check and export).</summary>
    public Task<ClusterTopology> DiscoverAsync(string clusterName, CancellationToken cancellationToken = default) =>
        _topologies.RefreshAsync(Runner(clusterName).Cluster, cancellationToken);

    private ClusterRunner Runner(string clusterName) =>
        _runners.TryGetValue(clusterName, out var runner)
            ? runner
            : throw new ArgumentException($"No cluster named '{clusterName}'; the clusters are {string.Join(", ", _runners.Keys)}.", nameof(clusterName));

    private async Task RunClusterAsync(ClusterRunner runner, DateTimeOffset started, CancellationToken cancellationToken)
    {
        var probe = runner.Cluster.Probe;
        var deadline = _options.Schedule.Next(started);
        while (true)
        {
            var roundStarted = _time.GetUtcNow();
            await runner.RoundAsync(RoundRequest.Timer, awaitWrites: false, cancellationToken);
            _cadence.UpdateIfDue();
            var interval = _cadence.Interval(runner.Cluster);
            if (interval == TimeSpan.Zero)
            {
                // One round per invocation: it ends when its writes do.
                await runner.Flight.WhenIdle.WaitAsync(cancellationToken);
                return;
            }

            // The host fires the timer at the first tick after this invocation returns (Azure Functions' timer listener
            // counts from when the invocation ended), so an invocation that cannot return before its tick (writes in
            // flight, or a round that ran past the tick because an NVA's probe attempts were failing) keeps probing until
            // the tick after: returning late would leave a whole timer period unprobed.
            // The invocation returns when every cluster has, so while any cluster's writes run, every cluster keeps probing.
            var next = roundStarted + interval;
            var now = _time.GetUtcNow();
            var executing = _runners.Values.Any(r => r.Flight.Executing);
            if (executing ? now + probe.Timeout >= deadline : now >= deadline)
            {
                deadline = _options.Schedule.Next(now > deadline ? now : deadline);
            }

            // A healthy round ends within one probe timeout: leave that much before the next tick.
            if (!executing && next + probe.Timeout >= deadline)
            {
                return;
            }

            var wait = next - _time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, _time, cancellationToken);
            }
        }
    }

    private void Publish(RoundReport report)
    {
        var action = report.Action.ToString();
        var health = Words.Of(report.Health);
        Log.RoundCompleted(_logger, report.Cluster, action, report.Active ?? "(none)", health, report.Writes, (long)(report.CompletedAt - report.StartedAt).TotalMilliseconds);
        foreach (var collector in _collectors.Keys)
        {
            collector.Enqueue(report);
        }

        foreach (var observer in _observers)
        {
            observer.OnRoundCompleted(report);
        }
    }

    private void LogWarningsOnce()
    {
        if (Interlocked.Exchange(ref _warningsLogged, 1) == 0)
        {
            foreach (var warning in _warnings)
            {
                Log.ConfigWarning(_logger, warning.Key, warning.Message);
            }
        }
    }
}
