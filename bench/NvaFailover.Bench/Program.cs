using System.Diagnostics;
using System.Globalization;
using NvaFailover.Bench;
using NvaFailover.Emulator;

// Benchmarks run by hand (never in CI or as timed tests): dotnet run -c Release --project bench/NvaFailover.Bench -- emulator
// Every loop is bounded in count and time and talks only to the emulator on 127.0.0.1.
var which = args.FirstOrDefault() ?? "emulator";
return which switch
{
    "emulator" => await EmulatorThroughputAsync(
        requests: Arg("--requests", 20_000),
        concurrency: Arg("--concurrency", 16)),
    "failover" => await FailoverBenchmark.RunAsync(
        tables: Arg("--tables", 100),
        parallel: Arg("--parallel", 8),
        speed: Arg("--speed", 20)),
    "faults" => await Faults(),
    _ => Usage(),
};

async Task<int> Faults()
{
    var outcome = await FaultSuiteBenchmark.RunAsync(Arg("--seeds", 1000), Arg("--first-seed", 1), Arg("--speed", 200), Arg("--parallel", 2), Path.Combine(Path.GetTempPath(), "nvafo-fault-suite"), Console.Out);
    Console.WriteLine($"fault suite: {outcome.Runs} runs, {outcome.FaultsInjected} faults, {outcome.Failovers} failovers, {outcome.Violations} violations in {outcome.Wall:c}");
    return outcome.Violations == 0 ? 0 : 1;
}

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : fallback;
}

static int Usage()
{
    Console.Error.WriteLine("Usage: emulator [--requests N] [--concurrency C] | failover [--tables N] [--parallel P] [--speed S]");
    return 2;
}

// Simple requests (GET of a route table) over HTTPS keep-alive connections, C at a time; the emulator must never be
// the bottleneck of a scale test (target: at least 2,000 requests per second on a 2-core machine).
static async Task<int> EmulatorThroughputAsync(int requests, int concurrency)
{
    var topology = System.Text.Json.Nodes.JsonNode.Parse("""
        {"virtualMachines":[],"publicIPAddresses":[],"routeTables":[
          {"id":"/subscriptions/00000000-0000-0000-0000-00000000b001/resourceGroups/rg/providers/Microsoft.Network/routeTables/rt","location":"westeurope",
           "tags":{"nva_ha_udr":"bench"},
           "routes":[{"name":"default","addressPrefix":"0.0.0.0/0","nextHopType":"VirtualAppliance","nextHopIpAddress":"10.0.0.4"}]}]}
        """)!.AsObject();
    await using var emulator = await ArmEmulator.StartAsync(new EmulatorOptions
    {
        Arm = new ArmBehaviour { ReadLatency = TimeSpan.Zero },
        Throttling = new ThrottleLimits(ReadCapacity: 1e9, ReadRefillPerSecond: 1e9),
    });
    emulator.Load(topology);
    using var client = new HttpClient(emulator.CreateHttpHandler());
    client.DefaultRequestHeaders.Authorization = new("Bearer", "bench");
    var url = new Uri(emulator.Endpoint, "subscriptions/00000000-0000-0000-0000-00000000b001/resourceGroups/rg/providers/Microsoft.Network/routeTables/rt?api-version=2024-07-01");

    // Warm up connections and JIT.
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ => (await client.GetAsync(url)).Dispose()));

    var next = 0;
    var failures = 0;
    var latencies = new double[requests];
    var total = Stopwatch.StartNew();
    using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next) - 1) < requests && !deadline.IsCancellationRequested)
        {
            var one = Stopwatch.GetTimestamp();
            using var response = await client.GetAsync(url, deadline.Token);
            await response.Content.ReadAsByteArrayAsync(deadline.Token);
            latencies[i] = Stopwatch.GetElapsedTime(one).TotalMilliseconds;
            if (!response.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref failures);
            }
        }
    }));
    total.Stop();

    var done = Math.Min(next, requests);
    Array.Sort(latencies, 0, done);
    var rate = done / total.Elapsed.TotalSeconds;
    Console.WriteLine($"emulator throughput: {done} GET routeTables over HTTPS, {concurrency} concurrent, {Environment.ProcessorCount} cores");
    Console.WriteLine(FormattableString.Invariant($"  {rate:F0} requests/s, p50 {latencies[done / 2]:F2} ms, p99 {latencies[(int)(done * 0.99)]:F2} ms, failures {failures}"));
    Console.WriteLine(rate >= 2000 ? "  target (>= 2,000 requests/s): met" : "  target (>= 2,000 requests/s): NOT met");
    return rate >= 2000 && failures == 0 ? 0 : 1;
}
