using System.CommandLine;
using NvaFailover.Azure;
using NvaFailover.Cli.Hosting;
using NvaFailover.Cli.Output;
using NvaFailover.Preflight;
using NvaFailover.Topology;

namespace NvaFailover.Cli.Commands;

/// <summary><c>nvafo check</c>: preflight, one finding per line.</summary>
internal static class CheckCommand
{
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var command = new Command("check", """
            Preflight a deployment, reading only: settings valid; the identity can read every VM, NIC, tagged route table
            and public IP and holds every permission it will need; each cluster finds its tagged tables; every managed
            route's next hop belongs to an NVA; slot counts agree; NVA NICs forward IP; each public IP can move to the
            standby; the host's own way to Azure does not pass through an NVA. One finding per line (severity, resource,
            what to do). Exit 1 on any ERROR, 2 on invalid settings.

            Example:
              nvafo check --settings appsettings.prod.json
            """);
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var host = CliHost.Build(parse, global, console);
            if (host is null)
            {
                return ExitCodes.BadInput;
            }

            var connection = host.Get<AzureConnection>();
            await console.Out.WriteLineAsync($"INFO  endpoint {connection.Endpoints.Endpoint}: {connection.CredentialDescription}");
            if (await connection.FindUnreachableAsync(cancellationToken) is { } unreachable)
            {
                // One line that says why, rather than the same transport error once per resource.
                await console.Out.WriteLineAsync($"ERROR {connection.Endpoints.Endpoint}: {unreachable}");
                await console.Out.WriteLineAsync("check failed: Azure Resource Manager cannot be reached, so nothing else was checked.");
                return ExitCodes.Failed;
            }

            foreach (var warning in host.Settings.Warnings)
            {
                await console.Out.WriteLineAsync($"WARN  {warning.Key}: {warning.Message}");
            }

            var findings = await host.Get<PreflightCheck>().RunAsync(cancellationToken);
            foreach (var finding in findings)
            {
                await console.Out.WriteLineAsync($"{finding.SeverityWord,-5} {finding.ResourceId}: {finding.Message}");
            }

            var errors = findings.Count(f => f.Severity == FindingSeverity.Error);
            var warnings = findings.Count(f => f.Severity == FindingSeverity.Warning) + host.Settings.Warnings.Count;
            await console.Out.WriteLineAsync(errors == 0
                ? $"check passed: {RoundText.Count(host.Options.Clusters.Count, "cluster")}, {RoundText.Count(warnings, "warning")}."
                : $"check failed: {RoundText.Count(errors, "error")}, {RoundText.Count(warnings, "warning")}; a failover would not be complete until the errors are fixed.");
            return errors == 0 ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }
}
