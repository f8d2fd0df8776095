using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NvaFailover.Decisions;
using NvaFailover.Execution;
using NvaFailover.Planning;
using NvaFailover.Ports;
using NvaFailover.Probing;
using NvaFailover.Resources;
using NvaFailover.Scheduling;
using NvaFailover.Settings;
using NvaFailover.Telemetry;
using NvaFailover.Topology;

namespace NvaFailover.Monitoring;

/// <summary>
/// Runs cycles: discover (cached) -> probe -> decide -> plan -> execute -> report, for every cluster
/// concurrently. One invocation is what one timer tick does; with <c>Probe:Interval</c> it keeps cycling until
/// shortly before the next scheduled tick so detection does not wait for the schedule.
/// </summary>
public sealed class FailoverMonitor
{
    private readonly NvaFailoverOptions _options;
    private readonly TopologyCache _topologies;
    private readonly NvaProber _prober;
    private readonly PlanExecutor _executor;
    private readonly IEnumerable<ICycleObserver> _observers;
    private readonly TimeProvider _time;
    private readonly NvaFailoverMetrics _metrics;
    private readonly ILogger<FailoverMonitor> _logger;
    private readonly ConcurrentDictionary<string, ClusterMemory> _memory = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _clusterLocks = new(StringComparer.OrdinalIgnoreCase);
    private readonly CronSchedule _schedule;
    private int _warningsLogged;

    internal FailoverMonitor(
        IOptions<NvaFailoverOptions> options,
        TopologyCache topologies,
        NvaProber prober,
        PlanExecutor executor,
        IEnumerable<ICycleObserver> observers,
        TimeProvider timeProvider,
        NvaFailoverMetrics metrics,
        ILogger<FailoverMonitor> logger)
    {
        _options = options.Value;
        _topologies = topologies;
        _prober = prober;
        _executor = executor;
        _observers = observers;
        _time = timeProvider;
        _metrics = metrics;
        _logger = logger;
        _schedule = CronSchedule.Parse(_options.Schedule);
    }

    /// <summary>The settings in force.</summary>
    public NvaFailoverOptions Options => _options;

    /// <summary>
    /// One timer invocation: a cycle per cluster, repeated every <c>Probe:Interval</c> (when set) until the next
    /// cycle could not finish before the next scheduled run.
    /// </summary>
    public async Task<IReadOnlyList<CycleReport>> RunInvocationAsync(CancellationToken cancellationToken = default)
    {
        LogWarningsOnce();
        var nextRun = _schedule.GetNextOccurrence(_time.GetUtcNow());
        var perCluster = await Task.WhenAll(_options.Clusters.Select(c => RunClusterInvocationAsync(c, nextRun, cancellationToken)));
        return [.. perCluster.SelectMany(r => r)];
    }

    /// <summary>One cycle of every cluster (the CLI's <c>once</c> and, read-only, <c>plan</c>).</summary>
    public async Task<IReadOnlyList<CycleReport>> RunCycleAsync(CycleRequest request, CancellationToken cancellationToken = default)
    {
        LogWarningsOnce();
        return await Task.WhenAll(_options.Clusters.Select(c => RunCycleAsync(c.Name, request, cancellationToken)));
    }

    /// <summary>One cycle of one cluster.</summary>
    public async Task<CycleReport> RunCycleAsync(string clusterName, CycleRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var cluster = _options.Clusters.FirstOrDefault(c => c.Name.Equals(clusterName, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"No cluster named '{clusterName}'; the clusters are {string.Join(", ", _options.Clusters.Select(c => c.Name))}.", nameof(clusterName));
        var gate = _clusterLocks.GetOrAdd(cluster.Name, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            var report = await CycleAsync(cluster, request, cancellationToken);
            foreach (var observer in _observers)
            {
                observer.OnCycleCompleted(report);
            }

            return report;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The current topology of a cluster (for the CLI's check and export).</summary>
    public async Task<ClusterTopology> DiscoverAsync(string clusterName, CancellationToken cancellationToken = default)
    {
        var cluster = _options.Clusters.FirstOrDefault(c => c.Name.Equals(clusterName, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"No cluster named '{clusterName}'; the clusters are {string.Join(", ", _options.Clusters.Select(c => c.Name))}.", nameof(clusterName));
        return await _topologies.GetAsync(cluster, refresh: true, cancellationToken);
    }

    private async Task<List<CycleReport>> RunClusterInvocationAsync(ClusterOptions cluster, DateTimeOffset nextRun, CancellationToken cancellationToken)
    {
        var reports = new List<CycleReport>();
        var probe = cluster.Probe;
        var worstProbe = (probe.Timeout * probe.Attempts) + (probe.Delay * Math.Max(0, probe.Attempts - 1));
        while (true)
        {
            var started = _time.GetUtcNow();
            reports.Add(await RunCycleAsync(cluster.Name, CycleRequest.Timer, cancellationToken));
            if (probe.Interval is not { } interval)
            {
                return reports;
            }

            var nextStart = started + interval;
            if (nextStart + worstProbe > nextRun)
            {
                return reports;
            }

            var wait = nextStart - _time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, _time, cancellationToken);
            }
        }
    }

    private async Task<CycleReport> CycleAsync(ClusterOptions cluster, CycleRequest request, CancellationToken cancellationToken)
    {
        using var activity = NvaFailoverMetrics.ActivitySource.StartActivity("NvaFailover.Cycle");
        activity?.SetTag("nvafailover.cluster", cluster.Name);
        var startedAt = _time.GetUtcNow();
        var startedTicks = _time.GetTimestamp();
        var memory = _memory.GetOrAdd(cluster.Name, _ => new ClusterMemory());
        IReadOnlyList<NvaHealth> health = [];
        string? activeBefore = null;
        try
        {
            var topology = await _topologies.GetAsync(cluster, refresh: false, cancellationToken);
            health = await ProbeAsync(cluster, topology, memory, cancellationToken);
            var decidedAt = _time.GetUtcNow();
            var decision = FailoverDecider.Decide(cluster, topology, health, memory, decidedAt, request.SwitchoverTo);
            activeBefore = decision.Active;
            var report = await ActAsync(cluster, request, topology, health, memory, decision, startedAt, decidedAt, cancellationToken);
            activity?.SetTag("nvafailover.action", report.Action.ToString());
            var elapsedMs = (long)_time.GetElapsedTime(startedTicks).TotalMilliseconds;
            var action = report.Action.ToString();
            var healthText = Describe(health);
            Log.CycleCompleted(_logger, cluster.Name, action, report.Active ?? "(none)", healthText, report.Writes, elapsedMs);
            return report;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _topologies.Invalidate(cluster.Name);
            Log.CycleFailed(_logger, ex, cluster.Name, ex.Message);
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.Message);
            return new CycleReport(cluster.Name, startedAt, startedAt, _time.GetUtcNow(), health, activeBefore, activeBefore, CycleAction.Error, null,
                $"cycle failed: {ex.Message}", null, [], 0, 0, null, null, [], request.ReadOnly || _options.DryRun, ex.Message);
        }
    }

    private async Task<IReadOnlyList<NvaHealth>> ProbeAsync(ClusterOptions cluster, ClusterTopology topology, ClusterMemory memory, CancellationToken cancellationToken)
    {
        var targets = cluster.Nvas.Select(n => new ProbeTarget(
            ArmId.Name(n.VirtualMachineId),
            n.VirtualMachineId,
            ProbeEndpoint.TryParse(n.ProbeEndpoint, out var endpoint) ? endpoint : null));
        var health = await _prober.ProbeAllAsync(cluster.Name, cluster.Probe, targets, cancellationToken);
        foreach (var change in memory.Observe(health, _time.GetUtcNow()))
        {
            if (change.Up)
            {
                Log.NvaUp(_logger, cluster.Name, change.Nva);
            }
            else
            {
                Log.NvaDown(_logger, cluster.Name, change.Nva, change.Attempts, change.Reason ?? "failed");
            }
        }

        LogNewFindings(cluster.Name, memory, topology.Findings);
        return health;
    }

    private async Task<CycleReport> ActAsync(ClusterOptions cluster, CycleRequest request, ClusterTopology topology, IReadOnlyList<NvaHealth> health,
        ClusterMemory memory, Decision decision, DateTimeOffset startedAt, DateTimeOffset decidedAt, CancellationToken cancellationToken)
    {
        var readOnly = request.ReadOnly || _options.DryRun;
        CycleReport Report(CycleAction action, string? active, FailoverPlan? plan, ExecutionResult? result, TimeSpan? detection, TimeSpan? convergence, string? error = null) =>
            new(cluster.Name, startedAt, decidedAt, _time.GetUtcNow(), health, decision.Active, active, action, action is CycleAction.None or CycleAction.Hold or CycleAction.Reconcile ? null : decision.Reason,
                decision.Explanation, plan, result?.Outcomes ?? [], result?.RoutesChanged ?? 0, result?.PublicIpsMoved ?? 0, detection, convergence,
                [.. topology.Findings, .. plan?.Findings ?? []], readOnly, error);

        if (decision.Refusal is not null)
        {
            Log.SwitchoverRefused(_logger, cluster.Name, request.SwitchoverTo ?? "", decision.Refusal);
            return Report(CycleAction.None, decision.Active, null, null, null, null, decision.Refusal);
        }

        if (decision.Action == CycleAction.Hold)
        {
            Log.AllNvasDown(_logger, cluster.Name, Describe(health), decision.Active ?? "(none)");
            return Report(CycleAction.Hold, decision.Active, null, null, null, null);
        }

        if (decision.Target is null)
        {
            return Report(CycleAction.None, decision.Active, null, null, null, null);
        }

        var plan = FailoverPlanner.Plan(topology, decision.Target);
        LogNewFindings(cluster.Name, memory, plan.Findings);
        var action = decision.ChangesActive ? decision.Action : CycleAction.Reconcile;
        if (plan.IsEmpty)
        {
            // Nothing to write: either all is right, or nothing that points at the old NVA can be moved.
            memory.LastTarget = decision.Active ?? memory.LastTarget;
            return Report(CycleAction.None, decision.Active, plan, null, null, null);
        }

        var detection = decision.Reason == FailoverReason.ActiveDown && decision.Active is not null
            ? decidedAt - (memory.LastSeenUp(decision.Active) ?? startedAt)
            : (TimeSpan?)null;
        if (readOnly)
        {
            foreach (var (resource, change) in Describe(plan))
            {
                Log.DryRunChange(_logger, cluster.Name, resource, change);
            }

            return Report(action, decision.Active, plan, null, detection, null);
        }

        var reason = decision.Reason?.ToString() ?? "drift";
        if (decision.ChangesActive)
        {
            Log.FailoverStarted(_logger, cluster.Name, action.ToString(), decision.Active ?? "(none)", decision.Target, reason,
                detection?.TotalSeconds ?? 0, plan.RouteChangeCount, plan.RouteTables.Count, plan.PublicIpMoves.Count);
        }

        var result = await _executor.ExecuteAsync(topology, plan, cancellationToken);
        memory.LastTarget = decision.Target;
        if (result.Complete)
        {
            _topologies.Update(result.Topology);
        }
        else
        {
            _topologies.Invalidate(cluster.Name);
            foreach (var failed in result.Outcomes.Where(o => o.Status != WriteStatus.Succeeded))
            {
                Log.PartialFailure(_logger, cluster.Name, failed.ResourceId, failed.Status.ToString(), failed.ErrorCode ?? "", failed.ErrorMessage ?? "");
            }
        }

        var convergence = result.LastWriteAt - decidedAt;
        if (decision.ChangesActive && result.Complete)
        {
            Log.FailoverCompleted(_logger, cluster.Name, action.ToString(), decision.Active ?? "(none)", decision.Target, reason,
                detection?.TotalSeconds ?? 0, convergence?.TotalSeconds ?? 0, result.RoutesChanged, result.PublicIpsMoved);
            _metrics.FailoverCompleted(cluster.Name, reason, (detection ?? TimeSpan.Zero) + (convergence ?? TimeSpan.Zero));
        }
        else if (!decision.ChangesActive && (result.RoutesChanged > 0 || result.PublicIpsMoved > 0))
        {
            Log.Reconciled(_logger, cluster.Name, decision.Target, result.RoutesChanged, result.PublicIpsMoved);
        }

        var activeNow = result.Complete ? decision.Target : FailoverDecider.CurrentActive(result.Topology, memory);
        return Report(action, activeNow, plan, result, detection, convergence);
    }

    private void LogWarningsOnce()
    {
        if (Interlocked.Exchange(ref _warningsLogged, 1) == 0)
        {
            foreach (var warning in _options.Warnings)
            {
                Log.ConfigWarning(_logger, warning.Key, warning.Message);
            }
        }
    }

    private void LogNewFindings(string cluster, ClusterMemory memory, IEnumerable<Finding> findings)
    {
        foreach (var finding in findings)
        {
            if (memory.LoggedFindings.Add($"{finding.ResourceId}|{finding.Message}"))
            {
                Log.Finding(_logger, cluster, finding.Severity.ToString(), finding.ResourceId, finding.Message);
            }
        }
    }

    private static string Describe(IEnumerable<NvaHealth> health) =>
        string.Join(", ", health.Select(h => $"{h.Nva}={(h.Up ? "up" : "down")}"));

    internal static IEnumerable<(string Resource, string Change)> Describe(FailoverPlan plan)
    {
        foreach (var table in plan.RouteTables)
        {
            foreach (var change in table.Changes)
            {
                yield return (table.Table.Id, $"route '{change.RouteName}' ({change.AddressPrefix}) next hop {change.FromIp} -> {change.ToIp}");
            }
        }

        foreach (var move in plan.PublicIpMoves)
        {
            yield return (move.PublicIp.Id, $"public IP {move.PublicIp.IpAddress} from {move.FromIpConfigurationId ?? "(unattached)"} -> {move.To.IpConfigurationId}");
        }
    }
}
