using System.Text.Json.Nodes;
using NvaFailover.Decisions;
using NvaFailover.Monitoring;
using NvaFailover.Probing;
using NvaFailover.Time;

namespace NvaFailover.Cli.Output;

/// <summary>How rounds and plans read on a terminal and in JSON: one home for the words every command uses.</summary>
internal static class RoundText
{
    public static string Action(RoundAction action) => action.ToString().ToLowerInvariant();

    public static string Reason(FailoverReason? reason) => reason switch
    {
        FailoverReason.ActiveDown => "activeDown",
        FailoverReason.Preempt => "preempt",
        FailoverReason.Switchover => "switchover",
        _ => "",
    };

    /// <summary><c>a=up b=down</c>.</summary>
    public static string Health(RoundReport report) => Words.Of(report.Health, " ");

    /// <summary><c>{"a": "up", "b": "unknown"}</c>.</summary>
    public static JsonObject HealthJson(IEnumerable<NvaHealth> health) =>
        new(health.Select(h => KeyValuePair.Create(h.Nva, (JsonNode?)h.Word)));

    public static string Count(int n, string what) => $"{n} {what}{(n == 1 ? "" : "s")}";

    /// <summary>One round in a line (and a line per failed write or item left behind).</summary>
    public static string Summary(RoundReport report)
    {
        var text = $"{report.Cluster}: {Action(report.Action)}{(report.DryRun && report.Plan is { IsEmpty: false } ? " (dry run)" : "")}, active {report.Active ?? "(none)"}, health {Health(report)}";
        if (report.ActiveBefore != report.Active && report.Action is RoundAction.Failover or RoundAction.Failback or RoundAction.Switchover)
        {
            text += $"; {report.ActiveBefore} -> {report.Active} ({Reason(report.Reason)})";
        }

        if (report.Writes > 0)
        {
            text += $"; {Count(report.RoutesChanged, "route")}, {Count(report.PublicIpsMoved, "public IP")}, {Count(report.Writes, "write")}";
            if (report.Convergence is { } convergence)
            {
                text += $" in {Seconds.Text(convergence)}";
            }
        }

        if (report.Execution is { Superseded: true })
        {
            text += "; superseded by a later decision";
        }

        if (report.Error is not null)
        {
            text += $"; {report.Error}";
        }

        foreach (var failed in report.Outcomes.Where(o => o.Failed))
        {
            text += $"{Environment.NewLine}  write to {failed.ResourceId} failed: {failed.Status} {failed.ErrorCode} {failed.ErrorMessage}";
        }

        foreach (var left in report.NotMoved)
        {
            text += $"{Environment.NewLine}  not moved: {left.ResourceId}: {left.Message}";
        }

        foreach (var reason in report.CannotFailOver)
        {
            text += $"{Environment.NewLine}  CANNOT FAIL OVER: {reason}";
        }

        return text;
    }

    /// <summary>A plan as JSON: what would change, and why.</summary>
    public static JsonObject PlanJson(RoundReport report) => new()
    {
        ["cluster"] = report.Cluster,
        ["health"] = HealthJson(report.Health),
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
        ["notMoved"] = FindingsJson(report.NotMoved),
        ["findings"] = FindingsJson(report.Findings.Except(report.NotMoved)),
        ["cannotFailOver"] = new JsonArray([.. report.CannotFailOver.Select(r => (JsonNode)r)]),
        ["error"] = report.Error,
    };

    /// <summary>True when a round failed, a write did not go through, or the cluster cannot fail over: what a command's exit code says.</summary>
    public static bool NeedsAttention(RoundReport report) => report.Failed || report.CannotFailOver.Count > 0;

    public static JsonArray FindingsJson(IEnumerable<Topology.Finding> findings) =>
        new([.. findings.Select(f => (JsonNode)new JsonObject
        {
            ["severity"] = f.SeverityWord,
            ["resourceId"] = f.ResourceId,
            ["message"] = f.Message,
        })]);
}
