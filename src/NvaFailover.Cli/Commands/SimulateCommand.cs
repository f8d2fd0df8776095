using System.CommandLine;
using System.Globalization;
using NvaFailover.Cli.Hosting;
using NvaFailover.Cli.Simulation;

namespace NvaFailover.Cli.Commands;

/// <summary><c>nvafo simulate</c>: see the simulation contract.</summary>
internal static class SimulateCommand
{
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var scenario = new Option<FileInfo?>("--scenario") { Description = "A scenario file (see the README); default: the built-in SD-WAN pair" };
        var json = new Option<string?>("--json") { Description = "Write the JSON report to this file, or - for standard output" };
        var html = new Option<string?>("--html") { Description = "Write the rehearsal as a self-contained HTML page to this file" };
        var speed = new Option<double>("--speed")
        {
            Description = "Scenario seconds per wall second",
            DefaultValueFactory = _ => SimulationRunner.DefaultSpeed,
        };
        var command = new Command("simulate", """
            Rehearse failover on the local ARM emulator: the real monitor and Azure adapters, real HTTPS traffic, Azure
            replaced by the emulator on loopback, time running --speed times faster. Prints a timeline (or a JSON report,
            or an HTML page). Exit 0 when the scenario ran, whatever happened inside it; 2 when the scenario file is invalid.

            Examples:
              nvafo simulate
              nvafo simulate --scenario my-network.json --json report.json --html report.html
              nvafo simulate --json - --speed 60 | jq .failovers
            """)
        {
            scenario,
            json,
            html,
            speed,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var factor = parse.GetValue(speed);
            if (!(factor > 0 && factor <= SimulationRunner.MaxSpeed))
            {
                await console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"--speed {factor} is not valid: give scenario seconds per wall second, more than 0 and at most {SimulationRunner.MaxSpeed} (default {SimulationRunner.DefaultSpeed})."));
                return ExitCodes.BadInput;
            }

            var request = new SimulateRequest(parse.GetValue(scenario), parse.GetValue(json), parse.GetValue(html), factor, parse.GetValue(global.Verbose));
            return await SimulationRunner.RunAsync(request, console, cancellationToken);
        });
        return command;
    }
}
