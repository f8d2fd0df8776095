using NvaFailover.Emulator;
using NvaFailover.Emulator.Time;

namespace NvaFailover.Bench;

/// <summary>
/// What an hour costs in ARM requests, ours and the baseline: healthy (every NVA up), and failed over (the preferred
/// NVA down the whole hour after one failover), with 10 route tables.
/// </summary>
internal static class CostBenchmark
{
    public sealed record Row(string Case, int OursReads, int OursWrites, int BaselineReads, int BaselineWrites);

    public static async Task<List<Row>> RunAsync(double speed, TextWriter log)
    {
        var hour = TimeSpan.FromHours(1);
        var rows = new List<Row>();
        foreach (var failedOver in new[] { false, true })
        {
            var timeline = failedOver ? [BenchTopology.Event(TimeSpan.FromSeconds(10), "powerOff", "nva-a")] : Array.Empty<System.Text.Json.Nodes.JsonObject>();
            var result = await Ours.RehearseAsync(BenchTopology.Scenario(failedOver ? "hour-failed-over" : "hour-healthy", 10, publicIp: false, hour, timeline), speed);
            var (reads, writes) = await BaselineAsync(hour, failedOver, speed);
            var row = new Row(failedOver ? "failed over (preferred NVA down all hour)" : "healthy", result.Arm.Reads, result.Arm.Writes, reads, writes);
            await log.WriteLineAsync($"  hour {row.Case}: ours {row.OursReads} reads, {row.OursWrites} writes; ha-nva-fo {row.BaselineReads} reads, {row.BaselineWrites} writes");
            rows.Add(row);
        }

        return rows;
    }

    private static async Task<(int Reads, int Writes)> BaselineAsync(TimeSpan hour, bool failedOver, double speed)
    {
        var clock = new ScaledTimeProvider(TimeProvider.System, speed, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var emulator = await ArmEmulator.StartAsync(new EmulatorOptions { Clock = clock });
        emulator.Load(BenchTopology.Topology(10, publicIp: false));
        using var baseline = new HaNvaFoBaseline(emulator);
        var start = clock.GetUtcNow();
        if (failedOver)
        {
            emulator.PowerAction("nva-a", "powerOff");
        }

        await baseline.RunAsync(start + hour, CancellationToken.None);
        var requests = emulator.Requests.ToList();
        return (requests.Count(r => r.Method == "GET"), requests.Count(r => r.Method == "PUT"));
    }
}
