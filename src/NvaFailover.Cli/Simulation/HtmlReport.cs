using System.Globalization;
using System.Net;
using System.Text;
using NvaFailover.Cli.Output;
using NvaFailover.Time;

namespace NvaFailover.Cli.Simulation;

/// <summary>
/// The rehearsal as one self-contained HTML page (no script, no external resource, so it opens anywhere and can be
/// attached to a change request): a lane per NVA coloured by health, the active NVA, the timeline's events, each
/// failover from detection to convergence, and the tables of the report.
/// </summary>
internal static class HtmlReport
{
    public static string Build(SimulationResult result)
    {
        var html = new StringBuilder();
        var scenario = result.Scenario;
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>nvafo simulate: ").Append(E(scenario.Name)).Append("</title><style>")
            .Append("body{font:14px system-ui,sans-serif;margin:24px;color:#1b1f24;max-width:1100px}h1{font-size:20px}h2{font-size:16px;margin-top:28px}p,li{overflow-wrap:anywhere}")
            .Append("@media (max-width:600px){body{margin:12px}}svg{height:auto}.key{margin-right:8px}.swatch{display:inline-block;width:10px;height:10px}")
            // A wide table scrolls inside its own box, never the page.
            .Append("table{border-collapse:collapse;display:block;max-width:100%;overflow-x:auto}td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f6f8fa}")
            .Append(".ok{color:#1a7f37}.bad{color:#cf222e}.warn{color:#9a6700}.cards{display:flex;gap:12px;flex-wrap:wrap}.card{border:1px solid #d0d7de;border-radius:6px;padding:8px 12px}")
            .Append(".card b{display:block;font-size:20px}svg text{font:12px system-ui,sans-serif}</style></head><body>");
        html.Append("<h1>nvafo simulate: ").Append(E(scenario.Name)).Append("</h1><p>")
            .Append(E(string.Create(CultureInfo.InvariantCulture, $"{scenario.Duration:c} of scenario time at {result.Speed:0.##}x on the local ARM emulator: the real monitor and Azure adapters over HTTPS.")))
            .Append("</p>");
        Cards(html, result);
        html.Append("<h2 id=\"timeline\">Timeline</h2>");
        HtmlCharts.Timeline(html, result);
        html.Append("<p>Health lanes: ").Append(HtmlCharts.Key(HtmlCharts.Up, "up")).Append(HtmlCharts.Key(HtmlCharts.Down, "down"))
            .Append(HtmlCharts.Key(HtmlCharts.Unknown, "unknown (the probe could not observe the NVA; never treated as down)"))
            .Append(". Active lane: the NVA the routes point at, in that NVA's colour (the swatch beside its name); striped while the routes are on the new NVA and its public IP is still moving (routes move first; the public IP needs a detach and an attach). ")
            .Append("Below them each failover: ").Append(HtmlCharts.Key(HtmlCharts.Down, "fault")).Append(HtmlCharts.Key(HtmlCharts.Detected, "detected, with the seconds since the fault"))
            .Append(HtmlCharts.Key(HtmlCharts.RoutesMoved, "routes moved")).Append(HtmlCharts.Key(HtmlCharts.PublicIpsMoved, "public IPs moved, each with the seconds since detection"))
            .Append(HtmlCharts.Key(HtmlCharts.Verified, "verified on the data plane (effective routes)"))
            .Append(". Dashed lines: the scenario's events.</p>");
        Failovers(html, result);
        html.Append("<h2 id=\"arm\">ARM traffic</h2>");
        HtmlCharts.Traffic(html, result);
        Arm(html, result);
        Changes(html, result);
        Preflight(html, result);
        html.Append("</body></html>");
        return html.ToString();
    }

    private static void Cards(StringBuilder html, SimulationResult result)
    {
        var converged = result.Failovers.Where(f => f.ConvergedAt is not null).ToList();
        var detection = result.Failovers.Where(f => f.FaultAt is not null).Select(f => f.DetectedAt - f.FaultAt!.Value).ToList();
        html.Append("<div class=\"cards\">");
        Card(html, "failovers", result.Failovers.Count.ToString(CultureInfo.InvariantCulture));
        Card(html, "converged", $"{converged.Count} of {result.Failovers.Count}", converged.Count == result.Failovers.Count ? "ok" : "bad");
        Card(html, "slowest detection", detection.Count == 0 ? "-" : Seconds.Text(detection.Max()));
        Card(html, "slowest convergence", converged.Count == 0 ? "-" : Seconds.Text(converged.Max(f => f.ConvergedAt!.Value - f.DetectedAt)));
        Card(html, "ARM writes", result.Arm.Writes.ToString(CultureInfo.InvariantCulture));
        Card(html, "throttled", result.Arm.Throttled.ToString(CultureInfo.InvariantCulture), result.Arm.Throttled == 0 ? "ok" : "warn");
        html.Append("</div>");
    }

    private static void Card(StringBuilder html, string label, string value, string? css = null) =>
        html.Append("<div class=\"card\"><b").Append(css is null ? "" : $" class=\"{css}\"").Append('>').Append(E(value)).Append("</b>").Append(E(label)).Append("</div>");

    private static void Failovers(StringBuilder html, SimulationResult result)
    {
        if (!Table(html, "failovers", "Failovers", result.Failovers.Count, "<p>No failover happened.</p>", "cluster", "from &rarr; to", "reason", "fault", "detected", "routes", "public IPs", "outcome"))
        {
            return;
        }

        foreach (var f in result.Failovers)
        {
            var outcome = (f.ConvergedAt is { } c ? $"converged {SimulationResult.Time(c)} (+{Seconds.Text(c - f.DetectedAt)})" : f.StatusWord)
                + (f.VerifiedAt is { } v ? $", verified {SimulationResult.Time(v)}" : f.Unverified.Count > 0 ? ", NOT verified" : "");
            var details = string.Join("<br>", f.NotMoved.Select(n => E($"not moved: {n.ResourceId}: {n.Message}")).Concat(f.Pending.Select(p => E($"pending: {p}")))
                .Concat(f.Unverified.Select(u => E($"unverified: {u}"))));
            html.Append("<tr><td>").Append(E(f.Cluster)).Append("</td><td>").Append(E(f.From)).Append(" &rarr; ").Append(E(f.To)).Append("</td><td>").Append(E(f.Reason))
                .Append("</td><td>").Append(f.FaultAt is { } fault ? SimulationResult.Time(fault) : "").Append("</td><td>").Append(SimulationResult.Time(f.DetectedAt))
                .Append(f.FaultAt is { } at ? E($" (+{Seconds.Text(f.DetectedAt - at)})") : "").Append("</td><td>").Append(E(RoundText.Count(f.RoutesChanged, "route")))
                .Append(f.RoutesConvergedAt is { } r ? $" by {SimulationResult.Time(r)}" : "").Append("</td><td>").Append(f.PublicIpsMoved)
                .Append(f.PublicIpsConvergedAt is { } p ? $" by {SimulationResult.Time(p)}" : "").Append("</td><td class=\"").Append(f.ConvergedAt is null ? "bad" : "ok").Append("\">")
                .Append(E(outcome)).Append(details.Length == 0 ? "" : "<br>" + details).Append("</td></tr>");
        }

        html.Append("</table>");
    }

    private static void Preflight(StringBuilder html, SimulationResult result)
    {
        if (!Table(html, "preflight", "Preflight (what nvafo check says)", result.Preflight.Count, "<p class=\"ok\">No findings.</p>", "severity", "resource", "message"))
        {
            return;
        }

        foreach (var f in result.Preflight)
        {
            html.Append("<tr><td class=\"").Append(f.SeverityWord switch { "ERROR" => "bad", "WARN" => "warn", _ => "" }).Append("\">").Append(f.SeverityWord)
                .Append("</td><td>").Append(E(f.ResourceId)).Append("</td><td>").Append(E(f.Message)).Append("</td></tr>");
        }

        html.Append("</table>");
    }

    private static void Arm(StringBuilder html, SimulationResult result)
    {
        var arm = result.Arm;
        html.Append("<p>").Append(E($"{RoundText.Count(arm.Reads, "read")}, {RoundText.Count(arm.Writes, "write")}, {arm.Throttled} throttled, {RoundText.Count(arm.Conflicts, "conflict")}, {arm.Failed} failed."))
            .Append("</p><table><tr><th>operation</th><th>requests</th></tr>");
        foreach (var (operation, count) in arm.ByOperation)
        {
            html.Append("<tr><td>").Append(E(operation)).Append("</td><td>").Append(count).Append("</td></tr>");
        }

        html.Append("</table>");
    }

    private static void Changes(StringBuilder html, SimulationResult result)
    {
        var changes = TopologyDiff.Between(result.Initial, result.Final);
        if (!Table(html, "changes", "What changed", changes.Count, "<p>Nothing: every route table, NIC and public IP is as it was at the start.</p>", "resource", "property", "at the start", "at the end"))
        {
            return;
        }

        foreach (var c in changes)
        {
            html.Append("<tr><td>").Append(E(c.Resource)).Append("</td><td>").Append(E(c.Path)).Append("</td><td>").Append(E(c.Before ?? "(absent)"))
                .Append("</td><td>").Append(E(c.After ?? "(absent)")).Append("</td></tr>");
        }

        html.Append("</table>");
    }

    /// <summary>A section's heading and, when it has rows, its table's header (true); otherwise what to say instead (false).</summary>
    private static bool Table(StringBuilder html, string id, string title, int rows, string none, params string[] columns)
    {
        html.Append("<h2 id=\"").Append(id).Append("\">").Append(title).Append("</h2>");
        if (rows == 0)
        {
            html.Append(none);
            return false;
        }

        html.Append("<table><tr>").AppendJoin("", columns.Select(c => $"<th>{c}</th>")).Append("</tr>");
        return true;
    }

    private static string E(string? text) => WebUtility.HtmlEncode(text ?? "");
}
