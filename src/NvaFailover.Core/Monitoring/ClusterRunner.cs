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
internal sealed class ClusterRunner : IDisposable
{
    private readonly ClusterOptions _cluster;
    private readonly bool _dryRun;
    private readonly TopologyCache _topologies;
    private readonly Action<RoundReport> _publish;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ClusterMemory _memory = new();
    private readonly ClusterProbes _probes;
    private readonly ClusterFindings _findings;
    private readonly ClusterFlight _flight;
    private readonly ClusterLease _lease;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private int _takesRead;

    public ClusterRunner(ClusterOptions cluster, bool dryRun, RunnerServices services, Action<RoundReport> publish)
    {
        (_cluster, _dryRun, _publish) = (cluster, dryRun, publish);
        (_topologies, _time, _logger) = (services.Topologies, services.Time, services.Logger);
        _probes = new ClusterProbes(cluster, services.Prober, _memory, _time, _logger);
        _findings = new ClusterFindings(cluster.Name, _memory, _time, _logger);
        _lease = new ClusterLease(cluster.Name, services.Witness, services.LeaseDuration, services.Topologies, _time, _logger);
        _flight = new ClusterFlight(cluster.Name, cluster.Verification, _memory, _findings, _lease, services, publish);
    }

    public ClusterOptions Cluster => _cluster;

    public void Dispose()
    {
        _gate.Dispose();
        _lease.Dispose();
    }

    /// <summary>The cluster's right to write (the witness's lease).</summary>
    public ClusterLease Lease => _lease;

    /// <summary>The failover whose writes run now, if any.</summary>
    public ClusterFlight Flight => _flight;

    /// <summary>
    /// One round. Returns its report, or null when it started writes and <paramref name="awaitWrites"/> is false (the
    /// report comes when they end). Never throws for a failed round: that is a report with action Error.
    /// </summary>
    public async Task<RoundReport?> RoundAsync(RoundRequest request, bool awaitWrites, CancellationToken cancellationToken)
    {
        var record = new RoundRecord(_cluster.Name, _time.GetUtcNow(), request.ReadOnly || _dryRun);
        using var activity = NvaFailoverMetrics.ActivitySource.StartActivity("NvaFailover.Round");
        activity?.SetTag("nvafailover.cluster", _cluster.Name);
        try
        {
            // The lease is taken or renewed beside the probes: probing never waits for storage.
            var leading = record.ReadOnly ? Task.FromResult(true) : _lease.EnsureAsync(cancellationToken);
            var topologyTask = _topologies.GetAsync(_cluster, mayRefresh: !_flight.Executing, cancellationToken);
            if (_probes.NeedTopology && _topologies.Current(_cluster.Name) is null)
            {
                await topologyTask;
            }

            record.Health = await _probes.ProbeAllAsync(_topologies.Current(_cluster.Name), cancellationToken);
            record.Standby = !await leading;

            // A rediscovery that finished while the probes ran is used now; one still reading is used next round.
            var topology = _topologies.Current(_cluster.Name) ?? await topologyTask;
            if (!record.Standby && _lease.Takes != _takesRead)
            {
                topology = await ReadAfterTakingTheLeaseAsync(topology, cancellationToken);
            }

            record.Findings = topology.Findings;
            _findings.LogNew(topology.Findings);
            record.CannotFailOver = topology.CannotFailOver();
            _findings.ReportCannotFailOver(record.CannotFailOver);
            RoundReport? report;
            Task<RoundReport>? started;
            await _gate.WaitAsync(cancellationToken);
            try
            {
                (report, started) = await DecideAndStartAsync(record, request, topology, cancellationToken);
            }
            finally
            {
                _gate.Release();
            }

            activity?.SetTag("nvafailover.action", (report?.Action ?? _flight.Running!.Action).ToString());
            if (report is not null)
            {
                _publish(report);
                return report;
            }

            return awaitWrites ? await started! : null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _topologies.MarkStale(_cluster.Name);
            Log.RoundFailed(_logger, ex, _cluster.Name, ex.Message);
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            var failed = record.Build(_time.GetUtcNow(), RoundAction.Error, record.Decision?.Active, error: ex.Message, explanation: $"round failed: {ex.Message}");
            _publish(failed);
            return failed;
        }
    }

    /// <summary>
    /// A watcher that has just taken the lease decides on what Azure holds now, not on what it read as a standby: the last
    /// leader may have moved traffic since, and deciding that failover again would start a second one for one failure
    /// (its writes would all be refused on their ETags, but its events and alerts would not). So it reads the cluster
    /// again, unless what it holds was read after the last recorded flight closed (<see cref="ClusterLease.Outdates"/>): a
    /// watcher starting beside an idle witness reads each cluster once, not twice. A rediscovery keeps what it could not
    /// read from the last one, and fails as a whole only when no route table is known yet; then the round is an error
    /// that says why, and the next round reads again.
    /// </summary>
    private async Task<ClusterTopology> ReadAfterTakingTheLeaseAsync(ClusterTopology topology, CancellationToken cancellationToken)
    {
        var takes = _lease.Takes;
        if (_lease.Outdates(topology))
        {
            topology = await _topologies.RefreshAsync(_cluster, cancellationToken);
        }

        _takesRead = takes;
        return topology;
    }

    /// <summary>
    /// Decide, and plan and start the writes the decision needs. A decision whose target was last seen longer ago than
    /// the rounds' cadence (the round waited on slower probes) probes that target again and decides again, once per NVA.
    /// </summary>
    private async Task<(RoundReport? Report, Task<RoundReport>? Started)> DecideAndStartAsync(RoundRecord record, RoundRequest request, ClusterTopology topology, CancellationToken cancellationToken)
    {
        while (true)
        {
            // The flight's state first, then the topology: a flight that has ended kept what its writes returned, so a round
            // whose probes ran while it wrote decides on the routes as they are now (else it would plan the same failover again).
            var running = _flight.Running;
            topology = _topologies.Current(_cluster.Name) ?? topology;
            record.DecidedAt = _time.GetUtcNow();
            var decision = FailoverDecider.Decide(_cluster, topology, record.Health, _memory, record.DecidedAt, request.SwitchoverTo);
            if (running is not null && !request.ReadOnly)
            {
                if (!ClusterFlight.Supersedes(running, decision, request, record.Health))
                {
                    record.Decision = decision with { Explanation = $"{decision.Explanation}; the failover to {running.Target} decided at {running.DecidedAt:HH:mm:ss} is still writing" };
                    return (record.Build(_time.GetUtcNow(), RoundAction.None, decision.Active), null);
                }

                Log.FailoverSuperseded(_logger, _cluster.Name, running.Target, decision.Explanation);
                await _flight.StopAsync();
                topology = _topologies.Current(_cluster.Name) ?? topology;
                decision = FailoverDecider.Decide(_cluster, topology, record.Health, _memory, record.DecidedAt, request.SwitchoverTo);
            }

            record.Decision = decision;
            if (decision.Refusal is not null)
            {
                Log.SwitchoverRefused(_logger, _cluster.Name, request.SwitchoverTo ?? "", decision.Refusal);
                return (record.Build(_time.GetUtcNow(), RoundAction.None, decision.Active, error: decision.Refusal), null);
            }

            if (decision.Action == RoundAction.Hold)
            {
                Log.AllNvasDown(_logger, _cluster.Name, Words.Of(record.Health), decision.Active ?? "(none)");
                return (record.Build(_time.GetUtcNow(), RoundAction.Hold, decision.Active), null);
            }

            if (decision.Target is null)
            {
                return (record.Build(_time.GetUtcNow(), RoundAction.None, decision.Active), null);
            }

            var plan = FailoverPlanner.Plan(topology, decision.Target);
            record.Plan = plan;
            _findings.LogNew(plan.NotMoved);
            var action = decision.ChangesActive ? decision.Action : RoundAction.Reconcile;
            if (decision.ChangesActive && decision.Reason == FailoverReason.ActiveDown)
            {
                record.Detection = record.DecidedAt - (_memory.LastSeenUp(decision.Active!) ?? record.StartedAt);
            }

            if (plan.IsEmpty)
            {
                // Nothing to write: either all is right, or what points at the old NVA cannot move (said once, loudly).
                if (decision.ChangesActive && plan.NotMoved.Count > 0 && _findings.First($"incomplete|{decision.Active}->{decision.Target}"))
                {
                    Log.FailoverIncomplete(_logger, _cluster.Name, decision.Active ?? "(none)", decision.Target, FailoverFlight.NotMovedText(plan));
                }

                _memory.LastTarget = decision.Active ?? _memory.LastTarget;
                return (record.Build(_time.GetUtcNow(), RoundAction.None, decision.Active), null);
            }

            if (record.ReadOnly)
            {
                return (DryRun(record, action, decision, plan, repeatable: request.ReadOnly), null);
            }

            if (record.Standby)
            {
                return (record.Build(_time.GetUtcNow(), RoundAction.None, decision.Active,
                    explanation: $"{decision.Explanation}; standby: another watcher holds this cluster's lease in the witness and writes, so this one writes nothing"), null);
            }

            if (_probes.SightingAge(record.Health, decision.Target) is { } age && record.Reprobed.Add(decision.Target))
            {
                // The target may have died since it was seen: look again before writing, then decide again on what that shows.
                var ageSeconds = Seconds.Round(age);
                Log.TargetReprobed(_logger, _cluster.Name, decision.Target, ageSeconds);
                record.Health = await _probes.ReprobeAsync(record.Health, decision.Target, topology, cancellationToken);
                continue;
            }

            _memory.DryRunLogged = null;
            return (null, _flight.Start(record, new FailoverFlight(_cluster.Name, decision, action, topology, plan, record.DecidedAt, record.Detection)));
        }
    }

    private RoundReport DryRun(RoundRecord record, RoundAction action, Decision decision, FailoverPlan plan, bool repeatable) =>
        _findings.LogDryRun($"{action}:{decision.Active}->{decision.Target}", plan, repeatable)
            ? record.Build(_time.GetUtcNow(), action, decision.Active)
            : record.Build(_time.GetUtcNow(), RoundAction.None, decision.Active, explanation: $"{decision.Explanation}; dry run: these changes were logged already, nothing is written");
}
