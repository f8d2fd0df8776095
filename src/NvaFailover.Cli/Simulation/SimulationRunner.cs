using System.Collections.Concurrent;
using System.Text.Json;
using Azure.Core.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NvaFailover.Cli.Hosting;
using NvaFailover.Emulator;
using NvaFailover.Emulator.Scenarios;
using NvaFailover.Emulator.Time;
using NvaFailover.Monitoring;
using NvaFailover.Preflight;
using NvaFailover.Settings;
using NvaFailover.Time;

namespace NvaFailover.Cli.Simulation;

/// <summary>What <c>nvafo simulate</c> was asked.</summary>
/// <param name="ScenarioFile">The scenario, or null for the built-in one.</param>
/// <param name="Json">Where the JSON report goes (a path, or - for standard output), if anywhere.</param>
/// <param name="Html">Where the HTML page goes, if anywhere.</param>
/// <param name="Speed">Scenario seconds per wall second.</param>
/// <param name="Verbose">Log every event to standard error.</param>
internal sealed record SimulateRequest(FileInfo? ScenarioFile, string? Json, string? Html, double Speed, bool Verbose);

/// <summary>
/// Runs a scenario: the emulator serves its topology, NvaFailover runs against it (real monitor, real adapters, real
/// HTTPS) on the emulator's scaled clock, the timeline's events happen at their scenario times, and the report says
/// what NvaFailover saw and did.
/// </summary>
internal static class SimulationRunner
{
    /// <summary>A 10-minute scenario in 30 seconds.</summary>
    public const double DefaultSpeed = 20;

    /// <summary>The highest --speed: beyond it the loopback's own delays would be a noticeable part of scenario time.</summary>
    public const double MaxSpeed = 1000;

    /// <summary>
    /// However fast scenario time runs, a network timeout lasts at least this much real time: what a busy loopback needs
    /// to answer, so speed alone never makes a running NVA look down or a served request look hung.
    /// </summary>
    public static readonly TimeSpan RealTimeFloor = TimeSpan.FromMilliseconds(250);

    private static readonly DateTimeOffset ScenarioStart = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static async Task<int> RunAsync(SimulateRequest request, CliConsole console, CancellationToken cancellationToken)
    {
        var source = request.ScenarioFile?.FullName ?? "built-in scenario";
        Scenario scenario;
        SettingsRead settings;
        try
        {
            scenario = request.ScenarioFile is null ? BuiltIn() : Scenario.Load(request.ScenarioFile.FullName);
            settings = ScenarioSettings.Read(scenario, source);
        }
        catch (ScenarioException ex)
        {
            await console.Error.WriteLineAsync(ex.Message);
            return ExitCodes.BadInput;
        }

        if (!await Writable(request.Json, "--json", console) || !await Writable(request.Html, "--html", console))
        {
            return ExitCodes.BadInput;
        }

        SimulationResult result;
        try
        {
            result = await RehearseAsync(scenario, settings, request.Speed, console, request.Verbose ? LogLevel.Information : LogLevel.None, cancellationToken);
        }
        catch (ScenarioException ex)
        {
            await console.Error.WriteLineAsync(new ScenarioException(source, ex.Problems).Message);
            return ExitCodes.BadInput;
        }

        return await WriteAsync(result, request, console, cancellationToken);
    }

    /// <summary>
    /// Plays <paramref name="scenario"/> with <paramref name="settings"/> (read from it) on a fresh emulator at
    /// <paramref name="speed"/>, and returns everything it saw and did.
    /// </summary>
    /// <exception cref="ScenarioException">The settings do not fit the scenario (the problems have JSON paths).</exception>
    internal static async Task<SimulationResult> RehearseAsync(Scenario scenario, SettingsRead settings, double speed, CliConsole console, LogLevel logLevel, CancellationToken cancellationToken)
    {
        // The clock runs from a day before the scenario, so that what happens before it starts (preflight, warming up)
        // is in the past of every scenario time.
        var clock = new ScaledTimeProvider(TimeProvider.System, speed, ScenarioStart - TimeSpan.FromDays(1));
        await using var emulator = await ArmEmulator.StartAsync(new EmulatorOptions { Clock = clock, Arm = scenario.Arm }, cancellationToken);
        emulator.Load(scenario);
        ScenarioSettings.Connect(settings.Options, scenario, emulator);
        var problems = ScenarioSettings.Check(settings, scenario);
        if (problems.Count > 0)
        {
            throw new ScenarioException(scenario.Name, problems);
        }

        var recorder = new Recorder();

        // With Witness settings, the hosts share an in-process witness (Blob Storage's lease rules on the rehearsal's clock).
        var witness = settings.Options.Witness.ContainerUri is null ? null : new RehearsalWitness(clock);
        // Each host names itself in a request header (so the report knows which watcher sent each request) and, with a
        // witness, in the flight records it writes.
        var watchers = new List<SimulatedWatcher>();
        await using var stopWatchers = new AsyncDisposables(watchers);
        for (var i = 1; i <= scenario.Watchers; i++)
        {
            var name = $"watcher-{i}";
            watchers.Add(new SimulatedWatcher(
                reports => CliHost.Create(settings, console, logLevel, clock, services =>
                {
                    services.AddSingleton<TimeProvider>(clock);
                    services.AddSingleton(reports);
                    services.AddSingleton(new NetworkTimeouts(clock, RealTimeFloor));
                    services.AddSingleton<HttpPipelinePolicy>(new WatcherHeaderPolicy(name));
                    if (witness is not null)
                    {
                        services.AddSingleton(witness.Watcher(name));
                    }
                })!,
                recorder));
        }

        var watcher = watchers[0];
        var host = watcher.Host!;
        var monitor = host.Get<FailoverMonitor>();

        // What 'check' would say, read before the scenario's clock starts (its reads cost no scenario time); the
        // topology it reads is cached, so the first round does not read it again.
        var preflight = await host.Get<PreflightCheck>().RunAsync(cancellationToken);

        // One read-only round before the clock starts: the first use of each code path and connection costs real time
        // that a fast clock would turn into minutes of scenario time.
        foreach (var w in watchers)
        {
            await w.Host!.Get<FailoverMonitor>().RunRoundAsync(new RoundRequest(ReadOnly: true), cancellationToken);
        }

        var before = emulator.Requests.Count;
        var initial = emulator.Dump();
        clock.Rebase(ScenarioStart);
        var timeline = new ScenarioTimeline(scenario, emulator, watchers, host.Options.Schedule, clock,
            [.. settings.Options.Clusters.Select(c => c.RouteTables.TagName).Distinct(StringComparer.OrdinalIgnoreCase)], () => witness?.Leader() is { } name && int.TryParse(name.AsSpan("watcher-".Length), out var n) ? n : 1);
        await timeline.RunAsync(cancellationToken);

        var end = ScenarioStart + scenario.Duration;
        var monitors = watchers.Select(w => w.Host?.Get<FailoverMonitor>()).OfType<FailoverMonitor>().ToList();
        List<RoundReport> inFlight = [.. watchers.SelectMany(w => w.Interrupted), .. monitors.SelectMany(m => m.InFlight.Select(f => f.Report))];
        var rounds = recorder.Reports.Where(r => r.StartedAt >= ScenarioStart).ToList();
        var final = emulator.Dump();
        var requests = emulator.Requests.Skip(before).ToList();
        foreach (var m in monitors)
        {
            await m.StopAsync();
        }

        inFlight.RemoveAll(f => rounds.Any(r => r.Cluster == f.Cluster && r.DecidedAt == f.DecidedAt));
        var events = timeline.Applied;
        var result = new SimulationResult(
            new Rehearsed(scenario, speed, ScenarioStart),
            [.. rounds.Concat(inFlight).OrderBy(r => r.StartedAt)],
            events,
            FailoverRecords.Build(ScenarioStart, rounds, inFlight, events),
            preflight,
            new TopologyStates(initial, final),
            new ArmTraffic(ArmCounters.Of(requests, end), [.. requests.Where(r => r.At >= ScenarioStart && r.At < end)]))
        {
            RouteHistory = emulator.RouteHistory,
            PublicIpHistory = emulator.PublicIpHistory,
            Leases = witness?.Leases ?? [],
        };
        return result;
    }

    /// <summary>The built-in scenario, shipped in this assembly.</summary>
    internal static Scenario BuiltIn()
    {
        using var stream = typeof(SimulationRunner).Assembly.GetManifestResourceStream("NvaFailover.Cli.Scenarios.default.json")
            ?? throw new InvalidOperationException("The built-in scenario is missing from the nvafo assembly.");
        using var reader = new StreamReader(stream);
        return Scenario.Parse(reader.ReadToEnd(), "built-in scenario");
    }

    private static async Task<int> WriteAsync(SimulationResult result, SimulateRequest request, CliConsole console, CancellationToken cancellationToken)
    {
        var json = request.Json;
        if (json is not null)
        {
            var text = ReportJson.Build(result).ToJsonString(new JsonSerializerOptions { WriteIndented = true });
            if (json == "-")
            {
                await console.Out.WriteLineAsync(text);
            }
            else
            {
                await File.WriteAllTextAsync(json, text, cancellationToken);
            }
        }

        if (request.Html is { } html)
        {
            await File.WriteAllTextAsync(html, HtmlReport.Build(result), cancellationToken);
        }

        if (json == "-")
        {
            return ExitCodes.Ok;
        }

        await TimelineText.PrintAsync(console.Out, result);
        if (json is not null)
        {
            await console.Out.WriteLineAsync($"JSON report written to {Path.GetFullPath(json)}.");
        }

        if (request.Html is not null)
        {
            await console.Out.WriteLineAsync($"HTML report written to {Path.GetFullPath(request.Html)}.");
        }

        return ExitCodes.Ok;
    }

    /// <summary>Checks an output path before the run, so a typo does not cost a whole rehearsal.</summary>
    private static async Task<bool> Writable(string? path, string option, CliConsole console)
    {
        if (path is null || path == "-" && option == "--json")
        {
            return true;
        }

        try
        {
            await using (new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None))
            {
            }

            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            await console.Error.WriteLineAsync($"{option} {path} cannot be written: {ex.Message} Choose a path in a directory that exists and is writable; nothing was run.");
            return false;
        }
    }

    private sealed class Recorder : IRoundObserver
    {
        private readonly ConcurrentQueue<RoundReport> _reports = new();

        public IReadOnlyList<RoundReport> Reports => [.. _reports];

        public void OnRoundCompleted(RoundReport report) => _reports.Enqueue(report);
    }

    /// <summary>Disposes the rehearsal's hosts, whichever still run.</summary>
    private sealed class AsyncDisposables(List<SimulatedWatcher> watchers) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var watcher in watchers)
            {
                await watcher.DisposeAsync();
            }
        }
    }
}
