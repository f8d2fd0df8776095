using System.Text.Json;
using System.Text.Json.Nodes;

namespace NvaFailover.Emulator.Scenarios;

/// <summary>
/// A scenario file (see the simulation contract): a topology the emulator serves, the NvaFailover settings to run
/// against it, ARM latencies and limits, a timeline of events and a duration. The topology is kept as JSON so that
/// every property, known or not, survives to the report.
/// </summary>
public sealed class Scenario
{
    /// <summary>Power states a scenario can give a VM.</summary>
    internal static readonly string[] PowerStates = ["running", "starting", "stopping", "stopped", "deallocating", "deallocated"];

    /// <summary>Route next hop types.</summary>
    internal static readonly string[] NextHopTypes = ["VirtualNetworkGateway", "VnetLocal", "Internet", "VirtualAppliance", "None"];

    /// <summary>Timeline actions.</summary>
    public static readonly IReadOnlySet<string> Actions = new HashSet<string>(StringComparer.Ordinal)
        { "powerOff", "start", "deallocate", "probeDown", "probeUp", "stopForwarding", "startForwarding", "canaryDown", "canaryUp", "armFaults", "editRoute", "editNic", "untagRouteTable", "deleteRouteTable", "killWatcher", "switchover" };

    private Scenario(string name, JsonObject topology, JsonObject? settings, ArmBehaviour arm, IReadOnlyList<TimelineEvent> timeline, TimeSpan duration, int watchers)
    {
        Watchers = watchers;
        Name = name;
        Topology = topology;
        Settings = settings;
        Arm = arm;
        Timeline = timeline;
        Duration = duration;
    }

    /// <summary>Scenario name.</summary>
    public string Name { get; }

    /// <summary>The topology: <c>virtualMachines</c>, <c>publicIPAddresses</c>, <c>routeTables</c>.</summary>
    public JsonObject Topology { get; }

    /// <summary>The NvaFailover settings section, if given.</summary>
    public JsonObject? Settings { get; }

    /// <summary>Latencies and limits.</summary>
    public ArmBehaviour Arm { get; }

    /// <summary>Events in time order.</summary>
    public IReadOnlyList<TimelineEvent> Timeline { get; }

    /// <summary>How long the scenario runs.</summary>
    public TimeSpan Duration { get; }

    /// <summary>How many failover hosts run at once (1 or 2; two share the settings' witness, one leading each cluster).</summary>
    public int Watchers { get; }

    /// <summary>Reads and checks a scenario file.</summary>
    /// <exception cref="ScenarioException">The file cannot be read or is invalid; the message names the file, the JSON path and the problem.</exception>
    public static Scenario Load(string path) => ScenarioReader.Load(path);

    /// <summary>Parses and checks scenario JSON; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="ScenarioException">The JSON is invalid.</exception>
    public static Scenario Parse(string json, string source) => ScenarioReader.Parse(json, source);

    internal static Scenario Create(string name, JsonObject topology, JsonObject? settings, ArmBehaviour arm, IReadOnlyList<TimelineEvent> timeline, TimeSpan duration, int watchers = 1) =>
        new(name, topology, settings, arm, timeline, duration, watchers);
}

/// <summary>One timeline event.</summary>
/// <param name="At">Scenario time.</param>
/// <param name="Do">The action.</param>
/// <param name="Data">The event as written.</param>
/// <param name="Path">Its JSON path, for messages.</param>
public sealed record TimelineEvent(TimeSpan At, string Do, JsonObject Data, string Path)
{
    /// <summary>A string field of the event.</summary>
    public string? this[string key] => Data[key]?.GetValueKind() == JsonValueKind.String ? Data[key]!.GetValue<string>() : null;
}

/// <summary>ARM latencies (scenario time) and limits.</summary>
public sealed record ArmBehaviour
{
    /// <summary>Latency of every read.</summary>
    public TimeSpan ReadLatency { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a route table PUT stays Updating.</summary>
    public TimeSpan RouteTableWriteLatency { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a NIC PUT stays Updating.</summary>
    public TimeSpan NetworkInterfaceWriteLatency { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a VM power action takes.</summary>
    public TimeSpan VirtualMachineActionLatency { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long reading a NIC's effective routes (a long-running operation) takes.</summary>
    public TimeSpan EffectiveRoutesLatency { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>When set, Microsoft.Network's limit: at most this many writes per subscription in any five minutes, besides the write bucket.</summary>
    public int? WritesPerFiveMinutes { get; init; }
}

/// <summary>One problem of a scenario file.</summary>
/// <param name="Path">JSON path.</param>
/// <param name="Message">What is wrong.</param>
public sealed record ScenarioProblem(string Path, string Message);

/// <summary>A scenario file that cannot be read or is invalid.</summary>
public sealed class ScenarioException : Exception
{
    /// <summary>Input echoed in a message: control characters escaped (no forged lines), a quoted value over 200 characters cut.</summary>
    private static string Printable(string text) =>
        System.Text.RegularExpressions.Regex.Replace(
            System.Text.RegularExpressions.Regex.Replace(text, "'([^']{200})[^']+'", m => $"'{m.Groups[1].Value}... ({m.Length - 2:N0} characters in all)'"),
            "[\\p{Cc}\u2028\u2029]", m => m.Value switch { "\n" => "\\n", "\r" => "\\r", "\t" => "\\t", _ => $"\\u{(int)m.Value[0]:x4}" });

    /// <summary>Creates the exception.</summary>
    public ScenarioException(string source, IReadOnlyList<ScenarioProblem> problems)
        : base($"Scenario file {source} is invalid:{Environment.NewLine}{string.Join(Environment.NewLine, problems.Select(p => $" - {Printable(p.Path)} {Printable(p.Message)}"))}")
    {
        Source = source;
        Problems = problems;
    }

    /// <summary>Creates the exception.</summary>
    public ScenarioException() : this("(unknown)", [])
    {
    }

    /// <summary>Creates the exception.</summary>
    public ScenarioException(string message) : this(message, [])
    {
    }

    /// <summary>Creates the exception.</summary>
    public ScenarioException(string message, Exception innerException) : base(message, innerException)
    {
        Source = "(unknown)";
        Problems = [];
    }

    /// <summary>The file.</summary>
    public new string Source { get; }

    /// <summary>Every problem found.</summary>
    public IReadOnlyList<ScenarioProblem> Problems { get; }
}
