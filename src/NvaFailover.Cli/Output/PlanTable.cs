using NvaFailover.Cli.Hosting;
using NvaFailover.Monitoring;
using NvaFailover.Resources;
using Spectre.Console;

namespace NvaFailover.Cli.Output;

/// <summary>Plans as a table: route table, route, prefix, next hop old -> new; public IP from -> to.</summary>
internal static class PlanTable
{
    public static void Print(CliConsole console, IEnumerable<RoundReport> reports)
    {
        var rich = console.Rich();
        foreach (var report in reports)
        {
            rich.WriteLine($"Cluster {report.Cluster}: {report.Explanation} (health {RoundText.Health(report)})");
            foreach (var reason in report.CannotFailOver)
            {
                rich.WriteLine($"  CANNOT FAIL OVER: {reason}");
            }

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
                        table.AddRow(Markup.Escape(ArmId.Name(t.Table.Id)), Markup.Escape(c.RouteName), Markup.Escape(c.AddressPrefix ?? ""), Markup.Escape($"{c.FromIp} -> {c.ToIp}"));
                    }
                }

                foreach (var m in report.Plan.PublicIpMoves)
                {
                    table.AddRow(Markup.Escape($"public IP {ArmId.Name(m.PublicIp.Id)}"), "", Markup.Escape(m.PublicIp.IpAddress ?? ""),
                        Markup.Escape($"{Short(m.FromIpConfigurationId)} -> {Short(m.To.IpConfigurationId)}"));
                }

                rich.Write(table);
            }

            foreach (var finding in report.Findings)
            {
                rich.WriteLine($"  {finding.SeverityWord} {finding.ResourceId}: {finding.Message}");
            }
        }
    }

    private static string Short(string? ipConfigurationId) =>
        ipConfigurationId is null ? "(unattached)" : string.Join('/', ipConfigurationId.Split('/')[^3], ipConfigurationId.Split('/')[^1]);
}
