using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using NvaFailover.Cli.Hosting;
using NvaFailover.Cli.Simulation;
using NvaFailover.Emulator.Scenarios;

namespace NvaFailover.Bench;

/// <summary>Runs NvaFailover itself: a scenario through the rehearsal engine of 'nvafo simulate' (real monitor and adapters, HTTPS).</summary>
internal static class Ours
{
    public static async Task<SimulationResult> RehearseAsync(JsonObject json, double speed)
    {
        var scenario = Scenario.Parse(json.ToJsonString(), json["name"]!.GetValue<string>());
        var settings = ScenarioSettings.Read(scenario, scenario.Name);
        using var quiet = new StringWriter();
        return await SimulationRunner.RehearseAsync(scenario, settings, speed, new CliConsole(quiet, quiet, TextReader.Null, true), LogLevel.None, CancellationToken.None);
    }
}

/// <summary>Order statistics of a sample.</summary>
internal static class Stats
{
    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToList();
        var rank = p / 100 * (sorted.Count - 1);
        var low = (int)Math.Floor(rank);
        var high = (int)Math.Ceiling(rank);
        return sorted[low] + ((sorted[high] - sorted[low]) * (rank - low));
    }
}
