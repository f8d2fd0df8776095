namespace NvaFailover.Decisions;

/// <summary>What a round did (the <c>action</c> of the simulation report).</summary>
public enum RoundAction
{
    /// <summary>Nothing to change.</summary>
    None,
    /// <summary>The active NVA failed; moved to the highest-priority healthy one.</summary>
    Failover,
    /// <summary>Returned to a higher-priority NVA (Preemptive).</summary>
    Failback,
    /// <summary>Operator-requested move.</summary>
    Switchover,
    /// <summary>Routes or public IPs disagreed with the active NVA and were put back.</summary>
    Reconcile,
    /// <summary>Every NVA is down; nothing touched.</summary>
    Hold,
    /// <summary>The round failed.</summary>
    Error,
}

/// <summary>Why the active NVA changes.</summary>
public enum FailoverReason
{
    /// <summary>The active NVA is down.</summary>
    ActiveDown,
    /// <summary>A higher-priority NVA has been healthy for <c>PreemptAfter</c>.</summary>
    Preempt,
    /// <summary>An operator asked for it.</summary>
    Switchover,
}

/// <summary>The decision of one round.</summary>
/// <param name="Action">The intended action (a <see cref="RoundAction.None"/> may still reconcile drift).</param>
/// <param name="Active">The NVA the routes point at now (null when none does).</param>
/// <param name="Target">The NVA the routes must point at (null: touch nothing).</param>
/// <param name="Reason">Why the active NVA changes, when it does.</param>
/// <param name="Explanation">The decision in words, for logs and the CLI.</param>
/// <param name="Refusal">Why an operator's switchover was refused, if it was.</param>
public sealed record Decision(RoundAction Action, string? Active, string? Target, FailoverReason? Reason, string Explanation, string? Refusal = null)
{
    /// <summary>True when the active NVA changes.</summary>
    public bool ChangesActive => Action is RoundAction.Failover or RoundAction.Failback or RoundAction.Switchover;
}
