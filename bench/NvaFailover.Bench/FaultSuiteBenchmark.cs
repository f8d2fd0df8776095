using System.Diagnostics;
using NvaFailover.FaultSuite;

namespace NvaFailover.Bench;

/// <summary>The seeded fault suite over many seeds: runs, faults injected, invariants broken (target 0).</summary>
internal static class FaultSuiteBenchmark
{
    public sealed record Outcome(int Runs, int FaultsInjected, int Failovers, int Violations, IReadOnlyList<string> ViolatingSeeds, TimeSpan Wall, double Speed, int FirstSeed)
    {
        /// <summary>Failovers reported verified on the data plane (each checked against the emulator's record of the routes applied).</summary>
        public int Verified { get; init; }

        /// <summary>Watcher kills, seeds with a witness, and managed tables untagged or deleted.</summary>
        public int Kills { get; init; }

        public int WitnessSeeds { get; init; }

        public int Released { get; init; }

        /// <summary>ARM fault windows aimed where random ones rarely land: a 403 on one subscription's table writes, a 429 with a long Retry-After, a 503 on one NIC's writes.</summary>
        public int Aimed { get; init; }

        /// <summary>When measured on its own ('faults --write'): the command, date and version; null within 'all'.</summary>
        public string? Command { get; init; }

        public DateTimeOffset? Date { get; init; }

        public string? Version { get; init; }
    }

    public static async Task<Outcome> RunAsync(int seeds, int firstSeed, double speed, int parallel, string replayFolder, TextWriter log)
    {
        var wall = Stopwatch.StartNew();
        var next = firstSeed - 1;
        var faults = 0;
        var failovers = 0;
        var verified = 0;
        var (kills, witnessed, released, aimed) = (0, 0, 0, 0);
        var violations = 0;
        var violating = new List<string>();
        var done = 0;
        await Task.WhenAll(Enumerable.Range(0, parallel).Select(async _ =>
        {
            int seed;
            while ((seed = Interlocked.Increment(ref next)) < firstSeed + seeds)
            {
                FaultRun run;
                try
                {
                    run = await FaultRun.RunAsync(seed, speed);
                }
                catch (TimeoutException ex)
                {
                    Interlocked.Increment(ref violations);
                    var path = Path.Combine(replayFolder, $"fault-suite-seed-{seed}.json");
                    Directory.CreateDirectory(replayFolder);
                    await File.WriteAllTextAsync(path, ScenarioGenerator.Generate(seed).Scenario.ToJsonString());
                    lock (violating)
                    {
                        violating.Add($"{ex.Message} (scenario: {path})");
                    }

                    await log.WriteLineAsync($"  {ex.Message}");
                    continue;
                }

                Interlocked.Add(ref faults, run.FaultsInjected);
                Interlocked.Add(ref failovers, run.Failovers);
                Interlocked.Add(ref verified, run.Result.Failovers.Count(f => f.VerifiedAt is not null));
                Interlocked.Add(ref kills, run.Truth.Kills.Count);
                Interlocked.Add(ref witnessed, run.Truth.Witness ? 1 : 0);
                Interlocked.Add(ref released, run.Truth.Released.Count);
                Interlocked.Add(ref aimed, run.Truth.AimedFaults);
                if (run.Violations.Count > 0)
                {
                    Interlocked.Add(ref violations, run.Violations.Count);
                    var path = run.SaveScenario(replayFolder);
                    lock (violating)
                    {
                        violating.Add($"seed {seed}: {string.Join("; ", run.Violations)} (replay: nvafo simulate --scenario {path})");
                    }

                    await log.WriteLineAsync($"  seed {seed}: {run.Violations.Count} violation(s): {string.Join("; ", run.Violations)}");
                }

                var count = Interlocked.Increment(ref done);
                if (count % 50 == 0)
                {
                    await log.WriteLineAsync($"  {count}/{seeds} seeds, {violations} violation(s) so far, {wall.Elapsed:c}");
                }
            }
        }));
        return new Outcome(seeds, faults, failovers, violations, violating, wall.Elapsed, speed, firstSeed) { Verified = verified, Kills = kills, WitnessSeeds = witnessed, Released = released, Aimed = aimed };
    }
}
