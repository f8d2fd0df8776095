using System.Diagnostics;
using NvaFailover.Emulator;
using NvaFailover.Emulator.Scenarios;

namespace NvaFailover.Bench;

/// <summary>Simple requests (GET of a route table) over HTTPS keep-alive connections, C at a time (target: 2,000 per second on 2 cores).</summary>
internal static class EmulatorBenchmark
{
    public sealed record Outcome(int Requests, int Concurrency, double PerSecond, double P50Ms, double P99Ms, int Failures);

    public static async Task<Outcome> RunAsync(int requests, int concurrency, TextWriter log)
    {
        await using var emulator = await ArmEmulator.StartAsync(new EmulatorOptions
        {
            Arm = new ArmBehaviour { ReadLatency = TimeSpan.Zero },
            Throttling = new ThrottleLimits(ReadCapacity: 1e9, ReadRefillPerSecond: 1e9),
            RecordRequests = false,
        });
        emulator.Load(BenchTopology.Topology(1, publicIp: false));
        using var client = new HttpClient(emulator.CreateHttpHandler());
        client.DefaultRequestHeaders.Authorization = new("Bearer", "bench");
        var url = new Uri(emulator.Endpoint, $"subscriptions/{BenchTopology.Sub}/resourceGroups/rg-spokes/providers/Microsoft.Network/routeTables/rt-0000?api-version=2024-07-01");
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
        var outcome = new Outcome(done, concurrency, done / total.Elapsed.TotalSeconds, latencies[done / 2], latencies[(int)(done * 0.99)], failures);
        await log.WriteLineAsync(FormattableString.Invariant($"  emulator: {outcome.PerSecond:0} requests/s, p50 {outcome.P50Ms:0.00} ms, p99 {outcome.P99Ms:0.00} ms"));
        return outcome;
    }
}
