using NvaFailover.Decisions;
using NvaFailover.Execution;
using NvaFailover.Planning;
using NvaFailover.Probing;
using NvaFailover.Topology;

namespace NvaFailover.Monitoring;

/// <summary>When a round started, decided and ended, and how long its failure went unseen.</summary>
/// <param name="StartedAt">Round start.</param>
/// <param name="DecidedAt">When the decision was taken (after probing); the start when the round failed earlier.</param>
/// <param name="CompletedAt">When the round, or its writes, ended.</param>
/// <param name="Detection">From the old NVA's last passed probe to the decision (failover only).</param>
public sealed record RoundTimes(DateTimeOffset StartedAt, DateTimeOffset DecidedAt, DateTimeOffset CompletedAt, TimeSpan? Detection);

/// <summary>What a round decided about who is active.</summary>
/// <param name="ActiveBefore">The NVA the routes pointed at when the round decided.</param>
/// <param name="Active">The NVA the routes point at now (the target once every write succeeded).</param>
/// <param name="Action">What the round did.</param>
/// <param name="Reason">Why the active NVA changed.</param>
/// <param name="Explanation">The decision in words.</param>
public sealed record RoundDecision(string? ActiveBefore, string? Active, RoundAction Action, FailoverReason? Reason, string Explanation);

/// <summary>Everything one round of one cluster saw, decided and did (for a failover, once its writes ended).</summary>
/// <param name="Cluster">Cluster name.</param>
/// <param name="Times">When it started, decided and ended.</param>
/// <param name="Health">Probe results per NVA.</param>
/// <param name="Decided">Who was active, who is now, and why.</param>
/// <param name="Plan">The plan, when there was one.</param>
/// <param name="Execution">What the writes did, when there were writes.</param>
/// <param name="Findings">Configuration and resource findings of this round.</param>
/// <param name="DryRun">True when the plan was only logged (DryRun or a read-only command).</param>
/// <param name="Error">Why the round failed, or why a switchover was refused.</param>
public sealed record RoundReport(
    string Cluster,
    RoundTimes Times,
    IReadOnlyList<NvaHealth> Health,
    RoundDecision Decided,
    FailoverPlan? Plan,
    ExecutionResult? Execution,
    IReadOnlyList<Finding> Findings,
    bool DryRun,
    string? Error)
{
    /// <summary>Round start.</summary>
    public DateTimeOffset StartedAt => Times.StartedAt;

    /// <summary>When the decision was taken.</summary>
    public DateTimeOffset DecidedAt => Times.DecidedAt;

    /// <summary>When the round, or its writes, ended.</summary>
    public DateTimeOffset CompletedAt => Times.CompletedAt;

    /// <summary>From the old NVA's last passed probe to the decision (failover only).</summary>
    public TimeSpan? Detection => Times.Detection;

    /// <summary>The NVA the routes pointed at when the round decided.</summary>
    public string? ActiveBefore => Decided.ActiveBefore;

    /// <summary>The NVA the routes point at now.</summary>
    public string? Active => Decided.Active;

    /// <summary>What the round did.</summary>
    public RoundAction Action => Decided.Action;

    /// <summary>Why the active NVA changed.</summary>
    public FailoverReason? Reason => Decided.Reason;

    /// <summary>The decision in words.</summary>
    public string Explanation => Decided.Explanation;

    /// <summary>The writes' outcomes.</summary>
    public IReadOnlyList<WriteOutcome> Outcomes => Execution?.Outcomes ?? [];

    /// <summary>Writes sent to ARM.</summary>
    public int Writes => Execution?.Writes ?? 0;

    /// <summary>Routes changed.</summary>
    public int RoutesChanged => Execution?.RoutesChanged ?? 0;

    /// <summary>Public IPs moved.</summary>
    public int PublicIpsMoved => Execution?.PublicIpsMoved ?? 0;

    /// <summary>When the last successful write completed.</summary>
    public DateTimeOffset? ConvergedAt => Execution?.LastWriteAt;

    /// <summary>From the decision to the last successful write.</summary>
    public TimeSpan? Convergence => ConvergedAt - DecidedAt;

    /// <summary>What a failover left on another NVA, with why (see <see cref="FailoverPlan.NotMoved"/>).</summary>
    public IReadOnlyList<Finding> NotMoved => Plan?.NotMoved ?? [];

    /// <summary>True when every write succeeded and nothing was left behind.</summary>
    public bool Converged => Execution is { Complete: true } && NotMoved.Count == 0;

    /// <summary>True when a write failed, the round failed or a switchover was refused (a superseded write is not a failure).</summary>
    public bool Failed => Error is not null || Outcomes.Any(o => o.Failed);

    /// <summary>Why the cluster cannot fail over (see <see cref="ClusterTopology.CannotFailOver"/>); empty when it can.</summary>
    public IReadOnlyList<string> CannotFailOver { get; init; } = [];

    /// <summary>What the data plane showed after a converged failover (Verification EffectiveRoutes); null when not verified.</summary>
    public Verification.VerificationResult? Verification { get; init; }
}

/// <summary>Sees every completed round (the simulation's report, the CLI's output).</summary>
public interface IRoundObserver
{
    /// <summary>Called once per completed round.</summary>
    void OnRoundCompleted(RoundReport report);
}

/// <summary>What a caller asks of a round.</summary>
/// <param name="ReadOnly">Plan only, write nothing (the CLI's <c>plan</c>).</param>
/// <param name="SwitchoverTo">Operator switchover to this NVA.</param>
public sealed record RoundRequest(bool ReadOnly = false, string? SwitchoverTo = null)
{
    /// <summary>An ordinary timer round.</summary>
    public static RoundRequest Timer { get; } = new();
}

/// <summary>A failover whose writes are still running (what a rehearsal that ends now reports as not finished).</summary>
/// <param name="Report">The round that started it, as far as it went: its plan, and the outcomes so far.</param>
public sealed record FailoverInFlight(RoundReport Report);

/// <summary>What a round has learned so far; builds its report, in one place.</summary>
internal sealed class RoundRecord(string cluster, DateTimeOffset startedAt, bool readOnly)
{
    public string Cluster { get; } = cluster;
    public DateTimeOffset StartedAt { get; } = startedAt;
    public DateTimeOffset DecidedAt { get; set; } = startedAt;
    public IReadOnlyList<NvaHealth> Health { get; set; } = [];
    public Decision? Decision { get; set; }
    public FailoverPlan? Plan { get; set; }
    public TimeSpan? Detection { get; set; }
    public IReadOnlyList<Finding> Findings { get; set; } = [];
    public IReadOnlyList<string> CannotFailOver { get; set; } = [];
    public bool ReadOnly { get; } = readOnly;

    /// <summary>True when another watcher holds the cluster's lease: this round probes and reports, and writes nothing.</summary>
    public bool Standby { get; set; }

    /// <summary>NVAs probed again before this round wrote toward them (their first sighting had grown old).</summary>
    public HashSet<string> Reprobed { get; } = new(StringComparer.OrdinalIgnoreCase);

    public RoundReport Build(DateTimeOffset now, RoundAction action, string? active, ExecutionResult? execution = null, string? error = null, string? explanation = null) =>
        new(Cluster, new RoundTimes(StartedAt, DecidedAt, now, Detection), Health,
            new RoundDecision(Decision?.Active, active, action,
                action is RoundAction.Failover or RoundAction.Failback or RoundAction.Switchover ? Decision?.Reason : null,
                explanation ?? Decision?.Explanation ?? error ?? ""),
            Plan, execution, [.. Findings, .. Plan?.NotMoved ?? []], ReadOnly, error)
        {
            CannotFailOver = CannotFailOver,
        };
}
