using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using NvaFailover.Cli.Simulation;
using NvaFailover.Emulator;
using NvaFailover.Emulator.Time;
using NvaFailover.Monitoring;
using NvaFailover.Settings;

namespace NvaFailover.Bench;

/// <summary>
/// Many clusters in one process: a healthy hour's reads, and a zone outage in which every active NVA fails at once.
/// Each cluster is two NVAs (one NIC each) and <c>tables</c> tagged route tables with two managed routes; the clusters are
/// spread over <c>subscriptions</c> subscriptions (ARM's limits are per subscription). Real monitor, adapters and HTTPS
/// against the emulator, with ARM's read and write buckets and Microsoft.Network's writes per five minutes.
/// </summary>
internal static class FleetBenchmark
{
    private static readonly TimeSpan Fault = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan TableWrite = TimeSpan.FromSeconds(5);

    /// <summary>The fleet rows with the command, date and version that measured them.</summary>
    public sealed record Measured(string Command, DateTimeOffset Date, string Version, List<Row> Rows, List<Scale>? Scales = null);

    /// <summary>
    /// What many clusters cost the process: the managed heap NvaFailover holds per cluster (after the emulator's own), the
    /// CPU time and wall time of a round of every cluster, and the scenario time a cluster's round takes.
    /// </summary>
    public sealed record Scale(int Clusters, int Tables, int Rounds, double HeapPerClusterKiB, double WorkingSetMiB, double RoundWallMedianMs, double RoundWallMaxMs, double CpuPerClusterRoundMs, double ClusterRoundMedianMs, double ClusterRoundP95Ms)
    {
        /// <summary>
        /// True when the heap is what a second monitor of the same fleet adds to a process that already runs one (rows
        /// written before measured it against a heap sampled before any monitor, which what the process freed meanwhile
        /// could outweigh, and read negative).
        /// </summary>
        public bool HeapOfASecondMonitor { get; init; }
    }

    public sealed record Row(
        int Clusters, int Tables, int Subscriptions, bool Outage, double Hours,
        int Detected, double? DetectionMedian, double? DetectionMax,
        int Converged, double? LastConvergedSeconds, double? MedianConvergedSeconds, double FloorSeconds,
        int Writes, int Throttled, int Failed, int PowerStateReads, int Reads, double Rounds, double Speed)
    {
        public double? Ratio => LastConvergedSeconds / FloorSeconds;
    }

    /// <summary>
    /// From the fault to the last table on its standby, at best: detection (the first probe after the fault, within one
    /// round) plus what ARM lets the busiest subscription write: a route table write takes 5 s; the write bucket holds 200
    /// and refills 10 a second; and Microsoft.Network allows 1,000 writes in any five minutes.
    /// </summary>
    public static double Floor(int clusters, int tables, int subscriptions, double detection)
    {
        var writes = (int)Math.Ceiling(clusters / (double)subscriptions) * tables;
        var bucket = Math.Max(0, writes - 200) / 10.0;
        var window = writes > 1000 ? 300.0 * ((writes - 1) / 1000) : 0;
        return detection + TableWrite.TotalSeconds + Math.Max(bucket, window);
    }

    /// <summary>
    /// The rows of bench/RESULTS.md's fleet section. A healthy hour runs at 2x (it counts requests, which do not depend on
    /// the machine's timing); a storm runs in real time, as Azure does: at 2x every scheduling delay of this 2-core
    /// machine, with the emulator serving a thousand writes in the same process, counts double against the floor.
    /// </summary>
    public static async Task<List<Row>> AllAsync(TextWriter log) =>
    [
        await RunAsync(10, 8, 1, outage: false, log),
        await RunAsync(100, 8, 1, outage: false, log),
        await RunAsync(500, 8, 1, outage: false, log),
        await RunAsync(100, 8, 1, outage: true, log, StormSpeed),
        await RunAsync(150, 8, 1, outage: true, log, StormSpeed),
        await RunAsync(150, 8, 5, outage: true, log, StormSpeed),
    ];

    /// <summary>The speed a storm row runs at: real time.</summary>
    public const double StormSpeed = 1;

    public static async Task<Row> RunAsync(int clusters, int tables, int subscriptions, bool outage, TextWriter log, double speed = 2)
    {
        var duration = outage
            ? Fault + TimeSpan.FromSeconds(60 + (1.5 * Floor(clusters, tables, subscriptions, 10)))
            : TimeSpan.FromMinutes(10);
        var result = await Ours.RehearseAsync(Scenario(clusters, tables, subscriptions, outage, duration), speed);
        var failovers = result.Failovers.Where(f => f.Reason == "activeDown").ToList();
        var detection = failovers.Select(f => (f.DetectedAt - Fault).TotalSeconds).ToList();
        var converged = failovers.Where(f => f.RoutesConvergedAt is not null).Select(f => (f.RoutesConvergedAt!.Value - Fault).TotalSeconds).ToList();
        var last = converged.Count == clusters ? converged.Max() : (double?)null;
        var hours = outage ? 0 : duration.TotalHours;
        var rounds = result.Rounds.Count / (double)clusters;
        var row = new Row(
            clusters, tables, subscriptions, outage, hours,
            failovers.Count, detection.Count > 0 ? Stats.Percentile(detection, 50) : null, detection.Count > 0 ? detection.Max() : null,
            converged.Count, last, converged.Count > 0 ? Stats.Percentile(converged, 50) : null,
            Floor(clusters, tables, subscriptions, detection.Count > 0 ? Stats.Percentile(detection, 50) : 5),
            result.Requests.Count(r => r.Method == "PUT"),
            result.Requests.Count(r => r.Status == 429),
            result.Requests.Count(r => r.Status >= 400 && r.Status != 429 && r.Status != 412),
            result.Requests.Count(r => r.Operation is "LIST virtualMachines" or "GET instanceView"),
            result.Requests.Count(r => r.Method == "GET"),
            rounds,
            speed);
        await log.WriteLineAsync(FormattableString.Invariant(
            $"  fleet {clusters} x {tables} in {subscriptions} sub{(outage ? ", outage" : ", healthy")}: detected {row.Detected}/{clusters} (median {row.DetectionMedian:0.0} s, max {row.DetectionMax:0.0} s), converged {row.Converged}/{clusters} (last {row.LastConvergedSeconds:0.0} s, floor {row.FloorSeconds:0.0} s), {row.Writes} writes, {row.Throttled} throttled, {row.Failed} failed, {row.PowerStateReads} power-state reads, {row.Reads} reads, {rounds:0} rounds"));
        return row;
    }

    /// <summary>
    /// <paramref name="clusters"/> clusters of <paramref name="tables"/> tables in one process against the emulator (no request
    /// log, ARM's read latency): every cluster's round together, <paramref name="rounds"/> times, 5 s of scenario time
    /// apart, after the first (which discovers). Times and CPU are the first monitor's. The heap per cluster is what a
    /// second monitor of the same fleet, run the same way beside the first, adds to the heap: by then what the process
    /// holds once (SDK pipelines, the JIT's statics, connection pools) and what earlier work leaves to be freed are in
    /// both samples, so the difference is what the clusters themselves hold (topologies, probes, runners, clients).
    /// </summary>
    public static async Task<Scale> ScaleAsync(int clusters, int tables, int rounds, TextWriter log, double speed = 2)
    {
        var json = Scenario(clusters, tables, 1, outage: false, TimeSpan.FromHours(1));
        var scenario = Emulator.Scenarios.Scenario.Parse(json.ToJsonString(), json["name"]!.GetValue<string>());
        var settings = ScenarioSettings.Read(scenario, scenario.Name);
        var clock = new ScaledTimeProvider(TimeProvider.System, speed, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var emulator = await ArmEmulator.StartAsync(new EmulatorOptions { Clock = clock, Arm = scenario.Arm, RecordRequests = false });
        emulator.Load(scenario);
        ScenarioSettings.Connect(settings.Options, scenario, emulator);
        await using var first = await MonitorRun.StartAsync(settings, clock, rounds);
        var (heapWithOne, _) = MemoryBenchmark.Sample();
        await using var second = await MonitorRun.StartAsync(settings, clock, rounds);
        var (heapWithTwo, workingSet) = MemoryBenchmark.Sample();
        GC.KeepAlive(first);
        GC.KeepAlive(second);
        var scale = new Scale(
            clusters, tables, rounds, (heapWithTwo - heapWithOne) / 1024.0 / clusters, workingSet / 1048576.0,
            Stats.Percentile(first.Walls, 50), first.Walls.Max(), first.Cpu.TotalMilliseconds / rounds / clusters,
            Stats.Percentile(first.ClusterRounds, 50), Stats.Percentile(first.ClusterRounds, 95))
        { HeapOfASecondMonitor = true };
        await log.WriteLineAsync(FormattableString.Invariant(
            $"  fleet scale {clusters} x {tables}: heap {scale.HeapPerClusterKiB:0} KiB per cluster, working set {scale.WorkingSetMiB:0} MiB, a round of every cluster {scale.RoundWallMedianMs:0} ms wall (max {scale.RoundWallMaxMs:0}), CPU {scale.CpuPerClusterRoundMs:0.00} ms per cluster and round, a cluster's round {scale.ClusterRoundMedianMs:0} ms median, {scale.ClusterRoundP95Ms:0} ms p95 of scenario time"));
        return scale;
    }

    /// <summary>A monitor built from the settings, after its rounds: the wall time and CPU of each, and each cluster's round.</summary>
    private sealed class MonitorRun(ServiceProvider services) : IAsyncDisposable
    {
        public List<double> Walls { get; } = [];

        public List<double> ClusterRounds { get; } = [];

        public TimeSpan Cpu { get; private set; }

        public static async Task<MonitorRun> StartAsync(SettingsRead settings, TimeProvider clock, int rounds)
        {
            var run = new MonitorRun(new ServiceCollection()
                .AddLogging()
                .AddSingleton(clock)
                .AddNvaFailover(settings)
                .BuildServiceProvider());
            var monitor = run.Monitor;
            await monitor.RunRoundAsync(RoundRequest.Timer);
            for (var round = 0; round < rounds; round++)
            {
                await Task.Delay(TimeSpan.FromSeconds(5), clock);
                var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                var wall = Stopwatch.StartNew();
                var reports = await monitor.RunRoundAsync(RoundRequest.Timer);
                run.Walls.Add(wall.Elapsed.TotalMilliseconds);
                run.Cpu += Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
                run.ClusterRounds.AddRange(reports.Select(r => (r.CompletedAt - r.StartedAt).TotalMilliseconds));
            }

            return run;
        }

        private FailoverMonitor Monitor => services.GetRequiredService<FailoverMonitor>();

        public ValueTask DisposeAsync() => services.DisposeAsync();
    }

    private static string Sub(int s) => $"f1ee7000-0000-4000-8000-{s:000000000000}";

    private static string Vm(int c, string side, int subscriptions) =>
        $"/subscriptions/{Sub(c % subscriptions)}/resourceGroups/rg-nva/providers/Microsoft.Compute/virtualMachines/fleet-{c:000}-{side}";

    private static string Ip(int c, string side) => $"10.{1 + (c / 200)}.{c % 200}.{(side == "a" ? 4 : 5)}";

    private static JsonObject Scenario(int clusters, int tables, int subscriptions, bool outage, TimeSpan duration)
    {
        var vms = new JsonArray();
        var routeTables = new JsonArray();
        var settings = new JsonArray();
        var timeline = new JsonArray();
        for (var c = 0; c < clusters; c++)
        {
            var sub = Sub(c % subscriptions);
            foreach (var side in new[] { "a", "b" })
            {
                vms.Add(new JsonObject
                {
                    ["id"] = Vm(c, side, subscriptions),
                    ["location"] = "westeurope",
                    ["networkInterfaces"] = new JsonArray(new JsonObject
                    {
                        ["id"] = $"/subscriptions/{sub}/resourceGroups/rg-nva/providers/Microsoft.Network/networkInterfaces/fleet-{c:000}-{side}-nic",
                        ["enableIPForwarding"] = true,
                        ["ipConfigurations"] = new JsonArray(new JsonObject
                        {
                            ["name"] = "ipconfig1",
                            ["privateIPAddress"] = Ip(c, side),
                            ["subnetId"] = $"/subscriptions/{sub}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/hub/subnets/nva",
                        }),
                    }),
                });
            }

            for (var t = 0; t < tables; t++)
            {
                routeTables.Add(new JsonObject
                {
                    ["id"] = $"/subscriptions/{sub}/resourceGroups/rg-spokes/providers/Microsoft.Network/routeTables/rt-{c:000}-{t:00}",
                    ["location"] = "westeurope",
                    ["tags"] = new JsonObject { ["nva_ha_udr"] = $"fleet-{c:000}" },
                    ["routes"] = new JsonArray(Route("default", "0.0.0.0/0", Ip(c, "a")), Route("branches", "192.168.0.0/16", Ip(c, "a"))),
                });
            }

            settings.Add(new JsonObject
            {
                ["Name"] = $"fleet-{c:000}",
                ["Nvas"] = new JsonArray(new JsonObject { ["VirtualMachineId"] = Vm(c, "a", subscriptions) }, new JsonObject { ["VirtualMachineId"] = Vm(c, "b", subscriptions) }),
                ["RouteTables"] = new JsonObject { ["TagValue"] = $"fleet-{c:000}", ["SubscriptionIds"] = new JsonArray(sub) },
            });
            if (outage)
            {
                timeline.Add(BenchTopology.Event(Fault, "powerOff", $"fleet-{c:000}-a"));
            }
        }

        return new JsonObject
        {
            ["name"] = $"fleet-{clusters}x{tables}-{subscriptions}sub-{(outage ? "outage" : "healthy")}",
            ["topology"] = new JsonObject { ["virtualMachines"] = vms, ["routeTables"] = routeTables },
            ["settings"] = new JsonObject { ["Clusters"] = settings },
            ["arm"] = new JsonObject
            {
                ["latency"] = new JsonObject { ["read"] = "00:00:00.100", ["routeTableWrite"] = "00:00:05", ["networkInterfaceWrite"] = "00:00:15" },
                ["writesPerFiveMinutes"] = 1000,
            },
            ["timeline"] = timeline,
            ["duration"] = duration.ToString("c", CultureInfo.InvariantCulture),
        };
    }

    private static JsonObject Route(string name, string prefix, string ip) =>
        new() { ["name"] = name, ["addressPrefix"] = prefix, ["nextHopType"] = "VirtualAppliance", ["nextHopIpAddress"] = ip };
}
