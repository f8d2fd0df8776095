using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NvaFailover.Emulator;
using NvaFailover.Monitoring;
using NvaFailover.Resources;
using NvaFailover.Scheduling;
using NvaFailover.Settings;

namespace NvaFailover.Cli.Simulation;

/// <summary>
/// Runs a scenario: the emulator serves its topology, NvaFailover runs against it (real monitor, real adapters,
/// real HTTPS) on the emulator's scaled clock, the timeline's events happen at their scenario times, and the
/// report says what NvaFailover saw and did.
/// </summary>
internal static class SimulationRunner
{
    /// <summary>A 10-minute scenario in 30 seconds.</summary>
    public const double DefaultSpeed = 20;

    private static readonly DateTimeOffset ScenarioStart = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static async Task<int> RunAsync(FileInfo? scenarioFile, string? json, double speed, bool verbose, CliConsole console, CancellationToken cancellationToken)
    {
        Scenario scenario;
        Dictionary<string, string?> settings;
        var source = scenarioFile?.FullName ?? "built-in scenario";
        try
        {
            scenario = scenarioFile is null ? BuiltIn() : Scenario.Load(scenarioFile.FullName);
            settings = CheckSettings(scenario, source);
        }
        catch (ScenarioException ex)
        {
            await console.Error.WriteLineAsync(ex.Message);
            return NvafoCli.BadInput;
        }

        await using var emulator = await ArmEmulator.StartAsync(new EmulatorOptions { Speed = speed, Arm = scenario.Arm }, cancellationToken);
        emulator.Load(scenario);
        var clock = (ScaledTimeProvider)emulator.Clock;
        foreach (var (key, value) in Connect(emulator, scenario, speed))
        {
            settings[key] = value;
        }

        var recorder = new Recorder();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        await using var host = CliHost.Create(configuration, console, verbose ? LogLevel.Information : LogLevel.None, clock, services =>
        {
            services.AddSingleton<TimeProvider>(clock);
            services.AddSingleton<ICycleObserver>(recorder);
        });
        if (host is null)
        {
            return NvafoCli.BadInput;
        }

        var monitor = host.Get<FailoverMonitor>();
        var applied = new ConcurrentQueue<AppliedEvent>();

        // Discover before the scenario's clock starts: the first HTTPS connection and JIT then cost no scenario time.
        // The topology is cached, so the first cycle does not read it again.
        foreach (var cluster in host.Options.Clusters)
        {
            await monitor.DiscoverAsync(cluster.Name, cancellationToken);
        }

        clock.Rebase(ScenarioStart);
        await RunTimelineAsync(scenario, emulator, monitor, host.Options, clock, applied, cancellationToken);

        var report = SimulationReport.Build(scenario, ScenarioStart, recorder.Reports, [.. applied], emulator);
        if (json is not null)
        {
            var text = report.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
            if (json == "-")
            {
                await console.Out.WriteLineAsync(text);
                return NvafoCli.Ok;
            }

            await File.WriteAllTextAsync(json, text, cancellationToken);
        }

        await SimulationReport.PrintTimelineAsync(console.Out, scenario, speed, ScenarioStart, recorder.Reports, [.. applied], report);
        if (json is not null)
        {
            await console.Out.WriteLineAsync($"JSON report written to {Path.GetFullPath(json)}.");
        }

        return NvafoCli.Ok;
    }

    /// <summary>The built-in scenario, shipped in this assembly.</summary>
    internal static Scenario BuiltIn()
    {
        using var stream = typeof(SimulationRunner).Assembly.GetManifestResourceStream("NvaFailover.Cli.Scenarios.default.json")
            ?? throw new InvalidOperationException("The built-in scenario is missing from the nvafo assembly.");
        using var reader = new StreamReader(stream);
        return Scenario.Parse(reader.ReadToEnd(), "built-in scenario");
    }

    /// <summary>The scenario's settings as configuration, checked against the settings contract and the topology.</summary>
    private static Dictionary<string, string?> CheckSettings(Scenario scenario, string source)
    {
        if (scenario.Settings is null)
        {
            throw new ScenarioException(source, [new("$.settings", "is required: the NvaFailover settings section, with at least one cluster")]);
        }

        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        Flatten(scenario.Settings, NvaFailoverOptions.SectionName, values);
        var options = new NvaFailoverOptions();
        SettingsReader.Read(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), options);
        var problems = NvaFailoverOptionsValidator.Check(options).Select(p => new ScenarioProblem(JsonPath(p.Key), $"{(p.Value is null ? "is missing" : $"= '{p.Value}'")}: {p.Expected}")).ToList();

        var vms = (scenario.Topology["virtualMachines"] as JsonArray ?? []).Select(v => v?["id"]?.GetValue<string>()).OfType<string>().ToHashSet(ArmId.Comparer);
        var pips = (scenario.Topology["publicIPAddresses"] as JsonArray ?? []).Select(v => v?["id"]?.GetValue<string>()).OfType<string>().ToHashSet(ArmId.Comparer);
        for (var c = 0; c < options.Clusters.Count; c++)
        {
            for (var n = 0; n < options.Clusters[c].Nvas.Count; n++)
            {
                var vm = options.Clusters[c].Nvas[n].VirtualMachineId;
                if (ArmId.IsVirtualMachine(vm) && !vms.Contains(vm))
                {
                    problems.Add(new($"$.settings.Clusters[{c}].Nvas[{n}].VirtualMachineId", $"'{vm}' is not one of $.topology.virtualMachines"));
                }
            }

            for (var p = 0; p < options.Clusters[c].PublicIpAddressIds.Count; p++)
            {
                var pip = options.Clusters[c].PublicIpAddressIds[p];
                if (ArmId.IsPublicIpAddress(pip) && !pips.Contains(pip))
                {
                    problems.Add(new($"$.settings.Clusters[{c}].PublicIpAddressIds[{p}]", $"'{pip}' is not one of $.topology.publicIPAddresses"));
                }
            }
        }

        foreach (var e in scenario.Timeline.Where(e => e.Do == "switchover"))
        {
            var cluster = options.Clusters.FirstOrDefault(c => c.Name.Equals(e["cluster"], StringComparison.OrdinalIgnoreCase));
            if (cluster is null)
            {
                problems.Add(new($"{e.Path}.cluster", $"'{e["cluster"]}' is not a cluster of $.settings ({string.Join(", ", options.Clusters.Select(c => c.Name))})"));
            }
            else if (!cluster.Nvas.Any(n => ArmId.Name(n.VirtualMachineId).Equals(e["to"], StringComparison.OrdinalIgnoreCase)))
            {
                problems.Add(new($"{e.Path}.to", $"'{e["to"]}' is not an NVA of cluster {cluster.Name} ({string.Join(", ", cluster.Nvas.Select(n => ArmId.Name(n.VirtualMachineId)))})"));
            }
        }

        if (problems.Count > 0)
        {
            throw new ScenarioException(source, problems);
        }

        return values;
    }

    /// <summary>Points NvaFailover at the emulator, scales the adapter's real-time waits, and probes each NVA at the emulator's endpoint for it.</summary>
    private static Dictionary<string, string?> Connect(ArmEmulator emulator, Scenario scenario, double speed)
    {
        static string Real(TimeSpan t, TimeSpan floor) => (t < floor ? floor : t).ToString("c", CultureInfo.InvariantCulture);
        var values = new Dictionary<string, string?>
        {
            ["NvaFailover:ArmEndpoint"] = emulator.Endpoint.ToString(),
            ["NvaFailover:ArmCertificateThumbprint"] = emulator.Certificate.GetCertHashString(),
            ["NvaFailover:ArmPollInterval"] = Real(TimeSpan.FromSeconds(2) / speed, TimeSpan.FromMilliseconds(10)),
            ["NvaFailover:ArmOperationTimeout"] = Real(TimeSpan.FromMinutes(3) / speed, TimeSpan.FromSeconds(1)),
        };
        var options = new NvaFailoverOptions();
        var flat = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        Flatten(scenario.Settings!, NvaFailoverOptions.SectionName, flat);
        SettingsReader.Read(new ConfigurationBuilder().AddInMemoryCollection(flat).Build(), options);
        for (var c = 0; c < options.Clusters.Count; c++)
        {
            var cluster = options.Clusters[c];
            for (var n = 0; n < cluster.Nvas.Count; n++)
            {
                // Every NVA is emulated, so it is probed where the emulator answers for it, never at a real address.
                var endpoint = emulator.ProbeEndpoint(ArmId.Name(cluster.Nvas[n].VirtualMachineId));
                var http = cluster.Probe.Kind == ProbeKind.Http || (cluster.Nvas[n].ProbeEndpoint?.StartsWith("http", StringComparison.OrdinalIgnoreCase) ?? false);
                values[$"NvaFailover:Clusters:{c}:Nvas:{n}:ProbeEndpoint"] = http ? $"http://{endpoint}/health" : endpoint;
            }
        }

        return values;
    }

    private static async Task RunTimelineAsync(Scenario scenario, ArmEmulator emulator, FailoverMonitor monitor, NvaFailoverOptions options,
        TimeProvider clock, ConcurrentQueue<AppliedEvent> applied, CancellationToken cancellationToken)
    {
        var start = clock.GetUtcNow();
        var end = start + scenario.Duration;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = stop.Token;

        async Task Until(DateTimeOffset at)
        {
            var wait = at - clock.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, clock, token);
            }
        }

        async Task TimerAsync()
        {
            var schedule = CronSchedule.Parse(options.Schedule);
            while (true)
            {
                var next = schedule.GetNextOccurrence(clock.GetUtcNow());
                if (next >= end)
                {
                    return;
                }

                await Until(next);
                await monitor.RunInvocationAsync(token);
            }
        }

        async Task EventsAsync()
        {
            foreach (var e in scenario.Timeline)
            {
                await Until(start + e.At);
                var at = clock.GetUtcNow() - start;
                string? error = null;
                try
                {
                    await ApplyAsync(e, emulator, monitor, token);
                }
                catch (ArgumentException ex)
                {
                    error = ex.Message;
                }

                applied.Enqueue(new AppliedEvent(e, at, error));
            }
        }

        var timer = TimerAsync();
        var events = EventsAsync();
        try
        {
            await Until(end);
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var task in new[] { timer, events })
            {
                try
                {
                    await task;
                }
                catch (OperationCanceledException)
                {
                    // The scenario's time is up.
                }
            }
        }
    }

    private static async Task ApplyAsync(TimelineEvent e, ArmEmulator emulator, FailoverMonitor monitor, CancellationToken token)
    {
        switch (e.Do)
        {
            case "powerOff" or "start" or "deallocate":
                emulator.PowerAction(e["vm"]!, e.Do);
                break;
            case "probeDown" or "probeUp":
                emulator.SetProbe(e["vm"]!, e.Do == "probeUp");
                break;
            case "armFaults":
                var status = e.Data["status"]!.GetValueKind() == JsonValueKind.String ? 0 : e.Data["status"]!.GetValue<int>();
                var duration = TimeSpan.Parse(e["for"]!, CultureInfo.InvariantCulture);
                emulator.AddFaults(status, e.Data["probability"]!.GetValue<double>(), duration);
                break;
            case "editRoute":
                emulator.EditRoute(e["routeTable"]!, e["route"]!, e["nextHopIpAddress"]!);
                break;
            case "switchover":
                await monitor.RunCycleAsync(e["cluster"]!, new CycleRequest(SwitchoverTo: e["to"]), token);
                break;
            default:
                throw new ArgumentException($"Unknown action '{e.Do}'.");
        }
    }

    private static void Flatten(JsonNode? node, string prefix, Dictionary<string, string?> values)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    Flatten(value, $"{prefix}:{key}", values);
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    Flatten(array[i], $"{prefix}:{i}", values);
                }

                break;
            case JsonValue value:
                values[prefix] = value.GetValueKind() switch
                {
                    JsonValueKind.String => value.GetValue<string>(),
                    JsonValueKind.True => "true",
                    JsonValueKind.False => "false",
                    _ => value.ToJsonString(),
                };
                break;
            default:
                values[prefix] = null;
                break;
        }
    }

    /// <summary><c>NvaFailover:Clusters:0:Probe:Attempts</c> becomes <c>$.settings.Clusters[0].Probe.Attempts</c>.</summary>
    private static string JsonPath(string key)
    {
        var parts = key.Split(':').Skip(1);
        var path = "$.settings";
        foreach (var part in parts)
        {
            path += int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out _) ? $"[{part}]" : $".{part}";
        }

        return path;
    }

    private sealed class Recorder : ICycleObserver
    {
        private readonly ConcurrentQueue<CycleReport> _reports = new();

        public IReadOnlyList<CycleReport> Reports => [.. _reports];

        public void OnCycleCompleted(CycleReport report) => _reports.Enqueue(report);
    }
}

/// <summary>A timeline event as it happened.</summary>
/// <param name="Event">The event.</param>
/// <param name="At">Scenario time it was applied.</param>
/// <param name="Error">Why it could not be applied, if it could not.</param>
internal sealed record AppliedEvent(TimelineEvent Event, TimeSpan At, string? Error);
