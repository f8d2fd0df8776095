using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace NvaFailover.Bench;

/// <summary>Everything one run of the benchmarks measured, and how it reads in bench/RESULTS.md and bench/results.json.</summary>
internal sealed record Results(
    string Command,
    DateTimeOffset Date,
    string Machine,
    string Version,
    List<ConvergenceBenchmark.Row> Convergence,
    List<ConvergenceBenchmark.Row> RoutesOnly,
    DetectionBenchmark.Outcome Detection,
    List<CostBenchmark.Row> Cost,
    MemoryBenchmark.Outcome Memory,
    EmulatorBenchmark.Outcome Emulator,
    FaultSuiteBenchmark.Outcome Faults,
    DateTimeOffset? ConvergenceMeasured,
    FleetBenchmark.Measured? Fleet = null,
    GrayFailureBenchmark.Measured? Gray = null,
    TakeoverBenchmark.Measured? Takeover = null)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string MachineDescription()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return $"{Environment.ProcessorCount} cores{(cpu is null ? "" : $" ({cpu})")}, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}";
    }

    public static Results Read(string folder) =>
        JsonSerializer.Deserialize<Results>(File.ReadAllText(Path.Combine(folder, "results.json")))
        ?? throw new InvalidDataException($"{Path.Combine(folder, "results.json")} holds no results");

    public void Write(string folder)
    {
        File.WriteAllText(Path.Combine(folder, "results.json"), JsonSerializer.Serialize(this, Indented));
        File.WriteAllText(Path.Combine(folder, "RESULTS.md"), Markdown());
    }

    private string Markdown()
    {
        var md = new StringBuilder();
        void Line(FormattableString text) => md.AppendLine(text.ToString(CultureInfo.InvariantCulture));
        string Met(bool met) => met ? "met" : "**not met**";
        double Median(IReadOnlyList<double> v) => Stats.Percentile(v, 50);
        double P95(IReadOnlyList<double> v) => Stats.Percentile(v, 95);

        Line($"# Benchmark results");
        md.AppendLine();
        Line($"Written by `{Command}` on {Date:yyyy-MM-dd HH:mm} UTC, {Version}, on {Machine}. Everything runs the real monitor,");
        Line($"executor and Azure adapters against the local ARM emulator over HTTPS, with Azure-like latencies (read 100 ms, route");
        Line($"table write 5 s, NIC write 15 s) and Azure's token buckets (writes 200 refilling 10/s, reads 250 refilling 25/s, per");
        Line($"subscription), in scaled time: every duration below is scenario time. The baseline is bench/'s implementation of");
        Line($"Azure/ha-nva-fo (30 s timer, FW1/FW2 power state 3 tries 2 s apart, every tagged table rewritten one after another,");
        Line($"on every tick while failed over, no public IP move), measured in the same run against the same emulator.");
        md.AppendLine();

        var big = Convergence.Where(r => r.Tables >= 1).ToList();
        var routesOnly = RoutesOnly.Where(r => r.Tables <= 100).ToList();
        var healthy = Cost.First();
        Line($"## Targets");
        md.AppendLine();
        Line($"| target | measured | |");
        Line($"|---|---|---|");
        Line($"| convergence within 1.2x of the floor at every N (public IP included) | worst {big.Max(r => r.Ratio):0.00}x (N = {big.MaxBy(r => r.Ratio)!.Tables}) | {Met(big.All(r => r.Ratio <= 1.2))} |");
        Line($"| routes only: within 1.2x of one table write up to N = 100 | worst {routesOnly.Max(r => r.Ratio):0.00}x | {Met(routesOnly.All(r => r.Ratio <= 1.2))} |");
        Line($"| no write beyond one per table and two per public IP | {big.Sum(r => r.OursWrites)} writes for {big.Sum(r => r.Tables + 2)} | {Met(big.All(r => r.OursWrites <= r.Tables + 2))} |");
        Line($"| detection median < 10 s, p95 < 15 s | median {Median(Detection.Ours.Detection):0.0} s, p95 {P95(Detection.Ours.Detection):0.0} s | {Met(Median(Detection.Ours.Detection) < 10 && P95(Detection.Ours.Detection) < 15)} |");
        Line($"| a healthy hour costs 0 writes | {healthy.OursWrites} writes | {Met(healthy.OursWrites == 0)} |");
        Line($"| memory grows < 5% over {Memory.Rounds} rounds | heap {Memory.HeapGrowth:P1}, working set {Memory.WorkingSetGrowth:P1} | {Met(Memory.HeapGrowth < 0.05 && Memory.WorkingSetGrowth < 0.05)} |");
        Line($"| emulator serves >= 2,000 requests/s | {Emulator.PerSecond:0} | {Met(Emulator.PerSecond >= 2000)} |");
        Line($"| fault suite: 0 violations over >= 1,000 seeds | {Faults.Violations} over {Faults.Runs} | {Met(Faults.Violations == 0 && Faults.Runs >= 1000)} |");
        md.AppendLine();

        Line($"## Convergence vs N (decision to last write), one subscription, one public IP, default settings");
        md.AppendLine();
        Line($"Floor = max(two NIC writes one after the other, 30 s; one table write + ARM's refill time for the writes beyond its bucket).");
        Line($"\"Throttled\" counts 429 answers our own burst caused. Large N run slower (speed column) so that the real cost of N");
        Line($"concurrent HTTPS writes on this machine stays small in scenario time.");
        md.AppendLine();
        if (ConvergenceMeasured is not null)
        {
            Line($"Measured {ConvergenceMeasured:yyyy-MM-dd HH:mm} UTC (this run kept them: `--keep-convergence`).");
            md.AppendLine();
        }

        Line($"| tables | floor | NvaFailover | ratio to floor | writes | throttled | ha-nva-fo (routes only) | speed |");
        Line($"|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in Convergence)
        {
            Line($"| {r.Tables} | {r.FloorSeconds:0.0} s | {r.OursSeconds:0.0} s | {r.Ratio:0.00}x | {r.OursWrites} | {r.OursThrottled} | {(r.BaselineSeconds is { } b ? $"{b:0.0} s ({r.BaselineWrites} writes)" : "-")} | {r.Speed:0}x |");
        }

        md.AppendLine();
        Line($"## Routes only (no public IP)");
        md.AppendLine();
        Line($"| tables | floor | NvaFailover | ratio to floor | writes | throttled |");
        Line($"|---:|---:|---:|---:|---:|---:|");
        foreach (var r in RoutesOnly)
        {
            Line($"| {r.Tables} | {r.FloorSeconds:0.0} s | {r.OursSeconds:0.0} s | {r.Ratio:0.00}x | {r.OursWrites} | {r.OursThrottled} |");
        }

        md.AppendLine();
        Line($"## Detection and restoration over {Detection.Faults} random fault times");
        md.AppendLine();
        Line($"The active NVA is powered off at a random moment of each 90 s period and started again 40 s later; 10 route tables and");
        Line($"a public IP; default settings (30 s timer, VmPowerState, 3 attempts 2 s apart, probing every 5 s within each run).");
        md.AppendLine();
        Line($"| | NvaFailover median | p95 | ha-nva-fo median | p95 |");
        Line($"|---|---:|---:|---:|---:|");
        Line($"| fault -> decision | {Median(Detection.Ours.Detection):0.0} s | {P95(Detection.Ours.Detection):0.0} s | {Median(Detection.Baseline.Detection):0.0} s | {P95(Detection.Baseline.Detection):0.0} s |");
        Line($"| fault -> routes restored | {Median(Detection.Ours.Routes):0.0} s | {P95(Detection.Ours.Routes):0.0} s | {Median(Detection.Baseline.Routes):0.0} s | {P95(Detection.Baseline.Routes):0.0} s |");
        Line($"| fault -> public IP restored | {Median(Detection.Ours.PublicIp):0.0} s | {P95(Detection.Ours.PublicIp):0.0} s | never (not moved) | |");
        Line($"| failovers for {Detection.Faults} faults | {Detection.OursFailovers} | | {Detection.BaselineFailovers} | |");
        md.AppendLine();

        Line($"## ARM cost of an hour (10 route tables)");
        md.AppendLine();
        Line($"| hour | NvaFailover reads | writes | ha-nva-fo reads | writes |");
        Line($"|---|---:|---:|---:|---:|");
        foreach (var c in Cost)
        {
            Line($"| {c.Case} | {c.OursReads} | {c.OursWrites} | {c.BaselineReads} | {c.BaselineWrites} |");
        }

        md.AppendLine();
        Line($"NvaFailover's reads are its probes (two power-state reads every 5 s: about 1,440 an hour) and a rediscovery every");
        Line($"DiscoveryRefresh (5 minutes); a healthy or settled hour writes nothing.");
        md.AppendLine();
        Line($"## Memory");
        md.AppendLine();
        Line($"{Memory.Rounds} rounds in scaled time, measured after round 200 and after the last (full collection first): managed heap");
        Line($"{Memory.HeapAt200 / 1048576.0:0.0} -> {Memory.HeapAtEnd / 1048576.0:0.0} MiB ({Memory.HeapGrowth:P1}), working set {Memory.WorkingSetAt200 / 1048576.0:0} -> {Memory.WorkingSetAtEnd / 1048576.0:0} MiB ({Memory.WorkingSetGrowth:P1}).");
        md.AppendLine();
        Line($"## Emulator throughput");
        md.AppendLine();
        Line($"{Emulator.Requests} GET route table over HTTPS, {Emulator.Concurrency} concurrent: {Emulator.PerSecond:0} requests/s, p50 {Emulator.P50Ms:0.00} ms, p99 {Emulator.P99Ms:0.00} ms, {Emulator.Failures} failures.");
        md.AppendLine();
        if (Fleet is { } fleet)
        {
            FleetMarkdown(md, fleet);
        }

        if (Gray is { } gray)
        {
            GrayMarkdown(md, gray);
        }

        if (Takeover is { } takeover)
        {
            TakeoverBenchmark.Markdown(md, takeover);
        }

        Line($"## Before (for comparison)");
        md.AppendLine();
        Line($"Measured 2026-11-20 on the same kind of machine, before writes were paced by ARM's budget and the public IP chain");
        Line($"was put on the critical path: every write waited in one queue of MaxParallelWrites (default 8), the public IP");
        Line($"behind the route tables. 10 tables and a public IP converged in 37.5 s; 100 tables and a public IP in 98.5 s");
        Line($"(65.3 s with MaxParallelWrites 16, 39.5 s with 64). The emulator then served 13,656 requests/s (16 concurrent).");
        md.AppendLine();
        Line($"## Fault suite");
        md.AppendLine();
        if (Faults.Command is { } faultsCommand)
        {
            Line($"Measured by `{faultsCommand}` on {Faults.Date:yyyy-MM-dd HH:mm} UTC, {Faults.Version}.");
        }

        Line($"Seeds {Faults.FirstSeed} to {Faults.FirstSeed + Faults.Runs - 1} (tests/NvaFailover.FaultSuite) at {Faults.Speed:0}x: {Faults.Runs} runs, {Faults.FaultsInjected} faults injected");
        Line($"(NVA failures, hangs and flapping, ARM fault windows, outside edits, {Faults.Released} managed tables untagged or deleted, {Faults.Kills} watcher kills in");
        Line($"{Faults.WitnessSeeds} seeds with a witness and in seeds of one-armed NVAs, {Faults.Aimed} ARM faults aimed at one operation, subscription or NIC:");
        Line($"403 on one subscription's table writes, 429 with a long Retry-After, 503 on one NIC's writes), {Faults.Failovers} failovers ({Faults.Verified} verified on the data plane,");
        Line($"each checked against the emulator's record of the routes applied), **{Faults.Violations} violations** in {Faults.Wall:hh\\:mm\\:ss} of wall time.");
        Line($"Invariants include: a public IP is only ever in its slot, never attached to nothing outside a failover or a watcher outage, and no");
        Line($"failover is reported converged while its routes or public IPs are not on its target (each by the emulator's history).");
        foreach (var v in Faults.ViolatingSeeds)
        {
            Line($"- {v}");
        }

        return md.ToString();
    }

    private static void GrayMarkdown(StringBuilder md, GrayFailureBenchmark.Measured gray)
    {
        void Line(FormattableString text) => md.AppendLine(text.ToString(CultureInfo.InvariantCulture));
        var o = gray.Outcome;
        double Median(IReadOnlyList<double> v) => Stats.Percentile(v, 50);
        double P95(IReadOnlyList<double> v) => Stats.Percentile(v, 95);
        Line($"## Gray failures: the forwarding probe, and failovers verified on the data plane");
        md.AppendLine();
        Line($"Measured by `{gray.Command}` on {gray.Date:yyyy-MM-dd HH:mm} UTC, {gray.Version}, at {o.Speed:0}x. A rehearsal's timeouts last at");
        Line($"least 250 ms of real time, {0.25 * o.Speed:0.#} s of scenario time at this speed, so each forwarding attempt that times out counts");
        Line($"{Math.Max(1, 0.25 * o.Speed):0.#} s here instead of its 1 s: the detection below is an upper bound, about {Math.Max(0, 2 * ((0.25 * o.Speed) - 1)):0.#} s longer than the same");
        Line($"settings take in Azure (4 to 9 s). {o.Faults} gray failures: the active NVA");
        Line($"stops forwarding at a random moment of each 35 s period while its VM runs and its management port answers, and");
        Line($"forwards again 25 s later. Probe: `Forwarding`, 2 attempts, 1 s timeout, 2 s apart, every 5 s. 4 managed tables, each");
        Line($"used by a spoke subnet with one running workload VM; every failover is verified (`Verification` `EffectiveRoutes`,");
        Line($"effective routes answering in 5 s). The baseline is ha-nva-fo's TCP probe of the same NVAs' port (3 tries 2 s apart,");
        Line($"every 30 s) on the same faults.");
        md.AppendLine();
        Line($"| | NvaFailover median | p95 | ha-nva-fo (TCP probe) |");
        Line($"|---|---:|---:|---|");
        Line($"| fault -> decision | {Median(o.Detection):0.0} s | {P95(o.Detection):0.0} s | never ({o.BaselineFailovers} failovers for {o.Faults} faults) |");
        Line($"| fault -> verified on the data plane | {Median(o.Verified):0.0} s | {P95(o.Verified):0.0} s | |");
        Line($"| failovers for {o.Faults} faults | {o.Failovers} ({o.VerifiedFailovers} verified, {o.FalseFailovers} without a fault) | | {o.BaselineFailovers} |");
        Line($"| verification requests per failover | {o.VerificationRequestsPerFailover:0.0} ({o.VerificationRequests}; each effective-route read also polls its operation) | | |");
        md.AppendLine();
    }

    /// <summary>The speed of the healthy rows and of the storms, in words ("healthy hours at 2x, storms in real time").</summary>
    private static string Speeds(List<FleetBenchmark.Row> rows)
    {
        static string Of(double speed) => speed == 1 ? "in real time" : string.Create(CultureInfo.InvariantCulture, $"at {speed:0.#}x");
        var healthy = rows.Where(r => !r.Outage).Select(r => r.Speed).Distinct().ToList();
        var storms = rows.Where(r => r.Outage).Select(r => r.Speed).Distinct().ToList();
        return healthy.Count == 1 && storms.Count == 1
            ? $"healthy hours {Of(healthy[0])} (scaled time), storms {Of(storms[0])}"
            : $"each row at its own speed ({string.Join(", ", rows.Select(r => Of(r.Speed)))})";
    }

    private static void FleetMarkdown(StringBuilder md, FleetBenchmark.Measured fleet)
    {
        void Line(FormattableString text) => md.AppendLine(text.ToString(CultureInfo.InvariantCulture));
        Line($"## Fleets: many clusters in one process");
        md.AppendLine();
        Line($"Measured by `{fleet.Command}` on {fleet.Date:yyyy-MM-dd HH:mm} UTC, {fleet.Version}. Each cluster: two NVAs (one NIC each) and");
        Line($"8 tagged route tables; ARM's read and write buckets per subscription and Microsoft.Network's 1,000 writes in any");
        Line($"five minutes; {Speeds(fleet.Rows)}. Floor: the median detection, one route table write (5 s), and what");
        Line($"the busiest subscription's limits allow (writes beyond 200 at 10/s; beyond 1,000, after the window frees).");
        Line($"ha-nva-fo runs once per cluster; its columns follow from its design, not a run: it reads two instance views per");
        Line($"cluster every 30 s (a power state probe of 3 tries reads up to 6) and, failed over, rewrites every table on every");
        Line($"tick, one after another: ten times every table in five minutes, against Microsoft.Network's 1,000 writes.");
        md.AppendLine();
        Line($"| clusters x tables | subscriptions | case | detected | detection median / max | converged | last cluster (floor) | median cluster | writes | throttled | failed | power-state reads per round | reads per hour | ha-nva-fo power-state reads per hour | ha-nva-fo table writes in 5 minutes failed over |");
        Line($"|---|---:|---|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in fleet.Rows)
        {
            var perRound = r.PowerStateReads / Math.Max(1, r.Rounds);
            var perHour = r.Outage ? "" : (r.Reads / r.Hours).ToString("N0", CultureInfo.InvariantCulture);
            var theirs = (r.Clusters * 2 * 120).ToString("N0", CultureInfo.InvariantCulture);
            var theirWrites = r.Outage ? $"{r.Clusters * r.Tables * 10 / r.Subscriptions:N0} per subscription" : "0";
            Line($"| {r.Clusters} x {r.Tables} | {r.Subscriptions} | {(r.Outage ? "every active NVA off at once" : "healthy")} | {(r.Outage ? $"{r.Detected}" : "")} | {(r.Outage ? $"{r.DetectionMedian:0.0} / {r.DetectionMax:0.0} s" : "")} | {(r.Outage ? $"{r.Converged}" : "")} | {(r.Outage ? $"{r.LastConvergedSeconds:0.0} s ({r.FloorSeconds:0.0} s, {r.Ratio:0.00}x)" : "")} | {(r.Outage ? $"{r.MedianConvergedSeconds:0.0} s" : "")} | {r.Writes} | {r.Throttled} | {r.Failed} | {perRound:0.0} | {perHour} | {theirs} | {theirWrites} |");
        }

        md.AppendLine();
        if (fleet.Scales is { Count: > 0 } scales)
        {
            Line($"Many clusters in one process (`fleet --scale`, {scales[0].Rounds} rounds of every cluster together, 5 s apart at 2x, after the first, which");
            Line($"discovers; the emulator in the same process keeps no request log). Times and CPU are the first monitor's rounds, the");
            Line($"CPU the whole process's, the emulator serving included; the working set is the process's at the end, with both");
            Line($"monitors (below) and the emulator; a cluster's round is in scenario time (its probe: the subscription's power-state list, two VMs");
            Line($"per cluster in pages of 100, shared by every cluster). NvaFailover's heap per cluster is what a second monitor of");
            Line($"the same fleet, run the same way beside the first, adds to the managed heap (each sample after a full compacting");
            Line($"collection), divided by the clusters: what the process holds once whatever the fleet (SDK pipelines, the JIT's");
            Line($"statics, connection pools) is in both samples, so this is what the clusters themselves hold (\"not measured\" for");
            Line($"rows measured before this method).");
            var measured = scales.Where(x => x.HeapOfASecondMonitor && x.HeapPerClusterKiB > 0).OrderBy(x => x.Clusters).ToList();
            if (measured.Count >= 2 && measured[^1].Clusters > measured[0].Clusters)
            {
                var (small, large) = (measured[0], measured[^1]);
                var slope = ((large.HeapPerClusterKiB * large.Clusters) - (small.HeapPerClusterKiB * small.Clusters)) / (large.Clusters - small.Clusters);
                Line($"One more cluster of {large.Tables} tables costs {slope:0} KiB of heap: the difference between the {small.Clusters}- and {large.Clusters}-cluster rows' heaps over the difference in clusters.");
            }

            md.AppendLine();
            Line($"| clusters x tables | NvaFailover's heap per cluster | working set | a round of every cluster (wall) median / max | CPU per cluster and round | a cluster's round median / p95 |");
            Line($"|---|---:|---:|---|---:|---|");
            foreach (var x in scales)
            {
                Line($"| {x.Clusters} x {x.Tables} | {(!x.HeapOfASecondMonitor ? "not measured" : x.HeapPerClusterKiB > 0 ? $"{x.HeapPerClusterKiB:0} KiB" : $"not measured (the method read {x.HeapPerClusterKiB:0} KiB)")} | {x.WorkingSetMiB:0} MiB | {x.RoundWallMedianMs:0} / {x.RoundWallMaxMs:0} ms | {x.CpuPerClusterRoundMs:0.00} ms | {x.ClusterRoundMedianMs / 1000:0.0} / {x.ClusterRoundP95Ms / 1000:0.0} s |");
            }

            md.AppendLine();
        }
    }
}
