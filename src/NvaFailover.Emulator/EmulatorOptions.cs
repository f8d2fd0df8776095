using NvaFailover.Emulator.Scenarios;
namespace NvaFailover.Emulator;

/// <summary>How the emulator behaves.</summary>
public sealed record EmulatorOptions
{
    /// <summary>Scenario seconds per real second (ignored when <see cref="Clock"/> is given).</summary>
    public double Speed { get; init; } = 1;

    /// <summary>The scenario clock; by default real time scaled by <see cref="Speed"/>. Tests pass a fake clock.</summary>
    public TimeProvider? Clock { get; init; }

    /// <summary>Latencies and write limit.</summary>
    public ArmBehaviour Arm { get; init; } = new();

    /// <summary>Page size of list answers (<c>nextLink</c> beyond it).</summary>
    public int PageSize { get; init; } = 100;

    /// <summary>Seed of the fault injector, for reproducible runs.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>
    /// The RBAC actions the caller holds (wildcards allowed, as in a role definition). A request needing any other
    /// action is refused with 403 AuthorizationFailed (LinkedAuthorizationFailed for a join on a linked resource).
    /// </summary>
    public IReadOnlyList<string> GrantedActions { get; init; } = ["*"];

    /// <summary>Resource providers every subscription answers as <c>NotRegistered</c> (all others are <c>Registered</c>).</summary>
    public IReadOnlyList<string> UnregisteredProviders { get; init; } = [];

    /// <summary>The loopback port to serve ARM on; 0 (the default) takes a free one.</summary>
    public int Port { get; init; }

    /// <summary>Keep every request in <see cref="ArmEmulator.Requests"/> (a long benchmark turns it off to measure its client's memory alone).</summary>
    public bool RecordRequests { get; init; } = true;

    /// <summary>Per-subscription token buckets (scenario time); a scenario's writesPerFiveMinutes adds Microsoft.Network's five-minute write limit.</summary>
    public ThrottleLimits Throttling { get; init; } = new();
}

/// <summary>ARM's per-subscription token buckets.</summary>
/// <param name="ReadCapacity">Read bucket size.</param>
/// <param name="ReadRefillPerSecond">Read tokens added per second.</param>
/// <param name="WriteCapacity">Write bucket size.</param>
/// <param name="WriteRefillPerSecond">Write tokens added per second.</param>
public sealed record ThrottleLimits(double ReadCapacity = 250, double ReadRefillPerSecond = 25, double WriteCapacity = 200, double WriteRefillPerSecond = 10);
