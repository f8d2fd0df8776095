using NvaFailover.Emulator;
using NvaFailover.Emulator.Time;

namespace NvaFailover.Bench;

/// <summary>
/// Fault to decision, fault to routes restored and fault to public IP restored, over many random fault times: the
/// active NVA powered off at a random moment of each 90-second period, started again 40 s later; default settings
/// (the Functions app's: 30 s timer, VmPowerState, 3 attempts 2 s apart, probing every 5 s). The baseline gets the
/// same faults.
/// </summary>
internal static class DetectionBenchmark
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan First = TimeSpan.FromSeconds(60);

    public sealed record Sample(IReadOnlyList<double> Detection, IReadOnlyList<double> Routes, IReadOnlyList<double> PublicIp);

    public sealed record Outcome(int Faults, Sample Ours, Sample Baseline, int OursFailovers, int BaselineFailovers, double Speed);

    public static async Task<Outcome> RunAsync(int faults, int seed, double speed, TextWriter log)
    {
        var random = new Random(seed);
        var times = Enumerable.Range(0, faults).Select(k => First + (Period * k) + TimeSpan.FromSeconds(random.NextDouble() * 30)).ToList();
        var duration = First + (Period * faults) + TimeSpan.FromSeconds(30);
        var events = new List<(TimeSpan At, string Action, string Vm)>();
        for (var k = 0; k < faults; k++)
        {
            var victim = k % 2 == 0 ? "nva-a" : "nva-b";
            events.Add((times[k], "powerOff", victim));
            events.Add((times[k] + TimeSpan.FromSeconds(40), "start", victim));
        }

        var scenario = BenchTopology.Scenario("detection", 10, publicIp: true, duration, events.Select(e => BenchTopology.Event(e.At, e.Action, e.Vm)));
        var result = await Ours.RehearseAsync(scenario, speed);
        var ours = result.Failovers.Where(f => f.Reason == "activeDown" && f.FaultAt is not null).ToList();
        var oursSample = new Sample(
            [.. ours.Select(f => (f.DetectedAt - f.FaultAt!.Value).TotalSeconds)],
            [.. ours.Where(f => f.RoutesConvergedAt is not null).Select(f => (f.RoutesConvergedAt!.Value - f.FaultAt!.Value).TotalSeconds)],
            [.. ours.Where(f => f.PublicIpsConvergedAt is not null).Select(f => (f.PublicIpsConvergedAt!.Value - f.FaultAt!.Value).TotalSeconds)]);
        await log.WriteLineAsync(FormattableString.Invariant($"  detection, ours: {ours.Count} failovers for {faults} faults, median {Stats.Percentile(oursSample.Detection, 50):0.0} s"));

        var (baselineSample, baselineFailovers) = await BaselineAsync(times, duration, speed);
        await log.WriteLineAsync(FormattableString.Invariant($"  detection, ha-nva-fo: {baselineFailovers} failovers, median {Stats.Percentile(baselineSample.Detection, 50):0.0} s"));
        return new Outcome(faults, oursSample, baselineSample, ours.Count, baselineFailovers, speed);
    }

    private static async Task<(Sample Sample, int Failovers)> BaselineAsync(List<TimeSpan> times, TimeSpan duration, double speed)
    {
        var clock = new ScaledTimeProvider(TimeProvider.System, speed, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var emulator = await ArmEmulator.StartAsync(new EmulatorOptions { Clock = clock, RecordRequests = false });
        emulator.Load(BenchTopology.Topology(10, publicIp: false));
        using var baseline = new HaNvaFoBaseline(emulator);
        var start = clock.GetUtcNow();
        using var stop = new CancellationTokenSource();
        var faults = Task.Run(async () =>
        {
            for (var k = 0; k < times.Count; k++)
            {
                var victim = k % 2 == 0 ? "nva-a" : "nva-b";
                await Until(clock, start + times[k]);
                emulator.PowerAction(victim, "powerOff");
                await Until(clock, start + times[k] + TimeSpan.FromSeconds(40));
                emulator.PowerAction(victim, "start");
            }
        });
        var ticks = await baseline.RunAsync(start + duration, stop.Token);
        await faults;

        var detection = new List<double>();
        var routes = new List<double>();
        foreach (var fault in times.Select(t => start + t))
        {
            if (ticks.FirstOrDefault(t => t.DecidedAt >= fault && t.DecidedAt < fault + TimeSpan.FromSeconds(70)) is { } first)
            {
                detection.Add((first.DecidedAt - fault).TotalSeconds);
                routes.Add(((first.LastWriteAt ?? first.DecidedAt) - fault).TotalSeconds);
            }
        }

        return (new Sample(detection, routes, []), detection.Count);
    }

    /// <summary>Waits on a scaled clock until <paramref name="at"/> (a delay may end a little early in scaled time).</summary>
    internal static async Task Until(TimeProvider clock, DateTimeOffset at)
    {
        for (var left = at - clock.GetUtcNow(); left > TimeSpan.Zero; left = at - clock.GetUtcNow())
        {
            await Task.Delay(left, clock);
        }
    }
}
