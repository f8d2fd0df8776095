using System.Globalization;
using System.Text.Json.Nodes;
using NvaFailover.Emulator.Arm;
using NvaFailover.Emulator.Faults;
using NvaFailover.Emulator.Scenarios;
using NvaFailover.Monitoring;
using NvaFailover.Topology;

namespace NvaFailover.Cli.Simulation;

/// <summary>A timeline event as it happened.</summary>
/// <param name="Event">The event.</param>
/// <param name="At">Scenario time it was applied.</param>
/// <param name="Error">Why it could not be applied, if it could not.</param>
internal sealed record AppliedEvent(TimelineEvent Event, TimeSpan At, string? Error);

/// <summary>How a failover ended, as far as the rehearsal saw.</summary>
internal enum FailoverStatus
{
    /// <summary>Everything moved; convergedAt is when the last write succeeded.</summary>
    Converged,

    /// <summary>Every write succeeded but something could not move to the target (see notMoved).</summary>
    NotMoved,

    /// <summary>A write failed and no later round repaired it before the end.</summary>
    Failed,

    /// <summary>A later decision (the target died, an operator's switchover) stopped its writes.</summary>
    Superseded,

    /// <summary>Its writes were still running when the scenario ended (see pending).</summary>
    InFlight,
}

/// <summary>One change of active NVA and what came of it.</summary>
internal sealed record FailoverRecord(
    string Cluster,
    string? From,
    string To,
    string Reason,
    TimeSpan? FaultAt,
    TimeSpan DetectedAt,
    TimeSpan? RoutesConvergedAt,
    TimeSpan? PublicIpsConvergedAt,
    int RoutesChanged,
    int PublicIpsMoved,
    FailoverStatus Status,
    IReadOnlyList<Finding> NotMoved,
    IReadOnlyList<string> Pending)
{
    /// <summary>
    /// When the data plane was confirmed to follow the failover (Verification EffectiveRoutes); null while anything is
    /// unverified, when it was not verified, and with Verification None.
    /// </summary>
    public TimeSpan? VerifiedAt { get; init; }

    /// <summary>What the data plane does not do as the failover meant: subnet, prefix, next hop, why.</summary>
    public IReadOnlyList<NvaFailover.Verification.Unverified> Unverified { get; init; } = [];

    /// <summary>When the last write succeeded, only when everything moved.</summary>
    public TimeSpan? ConvergedAt => Status == FailoverStatus.Converged ? Max(RoutesConvergedAt, PublicIpsConvergedAt) ?? DetectedAt : null;

    public string StatusWord => Status switch
    {
        FailoverStatus.Converged => "converged",
        FailoverStatus.NotMoved => "notMoved",
        FailoverStatus.Failed => "failed",
        FailoverStatus.Superseded => "superseded",
        _ => "inFlight",
    };

    private static TimeSpan? Max(TimeSpan? a, TimeSpan? b) => a is { } x && b is { } y ? (x > y ? x : y) : a ?? b;
}

/// <summary>ARM requests during the scenario, as the emulator served them.</summary>
internal sealed record ArmCounters(int Reads, int Writes, int Throttled, int Conflicts, int Failed, IReadOnlyDictionary<string, int> ByOperation)
{
    /// <summary>Counts <paramref name="requests"/>; one abandoned because the scenario's time ran out is the rehearsal stopping, not ARM failing.</summary>
    public static ArmCounters Of(IEnumerable<RequestRecord> requests, DateTimeOffset end)
    {
        var served = requests.Where(r => !(r.Status == 499 && r.At >= end)).ToList();
        return new ArmCounters(
            served.Count(r => r.Method == "GET"),
            served.Count(r => r.Method is "PUT" or "POST" or "PATCH" or "DELETE"),
            served.Count(r => r.Status == 429),
            served.Count(r => r.Status is 409 or 412),
            served.Count(r => r.Status >= 400 && r.Status is not (429 or 409 or 412)),
            served.GroupBy(r => r.Operation).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal));
    }
}

/// <summary>Everything a rehearsal saw and did: the report, the timeline and the HTML page are all printed from this.</summary>
internal sealed record SimulationResult(
    Scenario Scenario,
    double Speed,
    DateTimeOffset Start,
    IReadOnlyList<RoundReport> Rounds,
    IReadOnlyList<AppliedEvent> Events,
    IReadOnlyList<FailoverRecord> Failovers,
    IReadOnlyList<Finding> Preflight,
    ArmCounters Arm,
    JsonObject Initial,
    JsonObject Final,
    IReadOnlyList<RequestRecord> Requests)
{
    /// <summary>Every change of a route table's applied routes (the emulator's data plane), for checks of what traffic followed.</summary>
    public IReadOnlyList<RouteCommit> RouteHistory { get; init; } = [];

    /// <summary>Scenario time as the report writes it, <c>hh:mm:ss</c>.</summary>
    public static string Time(TimeSpan t) => TimeSpan.FromSeconds(Math.Round(Math.Max(0, t.TotalSeconds))).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture);

    /// <summary>Scenario time of <paramref name="at"/>.</summary>
    public TimeSpan Since(DateTimeOffset at) => at - Start;
}
