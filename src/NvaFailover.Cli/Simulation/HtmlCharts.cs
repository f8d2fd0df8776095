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

    // Every colour has one meaning on the page. NVAs: by priority within their cluster, so an NVA keeps its colour in
    // every report of the same settings; none of these colours means anything else.
    private static readonly string[] NvaPalette = ["#1b7c83", "#0a3069", "#bf3989", "#4d5e11", "#424a53"];
    private const string NoNva = "#afb8c1";
    public const string Up = "#4ac26b";
    public const string Down = "#e5534b";
    public const string Unknown = "#d0d7de";
    public const string Detected = "#bc4c00";
    public const string RoutesMoved = "#1f2328";
    public const string PublicIpsMoved = "#d4a72c";
    public const string Verified = "#1a7f37";
    public const string Reads = "#54aeff";
    public const string Writes = "#8250df";
    public const string Throttled = "#fb8f44";
    public const string Failed = "#ff8182";
    private const string SpanTrack = "#eaeef2";

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

        var colors = lanes.Where(l => l.Nva.Length > 0).GroupBy(l => l.Cluster)
            .SelectMany(g => g.Select((l, i) => (Key: (l.Cluster, l.Nva.ToLowerInvariant()), Color: NvaPalette[i % NvaPalette.Length])))
            .ToDictionary(x => x.Key, x => x.Color);
        string ColorOf(string cluster, string? nva) => nva is null ? NoNva : colors.GetValueOrDefault((cluster, nva.ToLowerInvariant()), NoNva);

        var top = 34;
        var spansTop = top + (lanes.Count * Lane) + 8;
        var height = spansTop + (result.Failovers.Count * Lane) + 26;
        Open(html, height, "health of each NVA, the active NVA, failovers and events over scenario time");
        html.Append("<defs><pattern id=\"moving\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"3\" height=\"6\" fill=\"#ffffff\" fill-opacity=\"0.55\"/></pattern></defs>");
        for (var i = 0; i < lanes.Count; i++)
        {
            Lanes(html, result, axis, lanes[i].Cluster, lanes[i].Nva, top + (i * Lane), ColorOf);
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
            foreach (var (count, color, what) in new[] { (b.Reads, Reads, "reads"), (b.Writes, Writes, "writes"), (b.Throttled, Throttled, "throttled"), (b.Failed, Failed, "failed") })
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
        html.Append("</svg><p>").Append(Key(Reads, "reads")).Append(Key(Writes, "writes")).Append(Key(Throttled, "throttled (429)")).Append(Key(Failed, "failed")).Append("</p>");
    }

    /// <summary>A legend entry: a swatch of <paramref name="color"/> and what it means.</summary>
    public static string Key(string color, string meaning) =>
        F($"<span class=\"key\"><span class=\"swatch\" style=\"background:{color}\"></span> {E(meaning)}</span>");

    private static void Lanes(StringBuilder html, SimulationResult result, Axis axis, string cluster, string nva, int y, Func<string, string?, string> colorOf)
    {
        var rounds = result.Rounds.Where(r => r.Cluster == cluster).OrderBy(r => r.DecidedAt).ToList();
        html.Append(F($"<text x=\"18\" y=\"{y + 15}\">{E(nva.Length == 0 ? $"{cluster}: active" : $"{cluster}: {nva}")}</text>"));
        if (nva.Length > 0)
        {
            // The NVA's own colour, as the active lane shows it.
            html.Append(F($"<rect x=\"4\" y=\"{y + 5}\" width=\"10\" height=\"10\" fill=\"{colorOf(cluster, nva)}\"/>"));
        }

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
                fill = colorOf(cluster, rounds[r].Active);
                label = r == 0 || rounds[r - 1].Active != rounds[r].Active ? active : null;
            }
            else
            {
                var state = rounds[r].Health.FirstOrDefault(h => h.Nva.Equals(nva, StringComparison.OrdinalIgnoreCase))?.State;
                fill = state switch { HealthState.Up => Up, HealthState.Down => Down, _ => Unknown };
            }

            html.Append(F($"<rect x=\"{from:0.#}\" y=\"{y}\" width=\"{Math.Max(to - from, 0.5):0.#}\" height=\"{Lane - 6}\" fill=\"{fill}\"/>"));
            if (label is not null && (labels.Count == 0 || from - labels[^1].X > 45))
            {
                labels.Add((from, label));
            }
        }

        if (nva.Length == 0)
        {
            // The phase between the routes and the public IP: the routes are on the new NVA, its public IP still moving.
            foreach (var f in result.Failovers.Where(f => f.Cluster == cluster && f.RoutesConvergedAt is not null))
            {
                var from = axis.X(f.RoutesConvergedAt!.Value);
                var to = axis.X(f.PublicIpsConvergedAt ?? f.ConvergedAt ?? (f.PublicIpsMoved > 0 ? result.Scenario.Duration : f.RoutesConvergedAt.Value));
                if (to > from)
                {
                    // The new NVA's colour, striped: its routes are in place, its public IP is not yet.
                    html.Append(F($"<rect x=\"{from:0.#}\" y=\"{y}\" width=\"{to - from:0.#}\" height=\"{Lane - 6}\" fill=\"{colorOf(cluster, f.To)}\"/>"));
                    html.Append(F($"<rect x=\"{from:0.#}\" y=\"{y}\" width=\"{to - from:0.#}\" height=\"{Lane - 6}\" fill=\"url(#moving)\"><title>{E($"routes on {f.To}, public IP still moving")}</title></rect>"));
                }
            }
        }

        // After the segments, so that no later segment covers a label.
        foreach (var (x, text) in labels)
        {
            html.Append(F($"<text x=\"{x + 3:0.#}\" y=\"{y + 14}\" fill=\"#fff\">{E(text)}</text>"));
        }
    }

    /// <summary>Fault -> detection (seconds since the fault) -> routes, then public IPs converged (each in seconds since detection).</summary>
    private static void Span(StringBuilder html, FailoverRecord f, Axis axis, int y)
    {
        html.Append(F($"<text x=\"4\" y=\"{y + 14}\">{E($"{f.From} \u2192 {f.To}")}</text>"));
        var start = f.FaultAt ?? f.DetectedAt;
        var end = f.ConvergedAt ?? axis.Duration;
        html.Append(F($"<rect x=\"{axis.X(start):0.#}\" y=\"{y + 7}\" width=\"{Math.Max(axis.X(end) - axis.X(start), 1):0.#}\" height=\"4\" fill=\"{(f.ConvergedAt is null ? Down : SpanTrack)}\"><title>{E(TimelineText.Describe(f))}</title></rect>"));
        Mark(html, axis, f.FaultAt, y, Down, "fault", null, 0);
        Mark(html, axis, f.DetectedAt, y, Detected, "detected", f.FaultAt is { } fault ? f.DetectedAt - fault : null, -1);
        Mark(html, axis, f.RoutesConvergedAt, y, RoutesMoved, "routes", f.RoutesConvergedAt - f.DetectedAt, 1);
        Mark(html, axis, f.PublicIpsConvergedAt, y, PublicIpsMoved, "public IPs", f.PublicIpsConvergedAt - f.DetectedAt, -1);
        Mark(html, axis, f.VerifiedAt, y, Verified, "verified", f.VerifiedAt - f.DetectedAt, 1);
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

    // A viewBox, so that the chart scales down to a narrow screen instead of running off it.
    private static void Open(StringBuilder html, int height, string label) =>
        html.Append(F($"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {height}\" width=\"100%\" style=\"max-width:{Width}px\" role=\"img\" aria-label=\"{E(label)}\">"));

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
