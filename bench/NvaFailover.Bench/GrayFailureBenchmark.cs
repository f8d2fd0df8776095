using System.Globalization;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using NvaFailover.Emulator;
using NvaFailover.Emulator.Time;

namespace NvaFailover.Bench;

/// <summary>
/// Gray failures: the active NVA stops forwarding at a random moment of each period (its VM runs, its management port
/// answers) and forwards again 25 s later. NvaFailover probes with Forwarding (2 attempts, 1 s timeout, 2 s apart,
/// every 5 s) and verifies every failover on the data plane (4 managed tables, each used by a spoke subnet with one
/// running workload VM). The baseline is ha-nva-fo's TCP probe of the same NVAs' management port (3 tries, 2 s apart,
/// every 30 s) on the same faults. Runs at 8x at most: the rehearsal's timeouts last at least 250 ms of real time (2 s
/// of scenario time at 8x, so each 1 s attempt that times out counts 2 s, an upper bound the results state), and a faster
/// run would stretch them further.
/// </summary>
internal static class GrayFailureBenchmark
{
    private const int Tables = 4;
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(35);
    private static readonly TimeSpan First = TimeSpan.FromSeconds(45);
    private static readonly TimeSpan Repair = TimeSpan.FromSeconds(25);

    public sealed record Outcome(
        int Faults,
        double Speed,
        IReadOnlyList<double> Detection,
        IReadOnlyList<double> Verified,
        int Failovers,
        int VerifiedFailovers,
        double VerificationRequestsPerFailover,
        string VerificationRequests,
        int BaselineFailovers,
        int FalseFailovers);

    public sealed record Measured(string Command, DateTimeOffset Date, string Version, Outcome Outcome);

    public static async Task<Outcome> RunAsync(int faults, int seed, double speed, TextWriter log)
    {
        var random = new Random(seed);
        var times = Enumerable.Range(0, faults).Select(k => First + (Period * k) + TimeSpan.FromSeconds(random.NextDouble() * 10)).ToList();
        var duration = First + (Period * faults) + TimeSpan.FromSeconds(20);
        var events = new List<JsonObject>();
        for (var k = 0; k < faults; k++)
        {
            var victim = k % 2 == 0 ? "nva-a" : "nva-b";
            events.Add(BenchTopology.Event(times[k], "stopForwarding", victim));
            events.Add(BenchTopology.Event(times[k] + Repair, "startForwarding", victim));
        }

        var scenario = BenchTopology.Scenario("gray-failures", Tables, publicIp: false, duration, events, cluster =>
        {
            cluster["Probe"] = new JsonObject { ["Kind"] = "Forwarding", ["Attempts"] = 2, ["Timeout"] = "00:00:01", ["Delay"] = "00:00:02", ["Interval"] = "00:00:05" };
        });
        AddWorkloads(scenario["topology"]!.AsObject());

        var baseline = BaselineAsync(times, duration, speed);
        var result = await Ours.RehearseAsync(scenario, speed);
        var ours = result.Failovers.Where(f => f.Reason == "activeDown" && f.FaultAt is not null).ToList();
        var detection = ours.Select(f => (f.DetectedAt - f.FaultAt!.Value).TotalSeconds).ToList();
        var verified = ours.Where(f => f.VerifiedAt is not null).Select(f => (f.VerifiedAt!.Value - f.FaultAt!.Value).TotalSeconds).ToList();
        var subnetReads = result.Requests.Count(r => r.Operation == "GET subnets");
        var effective = result.Requests.Count(r => r.Operation == "POST effectiveRouteTable");
        var listings = result.Requests.Count(r => r.Operation == "GET routeTables" && !r.PathTemplate.Contains("/resourceGroups/", StringComparison.Ordinal));
        var perFailover = ours.Count == 0 ? 0 : (subnetReads + effective + listings) / (double)ours.Count;
        var breakdown = ours.Count == 0 ? "" : FormattableString.Invariant($"{subnetReads / (double)ours.Count:0.#} subnet reads, {effective / (double)ours.Count:0.#} effective-route reads, {listings / (double)ours.Count:0.#} table listings");
        var falseFailovers = result.Failovers.Count(f => f.Reason == "activeDown" && f.FaultAt is null);
        await log.WriteLineAsync(FormattableString.Invariant(
            $"  gray failures, ours: {ours.Count} failovers for {faults} faults ({verified.Count} verified), detection median {Stats.Percentile(detection, 50):0.0} s p95 {Stats.Percentile(detection, 95):0.0} s, verified median {Stats.Percentile(verified, 50):0.0} s, {perFailover:0.0} verification requests per failover"));
        var theirs = await baseline;
        await log.WriteLineAsync($"  gray failures, ha-nva-fo (TCP probe): {theirs} failovers for {faults} faults");
        return new Outcome(faults, speed, detection, verified, ours.Count, verified.Count, perFailover, breakdown, theirs, falseFailovers);
    }

    /// <summary>A spoke subnet per managed table, each with one running workload VM: what verification asks.</summary>
    private static void AddWorkloads(JsonObject topology)
    {
        var subnets = new JsonArray();
        var vms = topology["virtualMachines"]!.AsArray();
        foreach (var (table, i) in topology["routeTables"]!.AsArray().Select((t, i) => (t!["id"]!.GetValue<string>(), i)))
        {
            var subnet = $"/subscriptions/{BenchTopology.Sub}/resourceGroups/rg-spokes/providers/Microsoft.Network/virtualNetworks/spoke-{i}/subnets/workloads";
            subnets.Add(new JsonObject { ["id"] = subnet, ["routeTableId"] = table });
            vms.Add(new JsonObject
            {
                ["id"] = $"/subscriptions/{BenchTopology.Sub}/resourceGroups/rg-spokes/providers/Microsoft.Compute/virtualMachines/app-{i}",
                ["location"] = "westeurope",
                ["networkInterfaces"] = new JsonArray(new JsonObject
                {
                    ["id"] = $"/subscriptions/{BenchTopology.Sub}/resourceGroups/rg-spokes/providers/Microsoft.Network/networkInterfaces/app-{i}-nic",
                    ["ipConfigurations"] = new JsonArray(new JsonObject
                    {
                        ["name"] = "ipconfig1",
                        ["privateIPAddress"] = string.Create(CultureInfo.InvariantCulture, $"10.{100 + i}.0.4"),
                        ["subnetId"] = subnet,
                    }),
                }),
            });
        }

        topology["subnets"] = subnets;
    }

    /// <summary>
    /// ha-nva-fo's TCP probe (FWMONITOR=TCPPort: 3 connects 2 s apart to each NVA's port, every 30 s) on the same gray
    /// failures; a tick with one NVA failing and the other passing would fail over. Returns how many did.
    /// </summary>
    private static async Task<int> BaselineAsync(List<TimeSpan> times, TimeSpan duration, double speed)
    {
        var clock = new ScaledTimeProvider(TimeProvider.System, speed, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var emulator = await ArmEmulator.StartAsync(new EmulatorOptions { Clock = clock, RecordRequests = false });
        emulator.Load(BenchTopology.Topology(Tables, publicIp: false));
        var start = clock.GetUtcNow();
        var faults = Task.Run(async () =>
        {
            for (var k = 0; k < times.Count; k++)
            {
                var victim = k % 2 == 0 ? "nva-a" : "nva-b";
                await DetectionBenchmark.Until(clock, start + times[k]);
                emulator.SetForwarding(victim, forwarding: false);
                await DetectionBenchmark.Until(clock, start + times[k] + Repair);
                emulator.SetForwarding(victim, forwarding: true);
            }
        });

        var failovers = 0;
        for (var tick = start + TimeSpan.FromSeconds(30); tick < start + duration; tick += TimeSpan.FromSeconds(30))
        {
            await DetectionBenchmark.Until(clock, tick);
            var a = await TcpUpAsync(emulator.ProbeEndpoint("nva-a"), clock);
            var b = await TcpUpAsync(emulator.ProbeEndpoint("nva-b"), clock);
            failovers += a != b ? 1 : 0;
        }

        await faults;
        return failovers;
    }

    private static async Task<bool> TcpUpAsync(string endpoint, TimeProvider clock)
    {
        var port = int.Parse(endpoint.Split(':')[1], CultureInfo.InvariantCulture);
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(System.Net.IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                if (attempt < 3)
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), clock);
                }
            }
        }

        return false;
    }
}
