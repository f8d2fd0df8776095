using NvaFailover.FaultSuite;

namespace NvaFailover.Cli.Tests;

/// <summary>
/// The seeded fault suite (tests/NvaFailover.FaultSuite), a few seeds in CI: random topologies and fault timelines
/// through 'nvafo simulate', every invariant checked. bench/ runs a thousand seeds; a violating seed writes its
/// scenario file, to replay with 'nvafo simulate --scenario'.
/// </summary>
public sealed class FaultSuiteTests
{
    /// <summary>Fast enough for CI, slow enough that a real millisecond stays a small part of a probe interval.</summary>
    private const double Speed = 60;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public async Task Seed_HoldsEveryInvariant(int seed)
    {
        var run = await FaultRun.RunAsync(seed, Speed);

        var replay = run.Violations.Count == 0 ? "" : run.SaveScenario(Path.Combine(Path.GetTempPath(), "nvafo-fault-suite"));
        Assert.True(run.Violations.Count == 0, $"seed {seed} ({run.FaultsInjected} faults) broke {run.Violations.Count} invariant(s); replay: nvafo simulate --scenario {replay}\n - {string.Join("\n - ", run.Violations)}");
    }

    [Fact]
    public void Generator_SameSeed_SameScenario() =>
        Assert.Equal(ScenarioGenerator.Generate(7).Scenario.ToJsonString(), ScenarioGenerator.Generate(7).Scenario.ToJsonString());

    [Fact]
    public async Task Invariants_CatchABrokenRun()
    {
        // A run whose final state is tampered with must be caught: the checker is not vacuous.
        var run = await FaultRun.RunAsync(1, Speed);
        var tampered = run.Result with { States = run.Result.States with { Final = (System.Text.Json.Nodes.JsonObject)run.Result.Final.DeepClone() } };
        var route = tampered.Final["routeTables"]![0]!["routes"]![0]!;
        route["nextHopIpAddress"] = "10.99.99.99";
        tampered.Final["networkInterfaces"]![0]!["enableIPForwarding"] = false;

        var violations = Invariants.Check(run.Truth, tampered);

        Assert.Contains(violations, v => v.Contains("10.99.99.99", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains("enableIPForwarding", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Invariants_CatchAPublicIpOffItsSlotOrLeftUnattached()
    {
        // Seed 2 has a cluster with a public IP; moved to a second interface, then detached for good, it must be caught twice over.
        var run = await FaultRun.RunAsync(2, Speed);
        var (cluster, pips) = run.Truth.PublicIps.First(p => p.Value.Count > 0);
        var nva = run.Truth.Clusters[cluster].Keys.First();
        var at = run.Result.Start + TimeSpan.FromSeconds(30);
        var tampered = run.Result with
        {
            PublicIpHistory = [.. run.Result.PublicIpHistory,
                new(at, pips[0], $"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/{nva}-nic1/ipConfigurations/ipconfig1"),
                new(at + TimeSpan.FromSeconds(1), pips[0], null)],
        };

        var violations = Invariants.Check(run.Truth, tampered);

        Assert.Contains(violations, v => v.Contains($"{nva}-nic1", StringComparison.Ordinal) && v.Contains("not its slot", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains("attached to nothing", StringComparison.Ordinal));
    }
}
