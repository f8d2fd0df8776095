using NvaFailover.Decisions;
using NvaFailover.Execution;
using NvaFailover.Ports;
using NvaFailover.Probing;
using NvaFailover.Settings;
using NvaFailover.Telemetry;
using NvaFailover.Time;
using NvaFailover.Topology;
using NvaFailover.Verification;

namespace NvaFailover.Monitoring;

/// <summary>
/// A cluster's failover whose writes are running: at most one, started by a round, stopped by a later round that
/// supersedes it, and reported (completing the report of the round that started it) when its writes end.
/// </summary>
internal sealed class ClusterFlight(string cluster, VerificationMode verification, ClusterMemory memory, ClusterFindings findings, ClusterLease lease, RunnerServices services, Action<RoundReport> publish)
{
    private Writing? _writing;

    /// <summary>The failover whose writes run now, or null.</summary>
    public FailoverFlight? Running => _writing is { Completion.IsCompleted: false } writing ? writing.Flight : null;

    /// <summary>True while a failover's writes run.</summary>
    public bool Executing => Running is not null;

    /// <summary>Completes when no failover's writes are running (its report published).</summary>
    public Task WhenIdle => _writing?.Completion ?? Task.CompletedTask;

    /// <summary>The failover whose writes are running, as far as they went.</summary>
    public FailoverInFlight? InFlight => _writing is { Completion.IsCompleted: false } writing ? new FailoverInFlight(writing.Snapshot(services.Time.GetUtcNow())) : null;

    /// <summary>A running failover gives way to an operator's switchover, and to the news that its target is down.</summary>
    public static bool Supersedes(FailoverFlight flight, Decision decision, RoundRequest request, IReadOnlyList<NvaHealth> health) =>
        request.SwitchoverTo is not null
        || decision.Action == RoundAction.Hold
        || health.Any(h => h.IsDown && h.Nva.Equals(flight.Target, StringComparison.OrdinalIgnoreCase));

    /// <summary>Stops a failover's writes (what they did is kept and reported) and waits for its report.</summary>
    public Task StopAsync() => _writing is { } writing ? writing.Cancel() : Task.CompletedTask;

    /// <summary>Starts <paramref name="flight"/>'s writes, which complete <paramref name="record"/>'s report when they end.</summary>
    public Task<RoundReport> Start(RoundRecord record, FailoverFlight flight)
    {
        var decision = flight.Decision;
        if (decision.ChangesActive)
        {
            Log.FailoverStarted(services.Logger, cluster, flight.Action.ToString(), decision.Active ?? "(none)", flight.Target, flight.ReasonText,
                Seconds.Round(flight.Detection ?? TimeSpan.Zero), flight.Plan.RouteChangeCount, flight.Plan.RouteTables.Count, flight.Plan.PublicIpMoves.Count);
        }

        var writing = new Writing(flight, record);
        writing.Completion = FinishAsync(writing);
        _writing = writing;
        return writing.Completion;
    }

    /// <summary>
    /// Runs the writes and reports them. Not awaited by the round that decided: it returns at the writes' first wait on
    /// ARM, and the next round probes on time. (No hop to the thread pool first: writes that complete at once, as in
    /// tests, complete here.)
    /// </summary>
    private async Task<RoundReport> FinishAsync(Writing writing)
    {
        var (flight, record) = (writing.Flight, writing.Record);
        if (!await lease.WriteAsync(FlightRecordOf(flight, closedAt: null), flight.Cancellation.Token))
        {
            var refused = record.Build(services.Time.GetUtcNow(), RoundAction.Error, flight.Decision.Active, error: "the flight record could not be written to the witness",
                explanation: "the flight record could not be written to the witness, so nothing was written to Azure (a watcher taking over must know what was planned)");
            publish(refused);
            return refused;
        }

        ExecutionResult result;
        var recorder = new Recorder();
        if (lease.Witnessed)
        {
            // Not awaited: it ends at its next tick once the flight is finished, and never writes after the closing record.
            _ = RecordProgressAsync(flight, recorder);
        }

        try
        {
            // The lease about to lapse stops the writes, as a superseding decision does.
            using var lapse = lease.Lapse.Register(flight.Cancellation.Cancel);
            result = await flight.ExecuteAsync(services.Executor, services.Metrics, services.Logger);
        }
        catch (Exception ex)
        {
            await recorder.FinishAsync(() => Task.CompletedTask);
            services.Topologies.MarkStale(cluster);
            Log.RoundFailed(services.Logger, ex, cluster, ex.Message);
            var failed = record.Build(services.Time.GetUtcNow(), RoundAction.Error, flight.Decision.Active, error: ex.Message, explanation: $"the writes failed: {ex.Message}");
            publish(failed);
            return failed;
        }

        await recorder.FinishAsync(async () =>
        {
            if (lease.Witnessed && lease.MayWrite)
            {
                await lease.WriteAsync(FlightRecordOf(flight, result.Complete ? services.Time.GetUtcNow() : null), CancellationToken.None);
            }
        });

        memory.LastTarget = flight.Target;
        services.Topologies.Update(result.Topology);
        findings.LogNew(result.Outcomes.Where(o => o.Status == Ports.WriteStatus.NoLongerManaged)
            .Select(o => new Finding(FindingSeverity.Warning, o.ResourceId, o.ErrorMessage ?? "no longer managed")));
        if (!result.Complete)
        {
            services.Topologies.MarkStale(cluster);
        }

        var activeNow = result.Complete ? flight.Target : FailoverDecider.CurrentActive(result.Topology, memory);
        var report = record.Build(services.Time.GetUtcNow(), flight.Action, activeNow, result);
        if (flight.Decision.ChangesActive && report.Converged && verification == VerificationMode.EffectiveRoutes)
        {
            report = report with { Verification = await VerifyAsync(flight, result) };
        }

        publish(report);
        return report;
    }

    /// <summary>
    /// Confirms the converged failover on the data plane and says what it found. A verification that fails or is stopped
    /// (a later decision supersedes the failover) is reported as such; it never undoes anything.
    /// </summary>
    private async Task<VerificationResult?> VerifyAsync(FailoverFlight flight, ExecutionResult result)
    {
        VerificationResult verified;
        try
        {
            verified = await services.Verifier.VerifyAsync(result.Topology, flight.Decision.Active, flight.Target, flight.Cancellation.Token);
        }
        catch (OperationCanceledException) when (flight.Cancellation.IsCancellationRequested)
        {
            return null;
        }

        var from = flight.Decision.Active ?? "(none)";
        if (verified.Verified)
        {
            var faultToVerified = Seconds.Round((flight.Detection ?? TimeSpan.Zero) + (verified.At - flight.DecidedAt));
            Log.FailoverVerified(services.Logger, cluster, from, flight.Target, verified.SubnetsChecked, faultToVerified);
        }
        else
        {
            var unverified = $"the data plane does not follow it: {string.Join("; ", verified.Unverified)}";
            Log.FailoverIncomplete(services.Logger, cluster, from, flight.Target, unverified);
        }

        return verified;
    }

    /// <summary>The flight record of <paramref name="flight"/> as far as it went: closed when <paramref name="closedAt"/> is given.</summary>
    private FlightRecord FlightRecordOf(FailoverFlight flight, DateTimeOffset? closedAt)
    {
        var topology = flight.Topology;
        var slots = topology.PublicIps.Select(p => (p.Id, Slot: topology.SlotOf(p)))
            .Where(p => p.Slot is not null)
            .ToDictionary(p => p.Id, p => p.Slot!.Value, Resources.ArmId.Comparer);
        List<string> planned = [.. flight.Plan.RouteTables.Select(t => t.Table.Id), .. topology.PublicIps.Select(p => p.Id)];
        var progress = flight.Progress;
        List<string> done = [.. progress.Tables.Keys, .. progress.Nics.Keys, .. progress.PublicIps.Keys];
        return new FlightRecord(cluster, flight.Decision.Active, flight.Target, flight.DecidedAt, slots, planned, done, closedAt, services.Witness?.Watcher ?? Watcher);
    }


    /// <summary>Which watcher writes the record: host and process.</summary>
    private static readonly string Watcher = $"{Environment.MachineName}/{Environment.ProcessId}";

    /// <summary>
    /// While the writes run, the lease is renewed when due (a failover may outlast it: a public IP move takes about 30 s,
    /// and a single round of 'once' or 'switchover' has no later round to renew it), and the record follows the writes:
    /// written again every 2 s when more is done.
    /// </summary>
    private async Task RecordProgressAsync(FailoverFlight flight, Recorder recorder)
    {
        var recorded = 0;
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(2), services.Time, CancellationToken.None);
            if (!await recorder.WhileRunningAsync(async () =>
            {
                await lease.EnsureAsync(CancellationToken.None);
                var record = FlightRecordOf(flight, closedAt: null);
                if (record.Done.Count != recorded && lease.MayWrite)
                {
                    recorded = record.Done.Count;
                    await lease.WriteAsync(record, CancellationToken.None);
                }
            }))
            {
                return;
            }
        }
    }

    /// <summary>Keeps the progress records and the closing one in order: none is written after the flight finished.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The gate's wait handle is never asked for, so it holds nothing to dispose; the recording loop may use it after the flight ends.")]
    private sealed class Recorder
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private bool _finished;

        /// <summary>Runs <paramref name="write"/> unless the flight finished; false when it has.</summary>
        public async Task<bool> WhileRunningAsync(Func<Task> write)
        {
            await _gate.WaitAsync();
            try
            {
                if (_finished)
                {
                    return false;
                }

                await write();
                return true;
            }
            finally
            {
                _gate.Release();
            }
        }

        /// <summary>Marks the flight finished and runs <paramref name="close"/> (the closing record) after any write in progress.</summary>
        public async Task FinishAsync(Func<Task> close)
        {
            await _gate.WaitAsync();
            try
            {
                _finished = true;
                await close();
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    /// <summary>A failover's writes in flight, with the round that started them (whose report they complete).</summary>
    private sealed class Writing(FailoverFlight flight, RoundRecord record)
    {
        public FailoverFlight Flight { get; } = flight;
        public RoundRecord Record { get; } = record;
        public Task<RoundReport> Completion { get; set; } = Task.FromResult<RoundReport>(null!);

        public async Task Cancel()
        {
            // Synchronously: the writes see it at once, and a test clock sees them stop before it moves on.
            Flight.Cancellation.Cancel();
            await Completion;
        }

        public RoundReport Snapshot(DateTimeOffset now) =>
            Record.Build(now, Flight.Action, Flight.Decision.Active, Flight.Progress.SoFar(Flight.Topology), explanation: $"{Flight.Decision.Explanation}; still writing");
    }
}
