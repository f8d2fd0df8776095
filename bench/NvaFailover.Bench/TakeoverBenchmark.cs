using System.Globalization;
using NvaFailover.FaultSuite;

namespace NvaFailover.Bench;

/// <summary>
/// The witness drill, repeated: two <c>nvafo run</c> processes on Azurite and the emulator, the leader killed inside the
/// public IP move; how long from the kill until the standby has the routes and the public IP (in its slot) on the standby
/// NVA. The floor is what is left of the dead leader's lease (up to one lease period) plus one round.
/// </summary>
internal static class TakeoverBenchmark
{
    public sealed record Measured(string Command, DateTimeOffset Date, string Version, double LeaseSeconds, double IntervalSeconds, List<double> Seconds, int Failed);

    public static async Task<Measured> RunAsync(int runs, string command, TextWriter log)
    {
        var lease = TimeSpan.FromSeconds(15);
        var interval = TimeSpan.FromSeconds(2);
        var topology = Path.Combine(Repository(), "tests", "NvaFailover.Emulator.Tests", "Fixtures", "topology.json");
        var seconds = new List<double>();
        var failed = 0;
        for (var run = 1; run <= runs; run++)
        {
            var outcome = await WitnessDrill.RunAsync(topology, lease, interval, lease + TimeSpan.FromSeconds(60));
            if (outcome.Takeover is { } took && outcome.PublicIpHolder == WitnessDrill.Outcome.ExpectedHolder)
            {
                seconds.Add(took.TotalSeconds);
            }
            else
            {
                failed++;
            }

            await log.WriteLineAsync(FormattableString.Invariant($"  takeover {run}/{runs}: {(outcome.Takeover is { } t ? $"{t.TotalSeconds:0.0} s" : "not finished")}, public IP on {outcome.PublicIpHolder?.Split('/')[^1] ?? "(none)"}"));
        }

        return new Measured(command, DateTimeOffset.UtcNow, Cli.PrintVersion.Text, lease.TotalSeconds, interval.TotalSeconds, seconds, failed);
    }

    public static void Markdown(System.Text.StringBuilder md, Measured m)
    {
        void Line(FormattableString text) => md.AppendLine(text.ToString(CultureInfo.InvariantCulture));
        Line($"## Two watchers: the leader killed inside a public IP move");
        md.AppendLine();
        Line($"Measured by `{m.Command}` on {m.Date:yyyy-MM-dd HH:mm} UTC, {m.Version}. Two `nvafo run` processes (the tool as built) share a");
        Line($"witness on Azurite (Blob Storage leases, {m.LeaseSeconds:0} s) and manage one pair on the ARM emulator (its latencies 50 times shorter), probing every");
        Line($"{m.IntervalSeconds:0} s. The pair has a management NIC in slot 0 and the public IP on the untrust NIC in slot 1. The active NVA is powered off;");
        Line($"the leader is killed (SIGKILL, its lease not released) the moment its first NIC write (the public IP's detach) reaches ARM.");
        Line($"Time from the kill until the standby has the routes and the public IP, in slot 1, on the standby NVA. Floor: what is left");
        Line($"of the dead leader's lease (a leader renews after a third of it, so 10 to 15 s) plus one round ({m.IntervalSeconds:0} s).");
        md.AppendLine();
        Line($"| runs | finished | median | max | bound (one lease period + one round) |");
        Line($"|---:|---:|---:|---:|---:|");
        var median = m.Seconds.Count > 0 ? Stats.Percentile(m.Seconds, 50) : double.NaN;
        var max = m.Seconds.Count > 0 ? m.Seconds.Max() : double.NaN;
        Line($"| {m.Seconds.Count + m.Failed} | {m.Seconds.Count} | {median:0.0} s | {max:0.0} s | {m.LeaseSeconds + m.IntervalSeconds:0.0} s |");
        md.AppendLine();
    }

    private static string Repository()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "NvaFailover.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("NvaFailover.sln not found");
    }
}
