using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NvaFailover.Azure;
using NvaFailover.Cli.Hosting;
using NvaFailover.Cli.Output;
using NvaFailover.Decisions;
using NvaFailover.Monitoring;
using NvaFailover.Time;

namespace NvaFailover.Cli.Commands;

/// <summary><c>nvafo run</c>: the monitor as a long-running process, on the timer schedule, as the Functions app runs it.</summary>
internal static class RunCommand
{
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var command = new Command("run", """
            Run the monitor as a long-running process (container, VM, on-premises) on the Schedule setting, until Ctrl+C
            or SIGTERM (exit 0; a failover's writes in flight are finished first). It does what the Functions app does:
            each timer tick starts an invocation that probes every Probe:Interval until the next tick.
            Run one of them per set of clusters, not both.

            Example:
              nvafo run --settings /etc/nvafo/appsettings.json
            """);
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var host = CliHost.Build(parse, global, console, logLevel: LogLevel.Information, telemetry: AzureMonitorSignals.All);
            if (host is null)
            {
                return ExitCodes.BadInput;
            }

            var monitor = host.Get<FailoverMonitor>();
            var time = host.Get<TimeProvider>();
            var schedule = host.Options.Schedule;
            var telemetry = host.Telemetry == AzureMonitorSignals.None
                ? $"telemetry to standard error only (set {NvaFailoverAzureMonitorExtensions.ConnectionStringSetting} to send it to Application Insights)"
                : "logs, metrics and traces to Application Insights";
            await console.Out.WriteLineAsync($"nvafo run: {RoundText.Count(host.Options.Clusters.Count, "cluster")}, schedule '{schedule.Expression}', {host.Get<AzureConnection>().CredentialDescription}, {telemetry}. Ctrl+C to stop.");
            try
            {
                while (true)
                {
                    foreach (var report in await monitor.RunInvocationAsync(cancellationToken))
                    {
                        if (report.Action != RoundAction.None || report.Failed)
                        {
                            await console.Out.WriteLineAsync($"{time.GetUtcNow():u} {RoundText.Summary(report)}");
                        }
                    }

                    // As the Functions timer: the next occurrence after the invocation ended.
                    await time.DelayUntilAsync(schedule.Next(time.GetUtcNow()), cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                if (monitor.InFlight.Count > 0)
                {
                    await console.Out.WriteLineAsync($"nvafo run: stopping; waiting for the writes of {string.Join(", ", monitor.InFlight.Select(f => f.Report.Cluster))} to finish (Ctrl+C again to stop at once).");
                    await monitor.WhenIdleAsync();
                }

                // With a witness, a standby watcher leads at once instead of after the lease lapses.
                await monitor.ReleaseLeasesAsync(CancellationToken.None);

                await console.Out.WriteLineAsync("nvafo run: stopped.");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
