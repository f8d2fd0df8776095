using System.Text.Json.Nodes;
using NvaFailover.Emulator.Scenarios;
using static NvaFailover.Cli.Tests.CliHarness;

namespace NvaFailover.Cli.Tests;

/// <summary><c>nvafo export</c>.</summary>
public sealed class ExportCommandTests
{
    [Fact]
    public async Task Export_ThenSimulate_RehearsesTheLiveCluster()
    {
        await using var h = await StartAsync();
        var path = Path.Combine(h.Directory, "exported.json");

        var export = await h.NvafoAsync("export", "--cluster", "fw", "--out", path);
        var scenario = Scenario.Load(path);
        var simulate = await RunAsync(["simulate", "--scenario", path, "--json", "-", "--speed", "60"]);

        Assert.True(export.Code == 0, export.ToString());
        Assert.DoesNotContain(h.Emulator.Requests, r => r.Method != "GET");
        Assert.Equal(["powerOff", "start"], scenario.Timeline.Select(e => e.Do));
        Assert.Equal("fw-a", scenario.Timeline[0]["vm"]);
        var nic = scenario.Topology["virtualMachines"]![0]!["networkInterfaces"]![0]!;
        Assert.EndsWith("nsg-untrust", nic["networkSecurityGroupId"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("None", nic["auxiliaryMode"]!.GetValue<string>());
        Assert.True(simulate.Code == 0, simulate.ToString());
        var report = JsonNode.Parse(simulate.Out)!;
        Assert.Contains(report["failovers"]!.AsArray(), f => f!["from"]!.GetValue<string>() == "fw-a" && f["to"]!.GetValue<string>() == "fw-b");
    }

    [Fact]
    public async Task Export_UnknownCluster_Exit2()
    {
        await using var h = await StartAsync();

        var result = await h.NvafoAsync("export", "--cluster", "nope");

        Assert.Equal(2, result.Code);
    }
}
