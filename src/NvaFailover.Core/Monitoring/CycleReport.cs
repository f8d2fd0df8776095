using NvaFailover.Decisions;
using NvaFailover.Execution;
using NvaFailover.Planning;
using NvaFailover.Probing;
using NvaFailover.Topology;

namespace NvaFailover.Monitoring;

/// <summary>Everything one cycle of one cluster saw, decided and did.</summary>
/// <param name="Cluster">Cluster name.</param>
/// <param name="StartedAt">Cycle start.</param>
/// <param name="DecidedAt">When the decision was taken (after probing); the start when the cycle failed earlier.</param>
/// <param name="CompletedAt">Cycle end.</param>
/// <param name="Health">Probe results per NVA.</param>
/// <param name="ActiveBefore">The NVA the routes pointed at when the cycle started.</param>
/// <param name="Active">The NVA the routes point at now (the target once every write succeeded).</param>
/// <param name="Action">What the cycle did.</param>
/// <param name="Reason">Why the active NVA changed.</param>
/// <param name="Explanation">The decision in words.</param>
/// <param name="Plan">The plan, when there was one.</param>
/// <param name="Outcomes">The writes' outcomes.</param>
/// <param name="RoutesChanged">Routes changed.</param>
/// <param name="PublicIpsMoved">Public IPs moved.</param>
/// <param name="Detection">From the old NVA's last passed probe to the decision (failover only).</param>
/// <param name="Convergence">From the decision to the last successful write.</param>
/// <param name="Findings">Configuration and resource findings of this cycle.</param>
/// <param name="DryRun">True when the plan was only logged (DryRun or a read-only command).</param>
/// <param name="Error">Why the cycle failed, or why a switchover was refused.</param>
public sealed record CycleReport(
    string Cluster,
    DateTimeOffset StartedAt,
    DateTimeOffset DecidedAt,
    DateTimeOffset CompletedAt,
    IReadOnlyList<NvaHealth> Health,
    string? ActiveBefore,
    string? Active,
    CycleAction Action,
    FailoverReason? Reason,
    string Explanation,
    FailoverPlan? Plan,
    IReadOnlyList<WriteOutcome> Outcomes,
    int RoutesChanged,
    int PublicIpsMoved,
    TimeSpan? Detection,
    TimeSpan? Convergence,
    IReadOnlyList<Finding> Findings,
    bool DryRun,
    string? Error)
{
    /// <summary>Writes sent to ARM.</summary>
    public int Writes => Outcomes.Sum(o => o.Writes);

    /// <summary>When the last successful write completed (decision time plus convergence).</summary>
    public DateTimeOffset? ConvergedAt => Convergence is { } c ? DecidedAt + c : null;

    /// <summary>True when a write failed, the cycle failed or a switchover was refused.</summary>
    public bool Failed => Error is not null || Outcomes.Any(o => o.Status != Ports.WriteStatus.Succeeded);
}

/// <summary>Sees every completed cycle (the simulation's report, the CLI's output).</summary>
public interface ICycleObserver
{
    /// <summary>Called once per completed cycle.</summary>
    void OnCycleCompleted(CycleReport report);
}

/// <summary>What a caller asks of a cycle.</summary>
/// <param name="ReadOnly">Plan only, write nothing (the CLI's <c>plan</c>).</param>
/// <param name="SwitchoverTo">Operator switchover to this NVA.</param>
public sealed record CycleRequest(bool ReadOnly = false, string? SwitchoverTo = null)
{
    /// <summary>An ordinary timer cycle.</summary>
    public static CycleRequest Timer { get; } = new();
}
