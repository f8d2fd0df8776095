using System.Text.Json.Nodes;

namespace NvaFailover.Cli.Tests;

/// <summary>A scenario built from the built-in one, run through <c>nvafo simulate --json -</c>.</summary>
public sealed class Rehearsal
{
    private Rehearsal(JsonObject scenario) => Scenario = scenario;

    public JsonObject Scenario { get; }

    public JsonObject Cluster => Scenario["settings"]!["Clusters"]![0]!.AsObject();

    public JsonObject ProbeSettings => Cluster["Probe"]!.AsObject();

    /// <summary>The built-in SD-WAN pair (src/NvaFailover.Cli/Scenarios/default.json), to edit.</summary>
    public static Rehearsal BuiltIn() =>
        new(JsonNode.Parse(File.ReadAllText(Repository.File("src", "NvaFailover.Cli", "Scenarios", "default.json")))!.AsObject());

    public Rehearsal Timeline(string duration, params JsonObject[] events)
    {
        Scenario["timeline"] = new JsonArray([.. events]);
        Scenario["duration"] = duration;
        return this;
    }

    public static JsonObject Event(string at, string action, string? vm = null)
    {
        var e = new JsonObject { ["at"] = at, ["do"] = action };
        if (vm is not null)
        {
            e["vm"] = vm;
        }

        return e;
    }

    /// <summary>Runs the scenario; the report, or a failed assertion with nvafo's output.</summary>
    public async Task<(JsonObject Report, CliHarness.Result Result)> RunAsync(double speed = 50, params string[] extra)
    {
        var path = Path.Combine(Path.GetTempPath(), $"nvafo-rehearsal-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, Scenario.ToJsonString());
        try
        {
            var result = await CliHarness.RunAsync(["simulate", "--scenario", path, "--json", "-", "--speed", speed.ToString(System.Globalization.CultureInfo.InvariantCulture), .. extra]);
            Assert.True(result.Code == 0, result.ToString());
            return (JsonNode.Parse(result.Out)!.AsObject(), result);
        }
        finally
        {
            File.Delete(path);
        }
    }

    public static IEnumerable<JsonObject> Failovers(JsonObject report) => report["failovers"]!.AsArray().Select(f => f!.AsObject());

    public static IEnumerable<JsonObject> Rounds(JsonObject report) => report["cycles"]!.AsArray().Select(c => c!.AsObject());

    /// <summary>No round ended in error; otherwise a failure naming when, with nvafo's log to say why.</summary>
    public static void AssertNoErrorRounds(JsonObject report, CliHarness.Result run)
    {
        var errors = Rounds(report).Where(r => r["action"]!.GetValue<string>() == "error").Select(r => r["at"]!.GetValue<string>()).ToList();
        Assert.True(errors.Count == 0, $"error rounds at {string.Join(", ", errors)}\n{run.Err}");
    }

    public static string Health(JsonObject round, string nva) => round["health"]![nva]!.GetValue<string>();

    /// <summary>
    /// A report time for an event the timeline schedules at <paramref name="scheduled"/>: the report states when the event
    /// took effect, which on a loaded machine is a moment later in scaled time (at 50x, 20 ms of real lateness is a
    /// second of scenario time): never earlier, and less than 10 s later (a third of the timer's period).
    /// </summary>
    public static void AssertHappenedAt(string scheduled, string reported)
    {
        var late = TimeSpan.Parse(reported, System.Globalization.CultureInfo.InvariantCulture) - TimeSpan.Parse(scheduled, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(late >= TimeSpan.Zero && late < TimeSpan.FromSeconds(10), $"reported {reported} for an event scheduled at {scheduled}");
    }
}
