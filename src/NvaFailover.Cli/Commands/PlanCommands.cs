using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using NvaFailover.Decisions;
using NvaFailover.Monitoring;
using Spectre.Console;

namespace NvaFailover.Cli.Commands;

/// <summary><c>nvafo plan</c>: read-only; what a cycle would change right now.</summary>
internal static class PlanCommand
{
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var json = new Option<bool>("--json") { Description = "Write the plan as JSON instead of a table" };
        var command = new Command("plan", """
            Show what a cycle would change right now, and why, without writing anything:
            cluster, route table, route, next hop old -> new; public IP from -> to.

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
                return NvafoCli.BadInput;
            }

            var reports = await host.Get<FailoverMonitor>().RunCycleAsync(new CycleRequest(ReadOnly: true), cancellationToken);
            if (parse.GetValue(json))
            {
                await console.Out.WriteLineAsync(new JsonArray([.. reports.Select(r => (JsonNode)CycleText.PlanJson(r))]).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                Print(console, reports);
            }

            return reports.Any(r => r.Action == CycleAction.Error) ? NvafoCli.Failed : NvafoCli.Ok;
        });
        return command;
    }

    public static void Print(CliConsole console, IEnumerable<CycleReport> reports)
    {
        var rich = console.Rich();
        foreach (var report in reports)
        {
            rich.WriteLine($"Cluster {report.Cluster}: {report.Explanation} (health {CycleText.Health(report)})");
            if (report.Error is not null)
            {
                rich.WriteLine($"  cannot plan: {report.Error}");
                continue;
            }

            if (report.Plan is null || report.Plan.IsEmpty)
            {
                rich.WriteLine("  nothing to change.");
            }
            else
            {
                var table = new Table().Border(TableBorder.Simple).AddColumns("route table", "route", "prefix", "next hop");
                foreach (var t in report.Plan.RouteTables)
                {
                    foreach (var c in t.Changes)
                    {
                        table.AddRow(Markup.Escape(t.Table.Id.Split('/')[^1]), Markup.Escape(c.RouteName), Markup.Escape(c.AddressPrefix ?? ""), Markup.Escape($"{c.FromIp} -> {c.ToIp}"));
                    }
                }

                foreach (var m in report.Plan.PublicIpMoves)
                {
                    table.AddRow(Markup.Escape($"public IP {m.PublicIp.Id.Split('/')[^1]}"), "", Markup.Escape(m.PublicIp.IpAddress ?? ""),
                        Markup.Escape($"{Short(m.FromIpConfigurationId)} -> {Short(m.To.IpConfigurationId)}"));
                }

                rich.Write(table);
            }

            foreach (var finding in report.Findings)
            {
                rich.WriteLine($"  {CycleText.Severity(finding.Severity)} {finding.ResourceId}: {finding.Message}");
            }
        }
    }

    private static string Short(string? ipConfigurationId) =>
        ipConfigurationId is null ? "(unattached)" : string.Join('/', ipConfigurationId.Split('/')[^3], ipConfigurationId.Split('/')[^1]);
}

/// <summary><c>nvafo switchover</c>: a planned, operator-requested move.</summary>
internal static class SwitchoverCommand
{
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var cluster = new Option<string>("--cluster") { Description = "The cluster", Required = true };
        var to = new Option<string>("--to") { Description = "The NVA (VM name) to make active; it must be healthy", Required = true };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation" };
        var command = new Command("switchover", """
            Move a cluster's routes and public IPs to a named, healthy NVA (planned maintenance).
            Shows the plan and asks for confirmation unless --yes is given. Refused when the target is down.

            Example:
              nvafo switchover --cluster vmx --to vmx-b --yes
            """)
        {
            cluster,
            to,
            yes,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var host = CliHost.Build(parse, global, console);
            if (host is null)
            {
                return NvafoCli.BadInput;
            }

            var target = parse.GetRequiredValue(to);
            if (host.FindCluster(parse.GetRequiredValue(cluster), console) is not { Name: var name })
            {
                return NvafoCli.BadInput;
            }

            var monitor = host.Get<FailoverMonitor>();
            var preview = await monitor.RunCycleAsync(name, new CycleRequest(ReadOnly: true, SwitchoverTo: target), cancellationToken);
            if (preview.Error is not null)
            {
                await console.Error.WriteLineAsync($"Switchover of {name} to {target} refused: {preview.Error}");
                return NvafoCli.Failed;
            }

            PlanCommand.Print(console, [preview]);
            if (preview.Plan is null || preview.Plan.IsEmpty)
            {
                await console.Out.WriteLineAsync($"{target} is already active; nothing to do.");
                return NvafoCli.Ok;
            }

            if (!parse.GetValue(yes))
            {
                if (console.InputRedirected)
                {
                    await console.Error.WriteLineAsync("No one can confirm here (input is redirected); add --yes to switch over without asking.");
                    return NvafoCli.BadInput;
                }

                await console.Out.WriteAsync($"Switch {name} over to {target}? [y/N] ");
                var answer = await console.In.ReadLineAsync(cancellationToken);
                if (!string.Equals(answer?.Trim(), "y", StringComparison.OrdinalIgnoreCase) && !string.Equals(answer?.Trim(), "yes", StringComparison.OrdinalIgnoreCase))
                {
                    await console.Out.WriteLineAsync("Not switched over.");
                    return NvafoCli.Ok;
                }
            }

            var report = await monitor.RunCycleAsync(name, new CycleRequest(SwitchoverTo: target), cancellationToken);
            await console.Out.WriteLineAsync(CycleText.Summary(report));
            return report.Failed ? NvafoCli.Failed : NvafoCli.Ok;
        });
        return command;
    }
}
