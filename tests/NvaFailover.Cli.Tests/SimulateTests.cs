using System.Text.Json.Nodes;
using static NvaFailover.Cli.Tests.CliHarness;

namespace NvaFailover.Cli.Tests;

public sealed class SimulateTests
{
    private static string SharedExample => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../../shared/scenarios/example-edge-pair.json"));

    private static async Task<string> WriteAsync(string json)
    {
        var path = Path.Combine(Path.GetTempPath(), $"nvafo-scenario-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, json);
        return path;
    }

    [Fact]
    public async Task Simulate_BuiltIn_JsonReportFollowsTheContract()
    {
        var result = await RunAsync(["simulate", "--json", "-", "--speed", "30"]);

        Assert.True(result.Code == 0, result.ToString());
        var report = JsonNode.Parse(result.Out)!.AsObject();
        Assert.Equal(["scenario", "cycles", "failovers", "final", "preflight", "arm"], report.Select(p => p.Key));
        Assert.Equal("builtin-sdwan-pair", report["scenario"]!.GetValue<string>());

        var cycle = report["cycles"]![0]!.AsObject();
        Assert.Equal(["at", "cluster", "health", "active", "action", "writes"], cycle.Select(p => p.Key));
        // The first timer tick is at 00:00:30; a loaded machine may start the cycle a moment later.
        Assert.InRange(string.CompareOrdinal(cycle["at"]!.GetValue<string>(), "00:00:30"), 0, int.MaxValue);
        Assert.True(string.CompareOrdinal(cycle["at"]!.GetValue<string>(), "00:01:00") < 0);
        Assert.All(report["cycles"]!.AsArray(), c =>
        {
            Assert.Matches(@"^\d\d:\d\d:\d\d$", c!["at"]!.GetValue<string>());
            Assert.Contains(c["action"]!.GetValue<string>(), new[] { "none", "failover", "failback", "switchover", "reconcile", "hold", "error" });
            Assert.All(c["health"]!.AsObject(), h => Assert.Contains(h.Value!.GetValue<string>(), new[] { "up", "down", "unknown" }));
        });

        var failovers = report["failovers"]!.AsArray();
        var down = failovers.First(f => f!["reason"]!.GetValue<string>() == "activeDown")!.AsObject();
        // The contract's fields first, in its order; then what this implementation adds (documented in the README).
        Assert.Equal(["cluster", "from", "to", "reason", "faultAt", "detectedAt", "convergedAt", "routesChanged", "publicIpsMoved"], down.Select(p => p.Key).Take(9));
        Assert.Equal(["status", "routesConvergedAt", "publicIpsConvergedAt", "detectionSeconds", "convergenceSeconds", "notMoved", "pending"], down.Select(p => p.Key).Skip(9));
        Assert.Equal("converged", down["status"]!.GetValue<string>());
        Assert.Equal(("vmx-a", "vmx-b", "00:01:00"), (down["from"]!.GetValue<string>(), down["to"]!.GetValue<string>(), down["faultAt"]!.GetValue<string>()));
        Assert.Equal((3, 1), (down["routesChanged"]!.GetValue<int>(), down["publicIpsMoved"]!.GetValue<int>()));
        Assert.True(string.CompareOrdinal(down["detectedAt"]!.GetValue<string>(), "00:01:00") >= 0);
        Assert.True(string.CompareOrdinal(down["convergedAt"]!.GetValue<string>(), down["detectedAt"]!.GetValue<string>()) >= 0);
        var planned = failovers.Last(f => f!["reason"]!.GetValue<string>() == "switchover")!;
        Assert.Null(planned["faultAt"]);
        Assert.Equal("vmx-a", planned["to"]!.GetValue<string>());

        var final = report["final"]!.AsObject();
        Assert.Equal(["routeTables", "networkInterfaces", "publicIPAddresses"], final.Select(p => p.Key));
        var apps = final["routeTables"]![0]!;
        Assert.Equal("app-team", apps["tags"]!["owner"]!.GetValue<string>());
        Assert.Equal("10.1.0.4", apps["routes"]![0]!["nextHopIpAddress"]!.GetValue<string>());
        var data = final["routeTables"]![1]!;
        Assert.Equal("10.0.64.4", data["routes"]![1]!["nextHopIpAddress"]!.GetValue<string>());
        var nic = final["networkInterfaces"]![0]!;
        Assert.EndsWith("nsg-sdwan", nic["networkSecurityGroupId"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.EndsWith("pip-sdwan", nic["ipConfigurations"]![0]!["publicIPAddressId"]!.GetValue<string>(), StringComparison.Ordinal);

        var arm = report["arm"]!.AsObject();
        Assert.Equal(["reads", "writes", "throttled", "conflicts", "failed", "byOperation"], arm.Select(p => p.Key));
        Assert.Equal(4, arm["byOperation"]!["PUT routeTables"]!.GetValue<int>());
        Assert.Equal(4, arm["byOperation"]!["PUT networkInterfaces"]!.GetValue<int>());
        Assert.True(arm["byOperation"]!["GET resources"]!.GetValue<int>() >= 1);
    }

    [Fact]
    public async Task Simulate_BuiltIn_ReadableTimeline()
    {
        var result = await RunAsync(["simulate", "--speed", "30"]);

        Assert.True(result.Code == 0, result.ToString());
        Assert.Contains(">> powerOff vmx-a", result.Out, StringComparison.Ordinal);
        Assert.Contains("vmx-a -> vmx-b (activeDown)", result.Out, StringComparison.Ordinal);
        Assert.Contains(">> operator: switchover of vmx to vmx-a", result.Out, StringComparison.Ordinal);
        Assert.Contains("Failovers:", result.Out, StringComparison.Ordinal);
        Assert.Contains("ARM:", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_SharedExample_RunsAndKeepsUnrelatedRoutes()
    {
        Assert.True(File.Exists(SharedExample), $"expected ../shared beside the repository: {SharedExample}");
        var json = Path.Combine(Path.GetTempPath(), $"nvafo-report-{Guid.NewGuid():N}.json");

        var result = await RunAsync(["simulate", "--scenario", SharedExample, "--json", json, "--speed", "30"]);

        Assert.True(result.Code == 0, result.ToString());
        var report = JsonNode.Parse(await File.ReadAllTextAsync(json))!;
        File.Delete(json);
        Assert.Equal("example-edge-pair", report["scenario"]!.GetValue<string>());
        Assert.Contains(report["failovers"]!.AsArray(), f => f!["reason"]!.GetValue<string>() == "activeDown" && f["publicIpsMoved"]!.GetValue<int>() == 1);
        var routes = report["final"]!["routeTables"]![0]!["routes"]!.AsArray();
        Assert.Equal("VnetLocal", routes.Single(r => r!["name"]!.GetValue<string>() == "apps-local")!["nextHopType"]!.GetValue<string>());
        Assert.Contains("JSON report written to", result.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "name": "x", "topology": """, "not valid JSON")]
    [InlineData("""{ "name": "x", "topology": {}, "timeline": [ { "at": "00:01:00", "do": "melt" } ] }""", "$.timeline[0].do")]
    [InlineData("""{ "name": "x", "topology": {} }""", "$.settings is required")]
    [InlineData("""{ "name": "x", "topology": {}, "settings": { "Clusters": [ { "Name": "c", "Nvas": [ { "VirtualMachineId": "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/a" }, { "VirtualMachineId": "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/b" } ], "RouteTables": { "TagValue": "c" }, "Probe": { "Attempts": 0 } } ] } }""", "$.settings.Clusters[0].Probe.Attempts")]
    [InlineData("""{ "name": "x", "topology": {}, "settings": { "Clusters": [ { "Name": "c", "Nvas": [ { "VirtualMachineId": "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/a" }, { "VirtualMachineId": "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/b" } ], "RouteTables": { "TagValue": "c" } } ] } }""", "$.settings.Clusters[0].Nvas[0].VirtualMachineId")]
    public async Task Simulate_InvalidScenario_Exit2NamingFilePathAndProblemWithoutReport(string json, string expected)
    {
        var path = await WriteAsync(json);
        try
        {
            var result = await RunAsync(["simulate", "--scenario", path, "--json", "-"]);

            Assert.Equal(2, result.Code);
            Assert.Contains(path, result.Err, StringComparison.Ordinal);
            Assert.Contains(expected, result.Err, StringComparison.Ordinal);
            Assert.Equal("", result.Out);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Simulate_MissingScenarioFile_Exit2()
    {
        var result = await RunAsync(["simulate", "--scenario", "/no/such/scenario.json"]);

        Assert.Equal(2, result.Code);
        Assert.Contains("/no/such/scenario.json", result.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("5000")]
    public async Task Simulate_BadSpeed_Exit2(string speed)
    {
        var result = await RunAsync(["simulate", "--speed", speed]);

        Assert.Equal(2, result.Code);
        Assert.Contains("--speed", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_ThenSimulate_RehearsesTheLiveCluster()
    {
        await using var h = await StartAsync();
        var path = Path.Combine(h.Directory, "exported.json");

        var export = await h.NvafoAsync("export", "--cluster", "fw", "--out", path);
        var scenario = NvaFailover.Emulator.Scenario.Load(path);
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
