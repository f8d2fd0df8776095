using System.CommandLine;
using System.Globalization;
using NvaFailover.Cli.Simulation;

namespace NvaFailover.Cli.Commands;

/// <summary><c>nvafo simulate</c>: see the simulation contract.</summary>
internal static class SimulateCommand
{
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var scenario = new Option<FileInfo?>("--scenario") { Description = "A scenario file (see the README); default: the built-in SD-WAN pair" };
        var json = new Option<string?>("--json") { Description = "Write the JSON report to this file, or - for standard output" };
        var speed = new Option<double>("--speed")
        {
            Description = "Scenario seconds per wall second",
            DefaultValueFactory = _ => SimulationRunner.DefaultSpeed,
        };
        var command = new Command("simulate", """
            Rehearse failover on the local ARM emulator: the real monitor and Azure adapters, real HTTPS traffic, Azure
            replaced by the emulator on loopback, time running --speed times faster. Prints a timeline (or a JSON report).
            Exit 0 when the scenario ran, whatever happened inside it; 2 when the scenario file is invalid.

            Examples:
              nvafo simulate
              nvafo simulate --scenario my-network.json --json report.json
              nvafo simulate --json - --speed 60 | jq .failovers
            """)
        {
            scenario,
            json,
            speed,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var factor = parse.GetValue(speed);
            if (!(factor > 0 && factor <= 1000))
            {
                await console.Error.WriteLineAsync($"--speed {factor.ToString(CultureInfo.InvariantCulture)} is not valid: give scenario seconds per wall second, more than 0 and at most 1000 (default {SimulationRunner.DefaultSpeed}).");
                return NvafoCli.BadInput;
            }

            return await SimulationRunner.RunAsync(parse.GetValue(scenario), parse.GetValue(json), factor, parse.GetValue(global.Verbose), console, cancellationToken);
        });
        return command;
    }
}
