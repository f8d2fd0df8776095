using System.Text.Json.Nodes;
using NvaFailover.Decisions;
using NvaFailover.Monitoring;
using NvaFailover.Topology;

namespace NvaFailover.Cli.Commands;

/// <summary>How cycles and plans read on a terminal and in JSON.</summary>
internal static class CycleText
{
    public static string Action(CycleAction action) => action.ToString().ToLowerInvariant();

    public static string Reason(FailoverReason? reason) => reason switch
    {
        FailoverReason.ActiveDown => "activeDown",
        FailoverReason.Preempt => "preempt",
        FailoverReason.Switchover => "switchover",
        _ => "",
    };

    public static string Health(CycleReport report) => string.Join(" ", report.Health.Select(h => $"{h.Nva}={(h.Up ? "up" : "down")}"));

    public static string Summary(CycleReport report)
    {
        var text = $"{report.Cluster}: {Action(report.Action)}, active {report.Active ?? "(none)"}, health {Health(report)}";
        if (report.ActiveBefore != report.Active && report.Action is CycleAction.Failover or CycleAction.Failback or CycleAction.Switchover)
        {
            text += $"; {report.ActiveBefore} -> {report.Active} ({Reason(report.Reason)})";
        }

        if (report.Writes > 0)
        {
            text += $"; {Simulation.SimulationReport.Count(report.RoutesChanged, "route")}, {Simulation.SimulationReport.Count(report.PublicIpsMoved, "public IP")}, {Simulation.SimulationReport.Count(report.Writes, "write")}";
        }

        if (report.Error is not null)
        {
            text += $"; {report.Error}";
        }

        foreach (var failed in report.Outcomes.Where(o => o.Status != Ports.WriteStatus.Succeeded))
        {
            text += $"{Environment.NewLine}  write to {failed.ResourceId} failed: {failed.Status} {failed.ErrorCode} {failed.ErrorMessage}";
        }

        return text;
    }

    public static string Severity(FindingSeverity severity) => severity switch
    {
        FindingSeverity.Error => "ERROR",
        FindingSeverity.Warning => "WARN",
        _ => "INFO",
    };

    /// <summary>A plan as JSON: what would change, and why.</summary>
    public static JsonObject PlanJson(CycleReport report) => new()
    {
        ["cluster"] = report.Cluster,
        ["health"] = new JsonObject(report.Health.Select(h => KeyValuePair.Create(h.Nva, (JsonNode?)(h.Up ? "up" : "down")))),
        ["active"] = report.ActiveBefore,
        ["target"] = report.Plan?.Target,
        ["action"] = report.Plan is { IsEmpty: false } ? Action(report.Action) : "none",
        ["explanation"] = report.Explanation,
        ["routes"] = new JsonArray([.. (report.Plan?.RouteTables ?? []).SelectMany(t => t.Changes.Select(c => (JsonNode)new JsonObject
        {
            ["routeTable"] = t.Table.Id,
            ["route"] = c.RouteName,
            ["addressPrefix"] = c.AddressPrefix,
            ["from"] = c.FromIp,
            ["to"] = c.ToIp,
        }))]),
        ["publicIps"] = new JsonArray([.. (report.Plan?.PublicIpMoves ?? []).Select(m => (JsonNode)new JsonObject
        {
            ["publicIp"] = m.PublicIp.Id,
            ["address"] = m.PublicIp.IpAddress,
            ["from"] = m.FromIpConfigurationId,
            ["to"] = m.To.IpConfigurationId,
        })]),
        ["findings"] = new JsonArray([.. report.Findings.Select(f => (JsonNode)new JsonObject
        {
            ["severity"] = f.Severity.ToString().ToLowerInvariant(),
            ["resource"] = f.ResourceId,
            ["message"] = f.Message,
        })]),
        ["error"] = report.Error,
    };
}
