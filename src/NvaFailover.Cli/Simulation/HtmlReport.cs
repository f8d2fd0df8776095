using System.Globalization;
using System.Net;
using System.Text;
using NvaFailover.Cli.Output;
using NvaFailover.Probing;
using NvaFailover.Time;

namespace NvaFailover.Cli.Simulation;

/// <summary>
/// The rehearsal as one self-contained HTML page (no script, no external resource, so it opens anywhere and can be
/// attached to a change request): a lane per NVA coloured by health, the active NVA, the timeline's events, each
/// failover from detection to convergence, and the tables of the report.
/// </summary>
internal static class HtmlReport
{
    private const int Width = 960;
    private const int Left = 150;
    private const int Lane = 26;

    public static string Build(SimulationResult result)
    {
        var html = new StringBuilder();
        var scenario = result.Scenario;
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>nvafo simulate: ").Append(E(scenario.Name)).Append("</title><style>")
            .Append("body{font:14px system-ui,sans-serif;margin:24px;color:#1b1f24;max-width:1100px}h1{font-size:20px}h2{font-size:16px;margin-top:28px}")
            .Append("table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f6f8fa}")
            .Append(".ok{color:#1a7f37}.bad{color:#cf222e}.warn{color:#9a6700}.cards{display:flex;gap:12px;flex-wrap:wrap}.card{border:1px solid #d0d7de;border-radius:6px;padding:8px 12px}")
            .Append(".card b{display:block;font-size:20px}svg text{font:12px system-ui,sans-serif}</style></head><body>");
        html.Append("<h1>nvafo simulate: ").Append(E(scenario.Name)).Append("</h1><p>")
            .Append(E(string.Create(CultureInfo.InvariantCulture, $"{scenario.Duration:c} of scenario time at {result.Speed:0.##}x on the local ARM emulator: the real monitor and Azure adapters over HTTPS.")))
            .Append("</p>");
        Cards(html, result);
        html.Append("<h2>Timeline</h2>");
        Svg(html, result);
        Failovers(html, result);
        Preflight(html, result);
        Arm(html, result);
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

    private static void Svg(StringBuilder html, SimulationResult result)
    {
        var duration = result.Scenario.Duration.TotalSeconds;
        double X(TimeSpan t) => Left + (Math.Clamp(t.TotalSeconds, 0, duration) / duration * (Width - Left - 10));
        var lanes = new List<(string Cluster, string Nva)>();
        foreach (var cluster in result.Rounds.GroupBy(r => r.Cluster))
        {
            lanes.AddRange(cluster.SelectMany(r => r.Health).Select(h => h.Nva).Distinct(StringComparer.OrdinalIgnoreCase).Select(n => (cluster.Key, n)));
            lanes.Add((cluster.Key, ""));
        }

        var top = 40;
        var height = top + (lanes.Count * Lane) + 30;
        html.Append(string.Create(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" role=\"img\" aria-label=\"health, active NVA and events over scenario time\">"));
        for (var i = 0; i < lanes.Count; i++)
        {
            var (cluster, nva) = lanes[i];
            var y = top + (i * Lane);
            var rounds = result.Rounds.Where(r => r.Cluster == cluster).OrderBy(r => r.DecidedAt).ToList();
            html.Append(string.Create(CultureInfo.InvariantCulture, $"<text x=\"4\" y=\"{y + 16}\">{E(nva.Length == 0 ? $"{cluster}: active" : $"{cluster}: {nva}")}</text>"));
            for (var r = 0; r < rounds.Count; r++)
            {
                var from = X(result.Since(rounds[r].DecidedAt));
                var to = r + 1 < rounds.Count ? X(result.Since(rounds[r + 1].DecidedAt)) : X(result.Scenario.Duration);
                string fill;
                string? label = null;
                if (nva.Length == 0)
                {
                    var active = rounds[r].Active ?? "(none)";
                    fill = Color(active);
                    label = r == 0 || rounds[r - 1].Active != rounds[r].Active ? active : null;
                }
                else
                {
                    var state = rounds[r].Health.FirstOrDefault(h => h.Nva.Equals(nva, StringComparison.OrdinalIgnoreCase))?.State;
                    fill = state switch { HealthState.Up => "#4ac26b", HealthState.Down => "#e5534b", _ => "#afb8c1" };
                }

                html.Append(string.Create(CultureInfo.InvariantCulture, $"<rect x=\"{from:0.#}\" y=\"{y}\" width=\"{Math.Max(to - from, 0.5):0.#}\" height=\"{Lane - 6}\" fill=\"{fill}\"/>"));
                if (label is not null)
                {
                    html.Append(string.Create(CultureInfo.InvariantCulture, $"<text x=\"{from + 3:0.#}\" y=\"{y + 15}\" fill=\"#fff\">{E(label)}</text>"));
                }
            }
        }

        foreach (var f in result.Failovers)
        {
            var from = X(f.DetectedAt);
            var to = X(f.ConvergedAt ?? result.Scenario.Duration);
            html.Append(string.Create(CultureInfo.InvariantCulture, $"<rect x=\"{from:0.#}\" y=\"{top - 6}\" width=\"{Math.Max(to - from, 1):0.#}\" height=\"4\" fill=\"{(f.ConvergedAt is null ? "#cf222e" : "#0969da")}\"><title>{E(TimelineText.Describe(f))}</title></rect>"));
        }

        foreach (var e in result.Events)
        {
            var x = X(e.At);
            html.Append(string.Create(CultureInfo.InvariantCulture, $"<line x1=\"{x:0.#}\" y1=\"{top - 10}\" x2=\"{x:0.#}\" y2=\"{height - 24}\" stroke=\"#57606a\" stroke-dasharray=\"3 3\"/><text x=\"{x + 2:0.#}\" y=\"{top - 14}\"><title>{E(TimelineText.Event(e))}</title>{E(e.Event.Do)}</text>"));
        }

        for (var t = TimeSpan.Zero; t <= result.Scenario.Duration; t += Tick(result.Scenario.Duration))
        {
            html.Append(string.Create(CultureInfo.InvariantCulture, $"<text x=\"{X(t) - 18:0.#}\" y=\"{height - 6}\" fill=\"#57606a\">{SimulationResult.Time(t)}</text>"));
        }

        html.Append("</svg><p>Green: up; red: down; grey: unknown (the probe could not observe the NVA, never treated as down). Blue bar: a failover from detection to convergence (red: not converged). Dashed lines: the scenario's events.</p>");
    }

    private static TimeSpan Tick(TimeSpan duration) => duration <= TimeSpan.FromMinutes(5) ? TimeSpan.FromSeconds(30) : duration <= TimeSpan.FromMinutes(20) ? TimeSpan.FromMinutes(1) : TimeSpan.FromMinutes(5);

    private static string Color(string name)
    {
        string[] palette = ["#0969da", "#8250df", "#bf3989", "#1b7c83", "#953800"];
        return name == "(none)" ? "#afb8c1" : palette[(int)((uint)StableHash(name) % palette.Length)];
    }

    private static int StableHash(string text) => text.Aggregate(17, (h, c) => unchecked((h * 31) + char.ToLowerInvariant(c)));

    private static void Failovers(StringBuilder html, SimulationResult result)
    {
        html.Append("<h2>Failovers</h2>");
        if (result.Failovers.Count == 0)
        {
            html.Append("<p>No failover happened.</p>");
            return;
        }

        html.Append("<table><tr><th>cluster</th><th>from &rarr; to</th><th>reason</th><th>fault</th><th>detected</th><th>routes</th><th>public IPs</th><th>outcome</th></tr>");
        foreach (var f in result.Failovers)
        {
            var outcome = f.ConvergedAt is { } c ? $"converged {SimulationResult.Time(c)} (+{Seconds.Text(c - f.DetectedAt)})" : f.StatusWord;
            var details = string.Join("<br>", f.NotMoved.Select(n => E($"not moved: {n.ResourceId}: {n.Message}")).Concat(f.Pending.Select(p => E($"pending: {p}"))));
            html.Append("<tr><td>").Append(E(f.Cluster)).Append("</td><td>").Append(E(f.From)).Append(" &rarr; ").Append(E(f.To)).Append("</td><td>").Append(E(f.Reason))
                .Append("</td><td>").Append(f.FaultAt is { } fault ? SimulationResult.Time(fault) : "").Append("</td><td>").Append(SimulationResult.Time(f.DetectedAt))
                .Append(f.FaultAt is { } at ? E($" (+{Seconds.Text(f.DetectedAt - at)})") : "").Append("</td><td>").Append(E(CycleText.Count(f.RoutesChanged, "route")))
                .Append(f.RoutesConvergedAt is { } r ? $" by {SimulationResult.Time(r)}" : "").Append("</td><td>").Append(f.PublicIpsMoved)
                .Append(f.PublicIpsConvergedAt is { } p ? $" by {SimulationResult.Time(p)}" : "").Append("</td><td class=\"").Append(f.ConvergedAt is null ? "bad" : "ok").Append("\">")
                .Append(E(outcome)).Append(details.Length == 0 ? "" : "<br>" + details).Append("</td></tr>");
        }

        html.Append("</table>");
    }

    private static void Preflight(StringBuilder html, SimulationResult result)
    {
        html.Append("<h2>Preflight (what nvafo check says)</h2>");
        if (result.Preflight.Count == 0)
        {
            html.Append("<p class=\"ok\">No findings.</p>");
            return;
        }

        html.Append("<table><tr><th>severity</th><th>resource</th><th>message</th></tr>");
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
        html.Append("<h2>ARM requests</h2><p>").Append(E($"{arm.Reads} reads, {arm.Writes} writes, {arm.Throttled} throttled, {arm.Conflicts} conflicts, {arm.Failed} failed."))
            .Append("</p><table><tr><th>operation</th><th>requests</th></tr>");
        foreach (var (operation, count) in arm.ByOperation)
        {
            html.Append("<tr><td>").Append(E(operation)).Append("</td><td>").Append(count).Append("</td></tr>");
        }

        html.Append("</table>");
    }

    private static string E(string? text) => WebUtility.HtmlEncode(text ?? "");
}
