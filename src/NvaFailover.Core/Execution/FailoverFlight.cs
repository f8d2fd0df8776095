using Microsoft.Extensions.Logging;
using NvaFailover.Decisions;
using NvaFailover.Planning;
using NvaFailover.Telemetry;
using NvaFailover.Time;
using NvaFailover.Topology;

namespace NvaFailover.Execution;

/// <summary>
/// A failover's writes in flight: started once, stopped by a newer decision (what they did is kept), and when they end,
/// their outcome logged and measured: completed, incomplete, reconciled, or which resources failed.
/// </summary>
/// <param name="Cluster">The cluster's name.</param>
/// <param name="Decision">What was decided; its target is where the writes point.</param>
/// <param name="Action">The action the writes carry out (Reconcile when the active NVA does not change).</param>
/// <param name="Topology">The topology the plan was made on.</param>
/// <param name="Plan">The writes.</param>
/// <param name="DecidedAt">When the decision was taken.</param>
/// <param name="Detection">From the active NVA's last sighting up to the decision, for a failover because it went down.</param>
internal sealed record FailoverFlight(
    string Cluster, Decision Decision, RoundAction Action, ClusterTopology Topology, FailoverPlan Plan, DateTimeOffset DecidedAt, TimeSpan? Detection)
{
    public string Target => Decision.Target!;

    public ExecutionProgress Progress { get; } = new();

    public CancellationTokenSource Cancellation { get; } = new();

    /// <summary>Runs the writes to their end (or until cancelled) and logs what they achieved; throws only what the executor throws.</summary>
    public async Task<ExecutionResult> ExecuteAsync(PlanExecutor executor, NvaFailoverMetrics metrics, ILogger logger)
    {
        var result = await executor.ExecuteAsync(Topology, Plan, Progress, Cancellation.Token);
        foreach (var failed in result.Complete ? [] : result.Outcomes.Where(o => o.Failed))
        {
            Log.PartialFailure(logger, Cluster, failed.ResourceId, failed.Status.ToString(), failed.ErrorCode ?? "", failed.ErrorMessage ?? "");
        }

        var convergence = result.LastWriteAt - DecidedAt ?? TimeSpan.Zero;
        var detection = Detection ?? TimeSpan.Zero;
        if (Decision.ChangesActive && result.Complete && Plan.NotMoved.Count == 0)
        {
            Log.FailoverCompleted(logger, Cluster, Action.ToString(), Decision.Active ?? "(none)", Target, ReasonText,
                Seconds.Round(detection), Seconds.Round(convergence), result.RoutesChanged, result.PublicIpsMoved);
            metrics.FailoverCompleted(Cluster, ReasonText, detection + convergence);
        }
        else if (Decision.ChangesActive && result.Complete)
        {
            Log.FailoverIncomplete(logger, Cluster, Decision.Active ?? "(none)", Target, NotMovedText(Plan));
        }
        else if (!Decision.ChangesActive && (result.RoutesChanged > 0 || result.PublicIpsMoved > 0))
        {
            Log.Reconciled(logger, Cluster, Target, result.RoutesChanged, result.PublicIpsMoved);
        }

        return result;
    }

    /// <summary>The reason as events and metrics give it (drift for a reconcile).</summary>
    public string ReasonText => Decision.Reason?.ToString() ?? "drift";

    /// <summary>What the plan could not move, as one line.</summary>
    public static string NotMovedText(FailoverPlan plan) => string.Join("; ", plan.NotMoved.Select(f => $"{f.ResourceId}: {f.Message}"));
}
