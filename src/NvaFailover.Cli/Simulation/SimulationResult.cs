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

/// <summary>The moments of one failover, in scenario time.</summary>
/// <param name="FaultAt">When the event that made the old NVA unhealthy took effect (null for a switchover).</param>
/// <param name="DetectedAt">When the failover was decided.</param>
/// <param name="RoutesConvergedAt">When the last route table write succeeded.</param>
/// <param name="PublicIpsConvergedAt">When the last public IP write succeeded.</param>
/// <param name="VerifiedAt">When the data plane was confirmed (null while anything is unverified, or not verified).</param>
internal sealed record FailoverTimes(TimeSpan? FaultAt, TimeSpan DetectedAt, TimeSpan? RoutesConvergedAt, TimeSpan? PublicIpsConvergedAt, TimeSpan? VerifiedAt);

/// <summary>How a failover ended and what it left: its status, what could not move, what no write confirmed, what the data plane does not do.</summary>
/// <param name="Status">How it ended.</param>
/// <param name="NotMoved">What could not follow, with why.</param>
/// <param name="Pending">What no write had confirmed when the scenario ended.</param>
/// <param name="Unverified">What the data plane does not do as the failover meant: subnet, prefix, next hop, why.</param>
internal sealed record FailoverOutcome(FailoverStatus Status, IReadOnlyList<Finding> NotMoved, IReadOnlyList<string> Pending, IReadOnlyList<NvaFailover.Verification.Unverified> Unverified);

/// <summary>One change of active NVA and what came of it.</summary>
/// <param name="Cluster">The cluster.</param>
/// <param name="From">The NVA it left.</param>
/// <param name="To">The NVA it went to.</param>
/// <param name="Reason">activeDown, preempt or switchover.</param>
/// <param name="Times">Fault, detection, convergence and verification.</param>
/// <param name="RoutesChanged">Routes it changed.</param>
/// <param name="PublicIpsMoved">Public IPs it moved.</param>
/// <param name="Outcome">How it ended and what it left.</param>
internal sealed record FailoverRecord(string Cluster, string? From, string To, string Reason, FailoverTimes Times, int RoutesChanged, int PublicIpsMoved, FailoverOutcome Outcome)
{
    public TimeSpan? FaultAt => Times.FaultAt;

    public TimeSpan DetectedAt => Times.DetectedAt;

    public TimeSpan? RoutesConvergedAt => Times.RoutesConvergedAt;

    public TimeSpan? PublicIpsConvergedAt => Times.PublicIpsConvergedAt;

    public TimeSpan? VerifiedAt => Times.VerifiedAt;

    public FailoverStatus Status => Outcome.Status;

    public IReadOnlyList<Finding> NotMoved => Outcome.NotMoved;

    public IReadOnlyList<string> Pending => Outcome.Pending;

    public IReadOnlyList<NvaFailover.Verification.Unverified> Unverified => Outcome.Unverified;

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

/// <summary>What was rehearsed: the scenario, at what speed, from when (scenario time zero).</summary>
internal sealed record Rehearsed(Scenario Scenario, double Speed, DateTimeOffset Start);

/// <summary>The emulated Azure at the start and at the end, in the topology's own shape.</summary>
internal sealed record TopologyStates(JsonObject Initial, JsonObject Final);

/// <summary>The ARM traffic during the scenario: the counts the report gives, and every request.</summary>
internal sealed record ArmTraffic(ArmCounters Arm, IReadOnlyList<RequestRecord> Requests);

/// <summary>Everything a rehearsal saw and did: the report, the timeline and the HTML page are all printed from this.</summary>
/// <param name="Run">The scenario, speed and start.</param>
/// <param name="Rounds">Every round, in order.</param>
/// <param name="Events">The timeline as applied.</param>
/// <param name="Failovers">One record per change of active NVA.</param>
/// <param name="Preflight">What check said at the start.</param>
/// <param name="States">The topology at the start and at the end.</param>
/// <param name="Traffic">ARM's counts and requests.</param>
internal sealed record SimulationResult(
    Rehearsed Run,
    IReadOnlyList<RoundReport> Rounds,
    IReadOnlyList<AppliedEvent> Events,
    IReadOnlyList<FailoverRecord> Failovers,
    IReadOnlyList<Finding> Preflight,
    TopologyStates States,
    ArmTraffic Traffic)
{
    public Scenario Scenario => Run.Scenario;

    public double Speed => Run.Speed;

    public DateTimeOffset Start => Run.Start;

    public JsonObject Initial => States.Initial;

    public JsonObject Final => States.Final;

    public ArmCounters Arm => Traffic.Arm;

    public IReadOnlyList<RequestRecord> Requests => Traffic.Requests;

    /// <summary>Every change of a route table's applied routes (the emulator's data plane), for checks of what traffic followed.</summary>
    public IReadOnlyList<RouteCommit> RouteHistory { get; init; } = [];

    /// <summary>With a witness, every span in which a watcher held a cluster's lease.</summary>
    public IReadOnlyList<LeaseSpan> Leases { get; init; } = [];

    /// <summary>Every change of a public IP's holder (the emulator's data plane), for checks of where the outside world's traffic went.</summary>
    public IReadOnlyList<PublicIpCommit> PublicIpHistory { get; init; } = [];

    /// <summary>Scenario time as the report writes it, <c>hh:mm:ss</c>.</summary>
    public static string Time(TimeSpan t) => TimeSpan.FromSeconds(Math.Round(Math.Max(0, t.TotalSeconds))).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture);

    /// <summary>Scenario time of <paramref name="at"/>.</summary>
    public TimeSpan Since(DateTimeOffset at) => at - Start;
}
