using System.Globalization;
using NvaFailover.Bench;

// Benchmarks, run by hand (never in CI or as timed tests). 'all' runs every one and writes bench/RESULTS.md and
// bench/results.json:  dotnet run -c Release --project bench/NvaFailover.Bench -- all
var which = args.FirstOrDefault() ?? "all";
var log = Console.Out;
return which switch
{
    "all" => await AllAsync(),
    "emulator" => (await EmulatorBenchmark.RunAsync(Arg("--requests", 20_000), Arg("--concurrency", 16), log)).PerSecond >= 2000 ? 0 : 1,
    "convergence" => await Print(ConvergenceBenchmark.RunAsync(Arg("--tables", 100), publicIp: !args.Contains("--routes-only"), baseline: !args.Contains("--no-baseline"), log, args.Contains("--speed") ? Arg("--speed", 20) : null)),
    "detection" => await Print(DetectionBenchmark.RunAsync(Arg("--faults", 200), Arg("--seed", 1), Arg("--speed", 100), log)),
    "cost" => await Print(CostBenchmark.RunAsync(Arg("--speed", 200), log)),
    "memory" => await Print(MemoryBenchmark.RunAsync(Arg("--rounds", 2000), log)),
    "faults" => await FaultsAsync(),
    "fleet" when args.Contains("--all") => await FleetAllAsync(),
    "takeover" => await TakeoverAsync(),
    "fleet" when args.Contains("--scale") => await Print(FleetBenchmark.ScaleAsync(Arg("--clusters", 500), Arg("--tables", 8), Arg("--rounds", 20), log)),
    "gray" when args.Contains("--write") => await GrayWriteAsync(),
    "render" => Render(),
    "gray" => await Print(GrayFailureBenchmark.RunAsync(Arg("--faults", 200), Arg("--seed", 1), Math.Min(8, Arg("--speed", 8)), log)),
    "fleet" => await Print(FleetBenchmark.RunAsync(Arg("--clusters", 100), Arg("--tables", 8), Arg("--subscriptions", 1), !args.Contains("--healthy"), log, args.Contains("--speed") ? Arg("--speed", 2) : 2)),
    _ => Usage(),
};

async Task<int> AllAsync()
{
    var quick = args.Contains("--quick");
    int[] sizes = quick ? [1, 10, 100] : [1, 10, 100, 300, 1000];
    var convergence = new List<ConvergenceBenchmark.Row>();
    var routesOnly = new List<ConvergenceBenchmark.Row>();
    DateTimeOffset? convergenceMeasured = null; // null: measured by this run
    if (args.Contains("--keep-convergence"))
    {
        // The convergence rows (the slowest part, and the one most sensitive to other load) of the last run, kept as they were.
        var earlier = Results.Read(Path.Combine(FindRepository(), "bench"));
        (convergence, routesOnly, convergenceMeasured) = (earlier.Convergence, earlier.RoutesOnly, earlier.ConvergenceMeasured ?? earlier.Date);
        await log.WriteLineAsync($"  convergence: kept from the run of {convergenceMeasured:yyyy-MM-dd HH:mm} UTC");
    }
    else
    {
        foreach (var n in sizes)
        {
            convergence.Add(await ConvergenceBenchmark.RunAsync(n, publicIp: true, baseline: true, log));
            routesOnly.Add(await ConvergenceBenchmark.RunAsync(n, publicIp: false, baseline: false, log));
        }
    }

    var detection = await DetectionBenchmark.RunAsync(quick ? 40 : 200, seed: 1, speed: 100, log);
    var cost = await CostBenchmark.RunAsync(200, log);
    var memory = await MemoryBenchmark.RunAsync(quick ? 500 : 2000, log);
    var emulator = await EmulatorBenchmark.RunAsync(20_000, 16, log);
    var faults = await FaultSuiteBenchmark.RunAsync(Arg("--seeds", quick ? 100 : 1000), 1, 200, 2, Path.Combine(Path.GetTempPath(), "nvafo-fault-suite"), log);
    var results = new Results(
        $"dotnet run -c Release --project bench/NvaFailover.Bench -- {string.Join(' ', args)}".TrimEnd(),
        DateTimeOffset.UtcNow,
        Results.MachineDescription(),
        NvaFailover.Cli.PrintVersion.Text,
        convergence,
        routesOnly,
        detection,
        cost,
        memory,
        emulator,
        faults,
        convergenceMeasured);
    var folder = Path.Combine(FindRepository(), "bench");

    // The fleet and gray-failure sections are measured by their own commands and keep their own dates.
    if (File.Exists(Path.Combine(folder, "results.json")) && Results.Read(folder) is var earlierResults)
    {
        results = results with { Fleet = earlierResults.Fleet, Gray = earlierResults.Gray, Takeover = earlierResults.Takeover };
    }

    results.Write(folder);
    await log.WriteLineAsync($"wrote {Path.Combine(folder, "RESULTS.md")} and results.json");
    return 0;
}

async Task<int> FaultsAsync()
{
    var outcome = await FaultSuiteBenchmark.RunAsync(Arg("--seeds", 1000), Arg("--first-seed", 1), Arg("--speed", 200), Arg("--parallel", 2), Path.Combine(Path.GetTempPath(), "nvafo-fault-suite"), log);
    Console.WriteLine($"fault suite: {outcome.Runs} runs, {outcome.FaultsInjected} faults ({outcome.Kills} watcher kills, {outcome.WitnessSeeds} seeds with a witness, {outcome.Released} tables untagged or deleted, {outcome.Aimed} aimed ARM faults), {outcome.Failovers} failovers ({outcome.Verified} verified on the data plane), {outcome.Violations} violations in {outcome.Wall:c}");
    if (args.Contains("--write"))
    {
        // The fault suite, measured now, into the results of the last 'all' (its other sections keep their dates).
        var folder = Path.Combine(FindRepository(), "bench");
        var measured = outcome with { Command = $"dotnet run -c Release --project bench/NvaFailover.Bench -- {string.Join(' ', args)}", Date = DateTimeOffset.UtcNow, Version = NvaFailover.Cli.PrintVersion.Text };
        (Results.Read(folder) with { Faults = measured }).Write(folder);
        await log.WriteLineAsync($"Wrote {Path.Combine(folder, "RESULTS.md")}");
    }

    return outcome.Violations == 0 ? 0 : 1;
}

async Task<int> TakeoverAsync()
{
    var command = $"dotnet run -c Release --project bench/NvaFailover.Bench -- {string.Join(' ', args)}";
    var measured = await TakeoverBenchmark.RunAsync(Arg("--runs", 5), command, log);
    if (args.Contains("--write"))
    {
        var folder = Path.Combine(FindRepository(), "bench");
        (Results.Read(folder) with { Takeover = measured }).Write(folder);
        await log.WriteLineAsync($"Wrote {Path.Combine(folder, "RESULTS.md")}");
    }

    return measured.Failed == 0 && measured.Seconds.All(s => s <= measured.LeaseSeconds + measured.IntervalSeconds + 10) ? 0 : 1;
}

async Task<int> FleetAllAsync()
{
    // The fleet rows, measured now, into the results of the last 'all' (which keep their own date and commit).
    var folder = Path.Combine(FindRepository(), "bench");
    var rows = await FleetBenchmark.AllAsync(log);
    List<FleetBenchmark.Scale> scales = [await FleetBenchmark.ScaleAsync(100, 8, 20, log), await FleetBenchmark.ScaleAsync(500, 8, 20, log)];
    var measured = new FleetBenchmark.Measured($"dotnet run -c Release --project bench/NvaFailover.Bench -- {string.Join(' ', args)}", DateTimeOffset.UtcNow, NvaFailover.Cli.PrintVersion.Text, rows, scales);
    (Results.Read(folder) with { Fleet = measured }).Write(folder);
    await log.WriteLineAsync($"Wrote {Path.Combine(folder, "RESULTS.md")}");
    return rows.All(r => r.Throttled == 0 && r.Failed == 0 && (!r.Outage || r.Ratio <= 1.2)) ? 0 : 1;
}

async Task<int> GrayWriteAsync()
{
    // The gray-failure rows, measured now, into the results of the last 'all' (which keep their own date and commit).
    var folder = Path.Combine(FindRepository(), "bench");
    var outcome = await GrayFailureBenchmark.RunAsync(Arg("--faults", 200), Arg("--seed", 1), Math.Min(8, Arg("--speed", 8)), log);
    var measured = new GrayFailureBenchmark.Measured($"dotnet run -c Release --project bench/NvaFailover.Bench -- {string.Join(' ', args)}", DateTimeOffset.UtcNow, NvaFailover.Cli.PrintVersion.Text, outcome);
    (Results.Read(folder) with { Gray = measured }).Write(folder);
    await log.WriteLineAsync($"Wrote {Path.Combine(folder, "RESULTS.md")}");
    return outcome.BaselineFailovers == 0 && Stats.Percentile(outcome.Detection, 50) < 10 && Stats.Percentile(outcome.Detection, 95) < 15 ? 0 : 1;
}

int Render()
{
    // bench/RESULTS.md written again from bench/results.json, as this code words it: nothing is measured.
    var folder = Path.Combine(FindRepository(), "bench");
    Results.Read(folder).Write(folder);
    Console.WriteLine($"Wrote {Path.Combine(folder, "RESULTS.md")} from results.json");
    return 0;
}

static async Task<int> Print<T>(Task<T> benchmark)
{
    await benchmark;
    return 0;
}

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : fallback;
}

static string FindRepository()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "NvaFailover.sln")))
    {
        dir = dir.Parent;
    }

    return dir?.FullName ?? Directory.GetCurrentDirectory();
}

static int Usage()
{
    Console.Error.WriteLine("""
        Usage: dotnet run -c Release --project bench/NvaFailover.Bench -- COMMAND
          all [--quick] [--seeds N] [--keep-convergence]
                                        every benchmark; writes bench/RESULTS.md and bench/results.json
                                        (--keep-convergence: the convergence rows of bench/results.json, not measured again)
          convergence [--tables N] [--routes-only] [--no-baseline]
          detection [--faults N] [--seed S] [--speed X]
          cost [--speed X]              ARM requests of an hour, healthy and failed over
          memory [--rounds N]
          emulator [--requests N] [--concurrency C]
          faults [--seeds N] [--first-seed S] [--speed X] [--parallel P] [--write]
          fleet [--clusters N] [--tables T] [--subscriptions S] [--healthy] [--all]
          fleet --scale [--clusters N] [--tables T] [--rounds R]
                                        many clusters: a zone outage (every active NVA at once), or healthy
                                        (--all: the fleet rows of bench/RESULTS.md, written into it; --scale:
                                        memory, CPU and round time of every cluster's round together)
          takeover [--runs N] [--write]  two nvafo run processes with a witness on Azurite, the leader killed inside
                                        a public IP move: time until the standby finished it (--write: into RESULTS.md)
          gray [--faults N] [--seed S] [--speed X] [--write]
                                        gray failures with the forwarding probe, verified failovers, ha-nva-fo's
                                        TCP probe on the same faults (--write: into bench/RESULTS.md); at most 8x
          render                        bench/RESULTS.md again from bench/results.json, measuring nothing
        """);
    return 2;
}
