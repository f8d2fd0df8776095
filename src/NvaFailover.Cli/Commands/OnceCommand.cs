using System.CommandLine;
using NvaFailover.Cli.Hosting;
using NvaFailover.Cli.Output;
using NvaFailover.Monitoring;

namespace NvaFailover.Cli.Commands;

/// <summary><c>nvafo once</c>: one round of every cluster, waiting for its writes.</summary>
internal static class OnceCommand
{
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var command = new Command("once", """
            Run one round of every cluster (probe, decide, and write if a failover is needed, waiting for the writes)
            and exit. Exit code 1 when a round failed, a write did not go through, or a cluster cannot fail over (an NVA
            whose VM or interfaces could not be read; the reason is printed).

            Example:
              nvafo once --settings appsettings.json
            """);
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var host = CliHost.Build(parse, global, console);
            if (host is null)
            {
                return ExitCodes.BadInput;
            }

            var reports = await host.Get<FailoverMonitor>().RunRoundAsync(RoundRequest.Timer, cancellationToken);
            foreach (var report in reports)
            {
                await console.Out.WriteLineAsync(RoundText.Summary(report));
            }

            return reports.Any(RoundText.NeedsAttention) ? ExitCodes.Failed : ExitCodes.Ok;
        });
        return command;
    }
}
