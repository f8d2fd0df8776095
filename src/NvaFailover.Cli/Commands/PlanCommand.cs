using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using NvaFailover.Cli.Hosting;
using NvaFailover.Cli.Output;
using NvaFailover.Decisions;
using NvaFailover.Monitoring;

namespace NvaFailover.Cli.Commands;

/// <summary><c>nvafo plan</c>: read-only; what a round would change right now.</summary>
internal static class PlanCommand
{
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var json = new Option<bool>("--json") { Description = "Write the plan as JSON instead of a table" };
        var command = new Command("plan", """
            Show what a round would change right now, and why, without writing anything:
            cluster, route table, route, next hop old -> new; public IP from -> to; what could not move.
            Exit code 1 when a round failed or a cluster cannot fail over (the reason is printed).

            Examples:
              nvafo plan
              nvafo plan --json > plan.json
            """)
        {
            json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var host = CliHost.Build(parse, global, console);
            if (host is null)
            {
                return ExitCodes.BadInput;
            }

            var reports = await host.Get<FailoverMonitor>().RunRoundAsync(new RoundRequest(ReadOnly: true), cancellationToken);
            if (parse.GetValue(json))
            {
                await console.Out.WriteLineAsync(new JsonArray([.. reports.Select(r => (JsonNode)RoundText.PlanJson(r))]).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                PlanTable.Print(console, reports);
            }

            return reports.Any(r => r.Action == RoundAction.Error || r.CannotFailOver.Count > 0) ? ExitCodes.Failed : ExitCodes.Ok;
        });
        return command;
    }
}
