using System.CommandLine;
using NvaFailover.Monitoring;
using NvaFailover.Scheduling;

namespace NvaFailover.Cli.Commands;

/// <summary><c>nvafo run</c>: the monitor as a long-running process.</summary>
internal static class RunCommand
{
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var command = new Command("run", """
            Run the monitor as a long-running process (container, VM, on-premises) on the Schedule setting, until Ctrl+C.
            It does what the Functions app does; run one of them per set of clusters, not both.

            Example:
              nvafo run --settings /etc/nvafo/appsettings.json
            """);
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var host = CliHost.Build(parse, global, console, logLevel: Microsoft.Extensions.Logging.LogLevel.Information);
            if (host is null)
            {
                return NvafoCli.BadInput;
            }

            var monitor = host.Get<FailoverMonitor>();
            var time = host.Get<TimeProvider>();
            var schedule = CronSchedule.Parse(host.Options.Schedule);
            await console.Out.WriteLineAsync($"nvafo run: {host.Options.Clusters.Count} cluster(s), schedule '{schedule.Expression}', {host.Get<Azure.AzureConnection>().CredentialDescription}. Ctrl+C to stop.");
            try
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    foreach (var report in await monitor.RunInvocationAsync(cancellationToken))
                    {
                        if (report.Action != Decisions.CycleAction.None || report.Failed)
                        {
                            await console.Out.WriteLineAsync($"{time.GetUtcNow():u} {CycleText.Summary(report)}");
                        }
                    }

                    var now = time.GetUtcNow();
                    await Task.Delay(schedule.GetNextOccurrence(now) - now, time, cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await console.Out.WriteLineAsync("nvafo run: stopped.");
            }

            return NvafoCli.Ok;
        });
        return command;
    }
}

/// <summary><c>nvafo once</c>: one invocation.</summary>
internal static class OnceCommand
{
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var command = new Command("once", """
            Run one invocation (a cycle per cluster, repeated every Probe:Interval when set) and exit.
            Exit code 1 when a cycle failed or a write did not go through.

            Example:
              nvafo once --settings appsettings.json
            """);
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var host = CliHost.Build(parse, global, console);
            if (host is null)
            {
                return NvafoCli.BadInput;
            }

            var reports = await host.Get<FailoverMonitor>().RunInvocationAsync(cancellationToken);
            foreach (var report in reports)
            {
                await console.Out.WriteLineAsync(CycleText.Summary(report));
            }

            return reports.Any(r => r.Failed) ? NvafoCli.Failed : NvafoCli.Ok;
        });
        return command;
    }
}
