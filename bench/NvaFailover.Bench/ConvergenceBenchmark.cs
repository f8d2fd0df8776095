using System.Diagnostics;
using NvaFailover.Emulator;

namespace NvaFailover.Bench;

/// <summary>
/// Decision to last write for N route tables (and a public IP, or not), ours and the ha-nva-fo baseline, beside the
/// physical floor: max(two NIC writes one after the other, one table write plus ARM's refill time for the writes beyond
/// its bucket of 200).
/// </summary>
internal static class ConvergenceBenchmark
{
    private static readonly TimeSpan TableWrite = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan NicWrite = TimeSpan.FromSeconds(15);

    public sealed record Row(int Tables, bool PublicIp, double FloorSeconds, double OursSeconds, int OursWrites, int OursThrottled, double? BaselineSeconds, int? BaselineWrites, double Speed)
    {
        public double Ratio => OursSeconds / FloorSeconds;
    }

    public static double Floor(int tables, bool publicIp)
    {
        var writes = tables + (publicIp ? 2 : 0);
        var routes = TableWrite.TotalSeconds + (Math.Max(0, writes - 200) / 10.0);
        return publicIp ? Math.Max(2 * NicWrite.TotalSeconds, routes) : routes;
    }

    /// <summary>
    /// Slow enough that the real cost of N concurrent HTTPS writes on two cores stays small in scenario time (at 20x, a
    /// hundred TLS connections opened at once cost seconds of scenario time; at 2x, a fraction of one).
    /// </summary>
    public static double SpeedFor(int tables) => tables <= 10 ? 20 : 2;

    public static async Task<Row> RunAsync(int tables, bool publicIp, bool baseline, TextWriter log, double? speedOverride = null)
    {
        var speed = speedOverride ?? SpeedFor(tables);
        var fault = TimeSpan.FromSeconds(40);
        var duration = fault + TimeSpan.FromSeconds(30 + (2.5 * Floor(tables, publicIp)));
        var scenario = BenchTopology.Scenario($"convergence-{tables}{(publicIp ? "-pip" : "")}", tables, publicIp, duration, [BenchTopology.Event(fault, "powerOff", "nva-a")]);
        var result = await Ours.RehearseAsync(scenario, speed);
        var failover = result.Failovers.Single(f => f.Reason == "activeDown");
        var done = publicIp ? Later(failover.RoutesConvergedAt, failover.PublicIpsConvergedAt) : failover.RoutesConvergedAt;
        var ours = ((done ?? duration) - failover.DetectedAt).TotalSeconds;
        var writes = result.Requests.Count(r => r.Method == "PUT");
        var throttled = result.Requests.Count(r => r.Status == 429);
        await log.WriteLineAsync(FormattableString.Invariant($"  convergence {tables} tables{(publicIp ? " + public IP" : "")}: ours {ours:0.0} s ({writes} writes, {throttled} throttled; {failover.StatusWord}), floor {Floor(tables, publicIp):0.0} s"));

        double? theirs = null;
        int? theirWrites = null;
        if (baseline)
        {
            (theirs, theirWrites) = await BaselineAsync(tables);
            await log.WriteLineAsync(FormattableString.Invariant($"  convergence {tables} tables: ha-nva-fo {theirs:0.0} s ({theirWrites} writes)"));
        }

        return new Row(tables, publicIp, Floor(tables, publicIp), ours, writes, throttled, theirs, theirWrites, speed);
    }

    /// <summary>The baseline's failover: a tick finds nva-a down and rewrites every table, one after another.</summary>
    private static async Task<(double Seconds, int Writes)> BaselineAsync(int tables)
    {
        await using var emulator = await ArmEmulator.StartAsync(new EmulatorOptions { Speed = 50 });
        emulator.Load(BenchTopology.Topology(tables, publicIp: false));
        emulator.PowerAction("nva-a", "powerOff");
        using var baseline = new HaNvaFoBaseline(emulator);
        var tick = await baseline.TickAsync(CancellationToken.None) ?? throw new UnreachableException("the baseline saw no failure");
        return ((tick.LastWriteAt!.Value - tick.DecidedAt).TotalSeconds, emulator.Requests.Count(r => r.Method == "PUT"));
    }

    private static TimeSpan? Later(TimeSpan? a, TimeSpan? b) => a is { } x && b is { } y ? (x > y ? x : y) : a ?? b;
}
