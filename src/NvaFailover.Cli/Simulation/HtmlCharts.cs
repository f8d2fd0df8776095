using System.Globalization;
using System.Net;
using System.Text;
using NvaFailover.Probing;
using NvaFailover.Time;

namespace NvaFailover.Cli.Simulation;

/// <summary>The page's inline SVG charts: health lanes, failover spans with events, and ARM traffic, on one time axis.</summary>
internal static class HtmlCharts
{
    public const int Width = 960;
    private const int Left = 170;
    private const int Lane = 24;

    /// <summary>A lane per NVA (up, down, unknown), the active NVA, the timeline's events, and each failover's span.</summary>
    public static void Timeline(StringBuilder html, SimulationResult result)
    {
        var axis = new Axis(result.Scenario.Duration);
        var lanes = new List<(string Cluster, string Nva)>();
        foreach (var cluster in result.Rounds.GroupBy(r => r.Cluster))
        {
            lanes.AddRange(cluster.SelectMany(r => r.Health).Select(h => h.Nva).Distinct(StringComparer.OrdinalIgnoreCase).Select(n => (cluster.Key, n)));
            lanes.Add((cluster.Key, ""));
        }

        var top = 34;
        var spansTop = top + (lanes.Count * Lane) + 8;
        var height = spansTop + (result.Failovers.Count * Lane) + 26;
        Open(html, height, "health of each NVA, the active NVA, failovers and events over scenario time");
        for (var i = 0; i < lanes.Count; i++)
        {
            Lanes(html, result, axis, lanes[i].Cluster, lanes[i].Nva, top + (i * Lane));
        }

        for (var i = 0; i < result.Failovers.Count; i++)
        {
            Span(html, result.Failovers[i], axis, spansTop + (i * Lane));
        }

        foreach (var e in result.Events)
        {
            var x = axis.X(e.At);
            html.Append(F($"<line x1=\"{x:0.#}\" y1=\"{top - 8}\" x2=\"{x:0.#}\" y2=\"{height - 22}\" stroke=\"#57606a\" stroke-dasharray=\"3 3\"/><text x=\"{x + 2:0.#}\" y=\"{top - 12}\"><title>{E(TimelineText.Event(e))}</title>{E(e.Event.Do)}</text>"));
        }

        axis.Ticks(html, height - 6);
        html.Append("</svg>");
    }

    /// <summary>ARM requests per time bucket: reads and writes served, throttled (429) and failed answers.</summary>
    public static void Traffic(StringBuilder html, SimulationResult result)
    {
        var axis = new Axis(result.Scenario.Duration);
        var bucket = TimeSpan.FromSeconds(Math.Max(5, Math.Ceiling(result.Scenario.Duration.TotalSeconds / 60 / 5) * 5));
        var buckets = result.Requests
            .GroupBy(r => (int)((r.At - result.Start) / bucket))
            .ToDictionary(g => g.Key, g => (
                Reads: g.Count(r => r.Method == "GET" && r.Status < 400),
                Writes: g.Count(r => r.Method != "GET" && r.Status < 400),
                Throttled: g.Count(r => r.Status == 429),
                Failed: g.Count(r => r.Status >= 400 && r.Status != 429)));
        var max = Math.Max(1, buckets.Values.Select(b => b.Reads + b.Writes + b.Throttled + b.Failed).DefaultIfEmpty(0).Max());
        const int plot = 120;
        Open(html, plot + 46, "ARM requests over scenario time");
        html.Append(F($"<text x=\"4\" y=\"16\">{max} per {Seconds.Text(bucket)}</text><line x1=\"{Left}\" y1=\"{plot + 20}\" x2=\"{Width - 50}\" y2=\"{plot + 20}\" stroke=\"#d0d7de\"/>"));
        var width = Math.Max(1, axis.X(bucket) - axis.X(TimeSpan.Zero) - 1);
        foreach (var (index, b) in buckets)
        {
            var x = axis.X(bucket * index);
            var y = plot + 20.0;
            foreach (var (count, color, what) in new[] { (b.Reads, "#54aeff", "reads"), (b.Writes, "#8250df", "writes"), (b.Throttled, "#d4a72c", "throttled"), (b.Failed, "#cf222e", "failed") })
            {
                var h = count * (double)plot / max;
                if (count > 0)
                {
                    y -= h;
                    html.Append(F($"<rect x=\"{x:0.#}\" y=\"{y:0.#}\" width=\"{width:0.#}\" height=\"{h:0.#}\" fill=\"{color}\"><title>{SimulationResult.Time(bucket * index)}: {count} {what}</title></rect>"));
                }
            }
        }

        axis.Ticks(html, plot + 40);
        html.Append("</svg><p>Blue: reads; purple: writes; yellow: throttled (429); red: failed.</p>");
    }

    private static void Lanes(StringBuilder html, SimulationResult result, Axis axis, string cluster, string nva, int y)
    {
        var rounds = result.Rounds.Where(r => r.Cluster == cluster).OrderBy(r => r.DecidedAt).ToList();
        html.Append(F($"<text x=\"4\" y=\"{y + 15}\">{E(nva.Length == 0 ? $"{cluster}: active" : $"{cluster}: {nva}")}</text>"));
        var labels = new List<(double X, string Text)>();
        for (var r = 0; r < rounds.Count; r++)
        {
            var from = axis.X(result.Since(rounds[r].DecidedAt));
            var to = r + 1 < rounds.Count ? axis.X(result.Since(rounds[r + 1].DecidedAt)) : axis.X(result.Scenario.Duration);
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

            html.Append(F($"<rect x=\"{from:0.#}\" y=\"{y}\" width=\"{Math.Max(to - from, 0.5):0.#}\" height=\"{Lane - 6}\" fill=\"{fill}\"/>"));
            if (label is not null && (labels.Count == 0 || from - labels[^1].X > 45))
            {
                labels.Add((from, label));
            }
        }

        // After the segments, so that no later segment covers a label.
        foreach (var (x, text) in labels)
        {
            html.Append(F($"<text x=\"{x + 3:0.#}\" y=\"{y + 14}\" fill=\"#fff\">{E(text)}</text>"));
        }
    }

    /// <summary>Fault (red) -> detection (orange) -> routes converged (blue) -> public IPs converged (purple), labelled in seconds.</summary>
    private static void Span(StringBuilder html, FailoverRecord f, Axis axis, int y)
    {
        html.Append(F($"<text x=\"4\" y=\"{y + 14}\">{E($"{f.From} \u2192 {f.To}")}</text>"));
        var start = f.FaultAt ?? f.DetectedAt;
        var end = f.ConvergedAt ?? axis.Duration;
        html.Append(F($"<rect x=\"{axis.X(start):0.#}\" y=\"{y + 7}\" width=\"{Math.Max(axis.X(end) - axis.X(start), 1):0.#}\" height=\"4\" fill=\"{(f.ConvergedAt is null ? "#cf222e" : "#d0d7de")}\"><title>{E(TimelineText.Describe(f))}</title></rect>"));
        Mark(html, axis, f.FaultAt, y, "#cf222e", "fault", null, 0);
        Mark(html, axis, f.DetectedAt, y, "#bc4c00", "detected", f.FaultAt is { } fault ? f.DetectedAt - fault : null, -1);
        Mark(html, axis, f.RoutesConvergedAt, y, "#0969da", "routes", f.RoutesConvergedAt - f.DetectedAt, 1);
        Mark(html, axis, f.PublicIpsConvergedAt, y, "#8250df", "public IPs", f.PublicIpsConvergedAt - f.DetectedAt, -1);
    }

    private static void Mark(StringBuilder html, Axis axis, TimeSpan? at, int y, string color, string what, TimeSpan? after, int side)
    {
        if (at is not { } t)
        {
            return;
        }

        var x = axis.X(t);
        var label = after is { } s ? $"+{Seconds.Text(s)}" : "";
        html.Append(F($"<circle cx=\"{x:0.#}\" cy=\"{y + 9}\" r=\"5\" fill=\"{color}\"><title>{E($"{what} {SimulationResult.Time(t)} {label}")}</title></circle>"));
        if (label.Length > 0)
        {
            // Labels alternate above and below the span, so that close steps stay readable.
            html.Append(F($"<text x=\"{x + 6:0.#}\" y=\"{(side < 0 ? y + 3 : y + 21)}\" fill=\"{color}\" font-size=\"10\">{E(label)}</text>"));
        }
    }

    private static void Open(StringBuilder html, int height, string label) =>
        html.Append(F($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" role=\"img\" aria-label=\"{E(label)}\">"));

    private static string Color(string name)
    {
        string[] palette = ["#0969da", "#8250df", "#bf3989", "#1b7c83", "#953800"];
        return name == "(none)" ? "#afb8c1" : palette[(int)((uint)name.Aggregate(17, (h, c) => unchecked((h * 31) + char.ToLowerInvariant(c))) % palette.Length)];
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    private sealed class Axis(TimeSpan duration)
    {
        public TimeSpan Duration { get; } = duration;

        public double X(TimeSpan t) => Left + (Math.Clamp(t.TotalSeconds, 0, Duration.TotalSeconds) / Duration.TotalSeconds * (Width - Left - 50));

        public void Ticks(StringBuilder html, int y)
        {
            var step = Duration <= TimeSpan.FromMinutes(5) ? TimeSpan.FromSeconds(30) : Duration <= TimeSpan.FromMinutes(20) ? TimeSpan.FromMinutes(1) : TimeSpan.FromMinutes(5);
            for (var t = TimeSpan.Zero; t <= Duration; t += step)
            {
                html.Append(F($"<text x=\"{X(t) - 18:0.#}\" y=\"{y}\" fill=\"#57606a\">{SimulationResult.Time(t)}</text>"));
            }
        }
    }
}
