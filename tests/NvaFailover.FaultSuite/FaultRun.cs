using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using NvaFailover.Cli.Hosting;
using NvaFailover.Cli.Simulation;
using NvaFailover.Emulator.Scenarios;

namespace NvaFailover.FaultSuite;

/// <summary>One seed: its scenario, what the rehearsal did, and the invariants it broke.</summary>
/// <param name="Seed">The seed.</param>
/// <param name="ScenarioJson">The generated scenario (what to pass to 'nvafo simulate --scenario' to replay it).</param>
/// <param name="Truth">What the generator knows.</param>
/// <param name="Result">The rehearsal.</param>
/// <param name="Violations">Each invariant broken, in words.</param>
internal sealed record FaultRun(int Seed, JsonObject ScenarioJson, GroundTruth Truth, SimulationResult Result, IReadOnlyList<string> Violations)
{
    /// <summary>Faults the timeline injected: NVA failure episodes, ARM fault windows, outside edits, tables untagged or deleted, watcher kills, aimed faults.</summary>
    public int FaultsInjected => Truth.Down.Count + Truth.ArmFaultWindows + Result.Events.Count(e => e.Event.Do is "editRoute" or "editNic") + Truth.ReleasedIn(Result).Count + Truth.Kills.Count + Truth.AimedFaults;

    /// <summary>Failovers the rehearsal reported.</summary>
    public int Failovers => Result.Failovers.Count;

    /// <summary>Generates seed <paramref name="seed"/>'s scenario, plays it at <paramref name="speed"/> and checks the invariants.</summary>
    public static async Task<FaultRun> RunAsync(int seed, double speed, CancellationToken cancellationToken = default)
    {
        var (json, truth) = ScenarioGenerator.Generate(seed);
        var scenario = Scenario.Parse(json.ToJsonString(), $"fault suite seed {seed}");
        var settings = ScenarioSettings.Read(scenario, scenario.Name);
        using var quiet = new StringWriter();
        var console = new CliConsole(quiet, quiet, TextReader.Null, InputRedirected: true);
        var rehearsal = SimulationRunner.RehearseAsync(scenario, settings, speed, console, LogLevel.None, cancellationToken);

        // A rehearsal that does not end is a hang somewhere in NvaFailover or the emulator: a violation, never a stuck suite.
        var patience = TimeSpan.FromSeconds(30) + ((TimeSpan.Parse(json["duration"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) / speed) * 10);
        if (await Task.WhenAny(rehearsal, Task.Delay(patience, TimeProvider.System, cancellationToken)) != rehearsal)
        {
            throw new TimeoutException($"seed {seed}: the rehearsal did not end within {patience.TotalSeconds:0} s of wall time (a hang); replay its scenario with 'nvafo simulate --verbose'");
        }

        var result = await rehearsal;
        return new FaultRun(seed, json, truth, result, Invariants.Check(truth, result));
    }

    /// <summary>Writes the scenario to <paramref name="folder"/> and returns its path: replay with 'nvafo simulate --scenario'.</summary>
    public string SaveScenario(string folder)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"fault-suite-seed-{Seed}.json");
        File.WriteAllText(path, ScenarioJson.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

        // What this run did, beside it: a replay need not take the same turns (timing, injected faults).
        using var report = new StringWriter();
        TimelineText.PrintAsync(report, Result).GetAwaiter().GetResult();
        File.WriteAllText(Path.ChangeExtension(path, ".txt"), $"{string.Join(Environment.NewLine, Violations)}{Environment.NewLine}{Environment.NewLine}{report}");
        return path;
    }
}
