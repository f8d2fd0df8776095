using System.Diagnostics;
using Microsoft.Extensions.Logging;
using NvaFailover.Decisions;
using NvaFailover.Execution;
using NvaFailover.Planning;
using NvaFailover.Probing;
using NvaFailover.Settings;
using NvaFailover.Telemetry;
using NvaFailover.Time;
using NvaFailover.Topology;

namespace NvaFailover.Monitoring;

/// <summary>
/// One cluster's rounds: probe, decide, plan, and start the writes. Probing never waits for writes: a failover's writes
/// run beside the rounds that follow, which keep probing at their cadence. A round that finds the failover's target
/// down (or an operator's switchover) supersedes it: the writes stop, what they did is kept, and the new decision is
/// taken on what is known; each write is conditional on the ETag it was planned with, so the new plan stays correct.
/// </summary>
internal sealed class ClusterRunner(
    ClusterOptions cluster,
    bool dryRun,
    TopologyCache topologies,
    NvaProber prober,
    PlanExecutor executor,
    Action<CycleReport> publish,
    TimeProvider time,
    NvaFailoverMetrics metrics,
    ILogger logger) : IDisposable
{
    private readonly ClusterMemory _memory = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Flight? _flight;

    public ClusterOptions Cluster => cluster;

    public void Dispose() => _gate.Dispose();

    /// <summary>True while a failover's writes run.</summary>
    public bool Executing => _flight is { Completion.IsCompleted: false };

    /// <summary>Completes when no failover's writes are running (its report published).</summary>
    public Task WhenIdle => _flight?.Completion ?? Task.CompletedTask;

    /// <summary>Stops a failover's writes (what they did is kept and reported) and waits for its report.</summary>
    public Task StopAsync() => _flight is { } flight ? flight.Cancel() : Task.CompletedTask;

    /// <summary>The failover whose writes are running, as far as they went.</summary>
    public FailoverInFlight? InFlight => _flight is { Completion.IsCompleted: false } flight ? new FailoverInFlight(flight.Snapshot(time.GetUtcNow())) : null;

    /// <summary>
    /// One round. Returns its report, or null when it started writes and <paramref name="awaitWrites"/> is false (the
    /// report comes when they end). Never throws for a failed round: that is a report with action Error.
    /// </summary>
    public async Task<CycleReport?> RoundAsync(CycleRequest request, bool awaitWrites, CancellationToken cancellationToken)
    {
        var record = new RoundRecord(cluster.Name, time.GetUtcNow(), request.ReadOnly || dryRun);
        using var activity = NvaFailoverMetrics.ActivitySource.StartActivity("NvaFailover.Cycle");
        activity?.SetTag("nvafailover.cluster", cluster.Name);
        try
        {
            var topologyTask = topologies.GetAsync(cluster, mayRefresh: !Executing, cancellationToken);
            if (cluster.Probe.Port is not null && topologies.Current(cluster.Name) is null)
            {
                // Probes go to the NVAs' own addresses: the first round needs them read first.
                await topologyTask;
            }

            record.Health = await ProbeAsync(topologies.Current(cluster.Name), cancellationToken);

            // A rediscovery that finished while the probes ran is used now; one still reading is used next round.
            var topology = await topologyTask;
            topology = topologies.Current(cluster.Name) ?? topology;
            record.Findings = topology.Findings;
            LogNewFindings(topology.Findings);
            record.CannotFailOver = topology.CannotFailOver();
            ReportCannotFailOver(record.CannotFailOver);
            Flight? started;
            CycleReport? report;
            await _gate.WaitAsync(cancellationToken);
            try
            {
                (report, started) = await DecideAndActAsync(record, request, topology, cancellationToken);
            }
            finally
            {
                _gate.Release();
            }

            activity?.SetTag("nvafailover.action", (report?.Action ?? started!.Record.Decision!.Action).ToString());
            if (report is not null)
            {
                publish(report);
                return report;
            }

            return awaitWrites ? await started!.Completion : null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            topologies.MarkStale(cluster.Name);
            Log.CycleFailed(logger, ex, cluster.Name, ex.Message);
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            var failed = record.Build(time.GetUtcNow(), CycleAction.Error, record.Decision?.Active, error: ex.Message, explanation: $"round failed: {ex.Message}");
            publish(failed);
            return failed;
        }
    }

    private async Task<(CycleReport? Report, Flight? Started)> DecideAndActAsync(RoundRecord record, CycleRequest request, ClusterTopology topology, CancellationToken cancellationToken)
    {
        // The flight's state first, then the topology: a flight that has ended kept what its writes returned before it
        // ended, so a round whose probes ran while it wrote decides on the routes as they are now, not as it found them
        // (else it would plan the same failover again).
        var inFlight = _flight is { Completion.IsCompleted: false } ? _flight : null;
        topology = topologies.Current(cluster.Name) ?? topology;
        record.DecidedAt = time.GetUtcNow();
        var decision = FailoverDecider.Decide(cluster, topology, record.Health, _memory, record.DecidedAt, request.SwitchoverTo);
        if (inFlight is { } flight && !request.ReadOnly)
        {
            if (!Supersedes(flight, decision, request, record.Health))
            {
                record.Decision = decision with { Explanation = $"{decision.Explanation}; the failover to {flight.Target} decided at {flight.Record.DecidedAt:HH:mm:ss} is still writing" };
                return (record.Build(time.GetUtcNow(), CycleAction.None, decision.Active), null);
            }

            Log.FailoverSuperseded(logger, cluster.Name, flight.Target, decision.Explanation);
            await flight.Cancel();
            topology = topologies.Current(cluster.Name) ?? topology;
            decision = FailoverDecider.Decide(cluster, topology, record.Health, _memory, record.DecidedAt, request.SwitchoverTo);
        }

        record.Decision = decision;
        if (decision.Refusal is not null)
        {
            Log.SwitchoverRefused(logger, cluster.Name, request.SwitchoverTo ?? "", decision.Refusal);
            return (record.Build(time.GetUtcNow(), CycleAction.None, decision.Active, error: decision.Refusal), null);
        }

        if (decision.Action == CycleAction.Hold)
        {
            Log.AllNvasDown(logger, cluster.Name, Words.Of(record.Health), decision.Active ?? "(none)");
            return (record.Build(time.GetUtcNow(), CycleAction.Hold, decision.Active), null);
        }

        if (decision.Target is null)
        {
            return (record.Build(time.GetUtcNow(), CycleAction.None, decision.Active), null);
        }

        var plan = FailoverPlanner.Plan(topology, decision.Target);
        record.Plan = plan;
        LogNewFindings(plan.NotMoved);
        var action = decision.ChangesActive ? decision.Action : CycleAction.Reconcile;
        if (decision.ChangesActive && decision.Reason == FailoverReason.ActiveDown)
        {
            record.Detection = record.DecidedAt - (_memory.LastSeenUp(decision.Active!) ?? record.StartedAt);
        }

        if (plan.IsEmpty)
        {
            // Nothing to write: either all is right, or what points at the old NVA cannot move (said once, loudly).
            if (decision.ChangesActive && plan.NotMoved.Count > 0 && _memory.LoggedFindings.Add($"incomplete|{decision.Active}->{decision.Target}"))
            {
                Log.FailoverIncomplete(logger, cluster.Name, decision.Active ?? "(none)", decision.Target, NotMovedText(plan));
            }

            _memory.LastTarget = decision.Active ?? _memory.LastTarget;
            return (record.Build(time.GetUtcNow(), CycleAction.None, decision.Active), null);
        }

        if (record.ReadOnly)
        {
            return (DryRun(record, action, decision, plan, repeatable: request.ReadOnly), null);
        }

        if (record.Health.FirstOrDefault(h => h.Nva.Equals(decision.Target, StringComparison.OrdinalIgnoreCase)) is { } seen
            && time.GetUtcNow() - seen.ObservedAt is var age && age > Freshness && record.Reprobed.Add(decision.Target))
        {
            // The round waited on slower probes (a hung appliance, a hung ARM read), so its sighting of the target is older
            // than the monitor's own cadence: the target may have died since. Look again before writing (once per NVA
            // and round), then decide again on what that shows.
            var ageSeconds = Seconds.Round(age);
            Log.TargetReprobed(logger, cluster.Name, decision.Target, ageSeconds);
            await ReprobeAsync(record, decision.Target, topology, cancellationToken);
            return await DecideAndActAsync(record, request, topology, cancellationToken);
        }

        _memory.DryRunLogged = null;
        if (decision.ChangesActive)
        {
            Log.FailoverStarted(logger, cluster.Name, action.ToString(), decision.Active ?? "(none)", decision.Target, ReasonText(decision),
                Seconds.Round(record.Detection ?? TimeSpan.Zero), plan.RouteChangeCount, plan.RouteTables.Count, plan.PublicIpMoves.Count);
        }

        var started = new Flight(decision.Target, record, topology, new CancellationTokenSource());
        started.Completion = ExecuteAsync(started, topology, action, decision, plan);
        _flight = started;
        return (null, started);
    }

    /// <summary>A running failover gives way to an operator's switchover, and to the news that its target is down.</summary>
    private static bool Supersedes(Flight flight, Decision decision, CycleRequest request, IReadOnlyList<NvaHealth> health) =>
        request.SwitchoverTo is not null
        || decision.Action == CycleAction.Hold
        || health.Any(h => h.IsDown && h.Nva.Equals(flight.Target, StringComparison.OrdinalIgnoreCase));

    private CycleReport DryRun(RoundRecord record, CycleAction action, Decision decision, FailoverPlan plan, bool repeatable)
    {
        var key = $"{action}:{decision.Active}->{decision.Target}";
        if (!repeatable && _memory.DryRunLogged == key)
        {
            return record.Build(time.GetUtcNow(), CycleAction.None, decision.Active,
                explanation: $"{decision.Explanation}; dry run: these changes were logged already, nothing is written");
        }

        foreach (var (resource, change) in PlanText.Changes(plan))
        {
            Log.DryRunChange(logger, cluster.Name, resource, change);
        }

        _memory.DryRunLogged = repeatable ? _memory.DryRunLogged : key;
        return record.Build(time.GetUtcNow(), action, decision.Active);
    }

    private async Task<CycleReport> ExecuteAsync(Flight flight, ClusterTopology topology, CycleAction action, Decision decision, FailoverPlan plan)
    {
        // Not awaited by the round that decided: it returns at the writes' first wait on ARM, and the next round probes
        // on time. (No hop to the thread pool first: writes that complete at once, as in tests, complete here.)
        var record = flight.Record;
        ExecutionResult result;
        try
        {
            result = await executor.ExecuteAsync(topology, plan, flight.Progress, flight.Cancellation.Token);
        }
        catch (Exception ex)
        {
            topologies.MarkStale(cluster.Name);
            Log.CycleFailed(logger, ex, cluster.Name, ex.Message);
            var failed = record.Build(time.GetUtcNow(), CycleAction.Error, decision.Active, error: ex.Message, explanation: $"the writes failed: {ex.Message}");
            publish(failed);
            return failed;
        }

        _memory.LastTarget = decision.Target;
        topologies.Update(result.Topology);
        LogNewFindings(result.Outcomes.Where(o => o.Status == Ports.WriteStatus.NoLongerManaged)
            .Select(o => new Finding(FindingSeverity.Warning, o.ResourceId, o.ErrorMessage ?? "no longer managed")));
        if (!result.Complete)
        {
            topologies.MarkStale(cluster.Name);
            foreach (var failed in result.Outcomes.Where(o => o.Failed))
            {
                Log.PartialFailure(logger, cluster.Name, failed.ResourceId, failed.Status.ToString(), failed.ErrorCode ?? "", failed.ErrorMessage ?? "");
            }
        }

        var convergence = result.LastWriteAt - record.DecidedAt;
        if (decision.ChangesActive && result.Complete && plan.NotMoved.Count == 0)
        {
            Log.FailoverCompleted(logger, cluster.Name, action.ToString(), decision.Active ?? "(none)", decision.Target!, ReasonText(decision),
                Seconds.Round(record.Detection ?? TimeSpan.Zero), Seconds.Round(convergence ?? TimeSpan.Zero), result.RoutesChanged, result.PublicIpsMoved);
            metrics.FailoverCompleted(cluster.Name, ReasonText(decision), (record.Detection ?? TimeSpan.Zero) + (convergence ?? TimeSpan.Zero));
        }
        else if (decision.ChangesActive && result.Complete)
        {
            Log.FailoverIncomplete(logger, cluster.Name, decision.Active ?? "(none)", decision.Target!, NotMovedText(plan));
        }
        else if (!decision.ChangesActive && (result.RoutesChanged > 0 || result.PublicIpsMoved > 0))
        {
            Log.Reconciled(logger, cluster.Name, decision.Target!, result.RoutesChanged, result.PublicIpsMoved);
        }

        var activeNow = result.Complete ? decision.Target : FailoverDecider.CurrentActive(result.Topology, _memory);
        var report = record.Build(time.GetUtcNow(), action, activeNow, result);
        publish(report);
        return report;
    }

    /// <summary>How old a sighting of a failover's target may be when its writes start: the cadence of the rounds.</summary>
    private TimeSpan Freshness => cluster.Probe.Interval > cluster.Probe.Timeout ? cluster.Probe.Interval : cluster.Probe.Timeout;

    private async Task<IReadOnlyList<NvaHealth>> ProbeAsync(ClusterTopology? topology, CancellationToken cancellationToken)
    {
        var health = await prober.ProbeAllAsync(cluster.Name, cluster.Probe.ToPolicy(), Targets(topology), cancellationToken);
        Observe(health);
        return health;
    }

    private async Task ReprobeAsync(RoundRecord record, string nva, ClusterTopology topology, CancellationToken cancellationToken)
    {
        var target = Targets(topology).Single(t => t.Name.Equals(nva, StringComparison.OrdinalIgnoreCase));
        var fresh = await prober.ProbeAsync(cluster.Name, cluster.Probe.ToPolicy(), target, cancellationToken);
        Observe([fresh]);
        record.Health = [.. record.Health.Select(h => h.Nva.Equals(nva, StringComparison.OrdinalIgnoreCase) ? fresh : h)];
    }

    private IEnumerable<ProbeTarget> Targets(ClusterTopology? topology) =>
        cluster.Nvas.Select(n => new ProbeTarget(Resources.ArmId.Name(n.VirtualMachineId), n.VirtualMachineId, n.ProbeEndpoint ?? Derived(n, topology))
        {
            CertificateThumbprint = n.ProbeCertificateThumbprint,
        });

    private void Observe(IReadOnlyList<NvaHealth> health)
    {
        foreach (var change in _memory.Observe(health, time.GetUtcNow()))
        {
            switch (change.State)
            {
                case HealthState.Up:
                    Log.NvaUp(logger, cluster.Name, change.Nva);
                    break;
                case HealthState.Down:
                    Log.NvaDown(logger, cluster.Name, change.Nva, change.Attempts, change.Reason ?? "failed");
                    break;
                default:
                    Log.NvaUnknown(logger, cluster.Name, change.Nva, change.Reason ?? "not observed");
                    break;
            }
        }
    }

    /// <summary>With Probe:Port and no ProbeEndpoint: the NVA's first private IP on that port (ha-nva-fo's TCPPort).</summary>
    private ProbeEndpoint? Derived(NvaOptions nva, ClusterTopology? topology)
    {
        if (cluster.Probe.Port is not { } port || topology?.FindNva(Resources.ArmId.Name(nva.VirtualMachineId))?.Slots is not [var slot, ..])
        {
            return null;
        }

        var host = slot.IpAddress.Contains(':', StringComparison.Ordinal) ? $"[{slot.IpAddress}]" : slot.IpAddress;
        return ProbeEndpoint.TryParse(cluster.Probe.Kind == ProbeKind.Http ? $"http://{host}:{port}/" : $"{host}:{port}", out var endpoint) ? endpoint : null;
    }

    private void LogNewFindings(IEnumerable<Finding> findings)
    {
        foreach (var finding in findings)
        {
            if (_memory.LoggedFindings.Add($"{finding.ResourceId}|{finding.Message}"))
            {
                var level = finding.Severity == FindingSeverity.Error ? LogLevel.Error : LogLevel.Warning;
                Log.Finding(logger, level, cluster.Name, finding.SeverityWord, finding.ResourceId, finding.Message);
            }
        }
    }

    /// <summary>
    /// A watchdog that cannot fail over pages: an Error event when it starts, again every minute while it lasts (so the
    /// alert on it stays raised and resolves once it stops), and an Information event when it clears.
    /// </summary>
    private void ReportCannotFailOver(IReadOnlyList<string> reasons)
    {
        var now = time.GetUtcNow();
        if (reasons.Count == 0)
        {
            if (_memory.CannotFailOverLogged is not null)
            {
                _memory.CannotFailOverLogged = null;
                Log.ClusterCanFailOver(logger, cluster.Name);
            }

            return;
        }

        var reason = string.Join(" | ", reasons);
        if (_memory.CannotFailOverLogged is not { } logged || logged.Reason != reason || now - logged.At >= CannotFailOverRepeat)
        {
            _memory.CannotFailOverLogged = (reason, now);
            Log.ClusterCannotFailOver(logger, cluster.Name, reason);
        }
    }

    private static readonly TimeSpan CannotFailOverRepeat = TimeSpan.FromMinutes(1);

    private static string ReasonText(Decision decision) => decision.Reason?.ToString() ?? "drift";

    private static string NotMovedText(FailoverPlan plan) => string.Join("; ", plan.NotMoved.Select(f => $"{f.ResourceId}: {f.Message}"));

    /// <summary>A failover's writes in flight.</summary>
    private sealed class Flight(string target, RoundRecord record, ClusterTopology topology, CancellationTokenSource cancellation)
    {
        public string Target { get; } = target;
        public RoundRecord Record { get; } = record;
        public ClusterTopology Topology { get; } = topology;
        public CancellationTokenSource Cancellation { get; } = cancellation;
        public ExecutionProgress Progress { get; } = new();
        public Task<CycleReport> Completion { get; set; } = Task.FromResult<CycleReport>(null!);

        public async Task Cancel()
        {
            // Synchronously: the writes see it at once, and a test clock sees them stop before it moves on.
            Cancellation.Cancel();
            await Completion;
        }

        public CycleReport Snapshot(DateTimeOffset now) =>
            Record.Build(now, Record.Decision!.ChangesActive ? Record.Decision.Action : CycleAction.Reconcile, Record.Decision.Active, Progress.SoFar(Topology), explanation: $"{Record.Decision.Explanation}; still writing");
    }
}
