using System.Text.Json.Nodes;
using static NvaFailover.Cli.Tests.CliHarness;

namespace NvaFailover.Cli.Tests;

/// <summary><c>nvafo simulate</c>: the simulation contract.</summary>
public sealed class SimulateCommandTests
{
    private static string Sample => Repository.File("samples", "edge-pair.json");

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

        var round = report["cycles"]![0]!.AsObject();
        Assert.Equal(["at", "cluster", "health", "active", "action", "writes"], round.Select(p => p.Key));
        // The first timer tick is at 00:00:30; a loaded machine may start the round a moment later.
        Assert.InRange(string.CompareOrdinal(round["at"]!.GetValue<string>(), "00:00:30"), 0, int.MaxValue);
        Assert.True(string.CompareOrdinal(round["at"]!.GetValue<string>(), "00:01:00") < 0);
        Assert.All(report["cycles"]!.AsArray(), c =>
        {
            Assert.Matches(@"^\d\d:\d\d:\d\d$", c!["at"]!.GetValue<string>());
            Assert.Contains(c["action"]!.GetValue<string>(), new[] { "none", "failover", "failback", "switchover", "reconcile", "hold", "error" });
            Assert.All(c["health"]!.AsObject(), h => Assert.Contains(h.Value!.GetValue<string>(), new[] { "up", "down", "unknown" }));
        });

        var failovers = report["failovers"]!.AsArray();
        var down = failovers.First(f => f!["reason"]!.GetValue<string>() == "activeDown")!.AsObject();
        // The contract's fields first, in its order; then what this implementation adds (documented in the README).
        Assert.Equal(["cluster", "from", "to", "reason", "faultAt", "detectedAt", "convergedAt", "verifiedAt", "unverified", "routesChanged", "publicIpsMoved"], down.Select(p => p.Key).Take(11));
        Assert.Equal(["status", "routesConvergedAt", "publicIpsConvergedAt", "detectionSeconds", "convergenceSeconds", "notMoved", "pending"], down.Select(p => p.Key).Skip(11));
        Assert.Equal("converged", down["status"]!.GetValue<string>());
        Assert.Equal(("vmx-a", "vmx-b"), (down["from"]!.GetValue<string>(), down["to"]!.GetValue<string>()));
        Rehearsal.AssertHappenedAt("00:01:00", down["faultAt"]!.GetValue<string>());
        Assert.Equal((3, 1), (down["routesChanged"]!.GetValue<int>(), down["publicIpsMoved"]!.GetValue<int>()));
        Assert.True(string.CompareOrdinal(down["detectedAt"]!.GetValue<string>(), down["faultAt"]!.GetValue<string>()) >= 0);
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
    public async Task Simulate_SampleEdgePair_RunsAndKeepsUnrelatedRoutes()
    {
        var json = Path.Combine(Path.GetTempPath(), $"nvafo-report-{Guid.NewGuid():N}.json");

        var result = await RunAsync(["simulate", "--scenario", Sample, "--json", json, "--speed", "30"]);

        Assert.True(result.Code == 0, result.ToString());
        var report = JsonNode.Parse(await File.ReadAllTextAsync(json))!;
        File.Delete(json);
        Assert.Equal("edge-pair", report["scenario"]!.GetValue<string>());
        Assert.Contains(report["failovers"]!.AsArray(), f => f!["reason"]!.GetValue<string>() == "activeDown" && f["publicIpsMoved"]!.GetValue<int>() == 1);
        var routes = report["final"]!["routeTables"]![0]!["routes"]!.AsArray();
        Assert.Equal("VnetLocal", routes.Single(r => r!["name"]!.GetValue<string>() == "apps-local")!["nextHopType"]!.GetValue<string>());
        Assert.Contains("JSON report written to", result.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "name": "x", "topology": """, "not valid JSON")]
    [InlineData("""{ "name": "x", "topology": {}, "timeline": [ { "at": "00:01:00", "do": "melt" } ] }""", "$.timeline[0].do")]
    [InlineData("""{ "name": "x", "topology": {} }""", "$.settings is required")]
    [InlineData("""{ "name": "x", "topology": {}, "settings": {}, "timeline": [ { "at": "00:01:00", "do": "killWatcher" } ] }""", "$.timeline[0].downFor is required")]
    [InlineData("""{ "name": "x", "topology": {}, "settings": {}, "timeline": [ { "at": "00:01:00", "do": "deleteRouteTable", "routeTable": "rt-nowhere" } ] }""", "$.timeline[0].routeTable")]
    [InlineData("""{ "name": "x", "topology": {}, "settings": {}, "timeline": [ { "at": "00:01:00", "do": "stopForwarding", "vm": "fw-nowhere" } ] }""", "$.timeline[0].vm")]
    [InlineData("""{ "name": "x", "topology": {}, "settings": {}, "timeline": [ { "at": "00:01:00", "do": "canaryDown", "vm": "fw-a" } ] }""", "$.timeline[0].vm is not a key here")]
    [InlineData("""{ "name": "x", "topology": { "virtualMachines": [ { "id": "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/a", "forwarding": "no", "networkInterfaces": [] } ] }, "settings": {} }""", "$.topology.virtualMachines[0].forwarding must be true or false")]
    [InlineData("""{ "name": "x", "topology": {}, "settings": {}, "timelime": [] }""", "$.timelime is not a key here (did you mean 'timeline'?)")]
    [InlineData("""{ "name": "x", "topology": {}, "settings": {}, "watchers": 3 }""", "$.watchers must be 1 or 2")]
    [InlineData("""{ "name": "x", "topology": {}, "settings": {}, "timeline": [ { "at": "00:01:00", "do": "killWatcher", "downFor": "00:00:10", "watcher": 2 } ] }""", "$.timeline[0].watcher must be the number of a watcher the scenario runs (1; set \"watchers\": 2 to run two)")]
    [InlineData("""{ "name": "x", "topology": {}, "settings": { "Clusters": [ { "Name": "c", "Nvas": [ { "VirtualMachineId": "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/a" }, { "VirtualMachineId": "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/b" } ], "RouteTables": { "TagValue": "c" } } ] }, "watchers": 2 }""", "$.watchers two watchers need a witness")]
    [InlineData("""{ "name": "x", "name": "y", "topology": {}, "settings": {} }""", "not valid JSON")]
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
    public async Task Simulate_AtSpeed200_NoFalseDownAndNothingThrottled()
    {
        // Fast, but not so fast that a loaded two-core CI machine's scheduling delays (tens of milliseconds, each worth
        // several scenario seconds at 500x) exceed a probe's timeout on the scaled clock.
        var (report, _) = await Rehearsal.BuiltIn().RunAsync(speed: 200);

        // vmx-b never fails; vmx-a only between its power-off at 00:01:00 and its start at 00:03:00 (+ its boot).
        Assert.All(Rehearsal.Rounds(report), c => Assert.NotEqual("down", Rehearsal.Health(c, "vmx-b")));
        Assert.All(Rehearsal.Rounds(report).Where(c => Rehearsal.Health(c, "vmx-a") == "down"), c =>
            Assert.InRange(c["at"]!.GetValue<string>(), "00:01:00", "00:04:00"));
        Assert.DoesNotContain(Rehearsal.Rounds(report), c => c["action"]!.GetValue<string>() == "hold");
        Assert.Single(Rehearsal.Failovers(report), f => f["reason"]!.GetValue<string>() == "activeDown");
        Assert.Equal(0, report["arm"]!["throttled"]!.GetValue<int>());
    }

    [Fact]
    public async Task Simulate_ArmFailingOnly_UnknownHealthNeverMovesTraffic()
    {
        var rehearsal = Rehearsal.BuiltIn().Timeline("00:03:00", new JsonObject { ["at"] = "00:00:20", ["do"] = "armFaults", ["status"] = 503, ["probability"] = 1.0, ["for"] = "00:02:00" });
        rehearsal.ProbeSettings["Kind"] = "VmPowerState";

        var (report, _) = await rehearsal.RunAsync();

        Assert.Empty(Rehearsal.Failovers(report));
        Assert.Contains(Rehearsal.Rounds(report), c => Rehearsal.Health(c, "vmx-a") == "unknown" && Rehearsal.Health(c, "vmx-b") == "unknown");
        Assert.DoesNotContain(Rehearsal.Rounds(report), c => c["action"]!.GetValue<string>() is "hold" or "failover");
        Assert.Equal(0, report["arm"]!["writes"]!.GetValue<int>());
    }

    [Fact]
    public async Task Simulate_EndsWhileWriting_FailoverReportedInFlightWithWhatIsPending()
    {
        // The public IP needs two NIC writes of 15 s each; the scenario ends before the second completes.
        var rehearsal = Rehearsal.BuiltIn().Timeline("00:01:20", Rehearsal.Event("00:01:00", "powerOff", "vmx-a"));

        var (report, _) = await rehearsal.RunAsync(speed: 20);

        var failover = Assert.Single(Rehearsal.Failovers(report));
        Assert.Equal("inFlight", failover["status"]!.GetValue<string>());
        Assert.Null(failover["convergedAt"]);
        Assert.Contains(failover["pending"]!.AsArray(), p => p!.GetValue<string>().Contains("public IP pip-sdwan", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Simulate_TableUntaggedAndTableDeletedJustBeforeAFailover_NeitherWritten_FailoverStillConverges()
    {
        // People take both spoke tables out of the cluster after the watcher read them: the failover's conditional writes
        // find out (412), re-read, and leave them: one finding each, never a write, never a failure.
        var untag = new JsonObject { ["at"] = "00:00:50", ["do"] = "untagRouteTable", ["routeTable"] = "rt-spoke-apps" };
        var delete = new JsonObject { ["at"] = "00:00:52", ["do"] = "deleteRouteTable", ["routeTable"] = "rt-spoke-data" };
        var rehearsal = Rehearsal.BuiltIn().Timeline("00:02:00", untag, delete, Rehearsal.Event("00:01:00", "powerOff", "vmx-a"));

        var (report, _) = await rehearsal.RunAsync(speed: 20);

        var failover = Assert.Single(Rehearsal.Failovers(report));
        Assert.Equal(("converged", 0, 1), (failover["status"]!.GetValue<string>(), failover["routesChanged"]!.GetValue<int>(), failover["publicIpsMoved"]!.GetValue<int>()));
        var tables = report["final"]!["routeTables"]!.AsArray();
        var apps = Assert.Single(tables);
        Assert.Null(apps!["tags"]!["nva_ha_udr"]);
        Assert.Equal("10.1.0.4", apps["routes"]![0]!["nextHopIpAddress"]!.GetValue<string>());
        // One conditional write per table, each refused (412) because the table changed; none after.
        Assert.Equal(2, report["arm"]!["byOperation"]!["PUT routeTables"]!.GetValue<int>());
        Assert.All(Rehearsal.Rounds(report), r => Assert.NotEqual("error", r["action"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Simulate_WatcherKilledInsideThePublicIpMove_ANewOneFinishesItInTheOnlySlot()
    {
        // vmx-a dies at 00:01:00; the failover is decided about 00:01:03 and the public IP's detach (15 s) is accepted at
        // once. The host is killed at 00:01:06, with the detach running, and a new one starts 20 s later knowing only
        // what Azure holds: routes already on vmx-b, the public IP on no interface.
        var kill = new JsonObject { ["at"] = "00:01:06", ["do"] = "killWatcher", ["downFor"] = "00:00:20" };
        var rehearsal = Rehearsal.BuiltIn().Timeline("00:02:30", Rehearsal.Event("00:01:00", "powerOff", "vmx-a"), kill);

        var (report, run) = await rehearsal.RunAsync(speed: 20);

        var final = report["final"]!.AsObject();
        var nics = final["networkInterfaces"]!.AsArray().ToDictionary(n => n!["id"]!.GetValue<string>().Split('/')[^1], n => n!["ipConfigurations"]![0]!["publicIPAddressId"]?.GetValue<string>());
        Assert.Null(nics["vmx-a-nic"]);
        Assert.EndsWith("/publicIPAddresses/pip-sdwan", nics["vmx-b-nic"], StringComparison.Ordinal);
        var failover = Assert.Single(Rehearsal.Failovers(report));
        Assert.Equal(("vmx-b", "converged", 1), (failover["to"]!.GetValue<string>(), failover["status"]!.GetValue<string>(), failover["publicIpsMoved"]!.GetValue<int>()));
        var nextHops = final["routeTables"]!.AsArray().SelectMany(t => t!["routes"]!.AsArray()).Select(r => r!["nextHopIpAddress"]?.GetValue<string>()).ToList();
        Assert.DoesNotContain("10.1.0.4", nextHops);
        Assert.Contains("10.1.0.5", nextHops);
        Rehearsal.AssertNoErrorRounds(report, run);
        Assert.Contains(report["cycles"]!.AsArray(), r => string.CompareOrdinal(r!["at"]!.GetValue<string>(), "00:01:26") >= 0);
        Assert.DoesNotContain(Rehearsal.Rounds(report), r => string.CompareOrdinal(r["at"]!.GetValue<string>(), "00:01:07") >= 0 && string.CompareOrdinal(r["at"]!.GetValue<string>(), "00:01:25") < 0);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Simulate_WatcherKilledInsideThePublicIpMove_OfNvasWithAManagementNic_FinishedInItsSlotOnlyWithAWitness(bool witness)
    {
        // As above, but each vmx has a management NIC first (slot 0): the public IP belongs to slot 1. With a witness the
        // new host waits for the dead one's lease to lapse, reads its flight record and attaches the public IP to slot 1;
        // without one it cannot tell the slot, and says so (an ERROR finding) instead of guessing.
        var kill = new JsonObject { ["at"] = "00:01:06", ["do"] = "killWatcher", ["downFor"] = "00:00:05" };
        var rehearsal = Rehearsal.BuiltIn().Timeline("00:02:30", Rehearsal.Event("00:01:00", "powerOff", "vmx-a"), kill);
        AddManagementNics(rehearsal);
        if (witness)
        {
            rehearsal.Scenario["settings"]!["Witness"] = new JsonObject { ["ContainerUri"] = "http://127.0.0.1:10000/devstoreaccount1/witness", ["LeaseDuration"] = "00:00:15" };
        }

        var (report, run) = await rehearsal.RunAsync(20, "--verbose");

        var nicsAtEnd = report["final"]!["networkInterfaces"]!.AsArray().ToDictionary(n => n!["id"]!.GetValue<string>().Split('/')[^1], n => n!["ipConfigurations"]![0]!["publicIPAddressId"]?.GetValue<string>());
        Assert.Null(nicsAtEnd["vmx-a-nic"]);
        Assert.Null(nicsAtEnd["vmx-b-mgmt"]);
        Assert.Null(nicsAtEnd["vmx-a-mgmt"]);
        if (witness)
        {
            Assert.EndsWith("/publicIPAddresses/pip-sdwan", nicsAtEnd["vmx-b-nic"], StringComparison.Ordinal);
            Rehearsal.AssertNoErrorRounds(report, run);
            Assert.Contains("FlightResumed", run.Err, StringComparison.Ordinal);
        }
        else
        {
            Assert.Null(nicsAtEnd["vmx-b-nic"]);
            Assert.Contains("pip-sdwan: is attached to no interface", run.Err, StringComparison.Ordinal);
            Assert.Contains("not attached to a guessed one", run.Err, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Simulate_TwoWatchers_TheLeaderKilledInsideThePublicIpMove_TheStandbyFinishesItInItsSlot()
    {
        // Two hosts share the witness: one leads, the other probes and writes nothing. The leader dies inside the public IP
        // move and stays down; the standby takes the lapsed lease and finishes the one failover in the public IP's slot.
        var kill = new JsonObject { ["at"] = "00:01:12", ["do"] = "killWatcher", ["downFor"] = "00:01:30", ["watcher"] = "leader" };
        var rehearsal = Rehearsal.BuiltIn().Timeline("00:02:30", Rehearsal.Event("00:01:00", "powerOff", "vmx-a"), kill);
        AddManagementNics(rehearsal);
        rehearsal.Scenario["settings"]!["Witness"] = new JsonObject { ["ContainerUri"] = "http://127.0.0.1:10000/devstoreaccount1/witness", ["LeaseDuration"] = "00:00:15" };
        rehearsal.Scenario["watchers"] = 2;

        var (report, run) = await rehearsal.RunAsync(20, "--verbose");

        var nicsAtEnd = report["final"]!["networkInterfaces"]!.AsArray().ToDictionary(n => n!["id"]!.GetValue<string>().Split('/')[^1], n => n!["ipConfigurations"]![0]!["publicIPAddressId"]?.GetValue<string>());
        Assert.EndsWith("/publicIPAddresses/pip-sdwan", nicsAtEnd["vmx-b-nic"], StringComparison.Ordinal);
        Assert.Null(nicsAtEnd["vmx-b-mgmt"]);
        Assert.Contains("WitnessStandby", run.Err, StringComparison.Ordinal);
        Assert.Contains("FlightResumed", run.Err, StringComparison.Ordinal);
        Assert.Matches("the witness holds an open failover vmx-a -> vmx-b .* by watcher-[12]", run.Err);
        var failover = Assert.Single(Rehearsal.Failovers(report));
        Assert.Equal("converged", failover!["status"]!.GetValue<string>());
        Rehearsal.AssertNoErrorRounds(report, run);
    }

    /// <summary>Gives vmx-a and vmx-b a management NIC first (slot 0), so the public IP belongs to slot 1.</summary>
    private static void AddManagementNics(Rehearsal rehearsal)
    {
        foreach (var vm in rehearsal.Scenario["topology"]!["virtualMachines"]!.AsArray().Where(v => v!["id"]!.GetValue<string>().Split('/')[^1] is "vmx-a" or "vmx-b"))
        {
            var nics = vm!["networkInterfaces"]!.AsArray();
            var first = nics[0]!;
            var name = vm["id"]!.GetValue<string>().Split('/')[^1];
            nics.Insert(0, new JsonObject
            {
                ["id"] = first["id"]!.GetValue<string>().Replace($"/{name}-nic", $"/{name}-mgmt", StringComparison.Ordinal),
                ["ipConfigurations"] = new JsonArray(new JsonObject
                {
                    ["name"] = "ipconfig-mgmt",
                    ["privateIPAddress"] = name == "vmx-a" ? "10.1.9.4" : "10.1.9.5",
                    ["primary"] = true,
                    ["subnetId"] = first["ipConfigurations"]![0]!["subnetId"]!.DeepClone(),
                }),
            });
        }
    }

    [Fact]
    public async Task Simulate_EndsWhileWriting_TimelineSaysSoInsteadOfNoFailover()
    {
        var rehearsal = Rehearsal.BuiltIn().Timeline("00:01:20", Rehearsal.Event("00:01:00", "powerOff", "vmx-a"));
        var path = Path.Combine(Path.GetTempPath(), $"nvafo-rehearsal-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, rehearsal.Scenario.ToJsonString());

        var result = await RunAsync(["simulate", "--scenario", path, "--speed", "20"]);
        File.Delete(path);

        Assert.True(result.Code == 0, result.ToString());
        Assert.DoesNotContain("No failover happened", result.Out, StringComparison.Ordinal);
        Assert.Contains("still writing when the scenario ended", result.Out, StringComparison.Ordinal);
        Assert.Contains("pending: public IP pip-sdwan", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_TcpProbeWithoutProbeEndpoint_ProbesTheEmulatorsEndpointForEachNva()
    {
        var rehearsal = Rehearsal.BuiltIn().Timeline("00:02:00", Rehearsal.Event("00:01:00", "probeDown", "vmx-a"));
        rehearsal.ProbeSettings["Kind"] = "Tcp";

        var (report, _) = await rehearsal.RunAsync();

        var failover = Assert.Single(Rehearsal.Failovers(report));
        Assert.Equal(("vmx-a", "activeDown"), (failover["from"]!.GetValue<string>(), failover["reason"]!.GetValue<string>()));
        Rehearsal.AssertHappenedAt("00:01:00", failover["faultAt"]!.GetValue<string>());
    }

    [Fact]
    public async Task Simulate_OneRoundPerTick_CadenceFollowsTheScheduleAtAnySpeed()
    {
        var rehearsal = Rehearsal.BuiltIn().Timeline("00:03:00");
        rehearsal.ProbeSettings["Interval"] = "00:00:00";

        var (report, _) = await rehearsal.RunAsync(speed: 20);

        // */30: ticks at 00:00:30 ... 00:02:30, one round each, never early, and each before the next tick: late by at
        // most what a loaded machine's scheduling adds (a CI run saw a real 830 ms stall: 25 s of scenario time at 30x,
        // 17 s at 20x). At 100x a 300 ms stall was a whole tick, and the last round ended after the timeline did.
        var at = Rehearsal.Rounds(report).Select(c => TimeSpan.Parse(c["at"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(5, at.Count);
        Assert.All(at.Select((t, i) => t - TimeSpan.FromSeconds(30 * (i + 1))), late => Assert.InRange(late.TotalSeconds, 0, 29));
    }

    [Fact]
    public async Task Simulate_ConflictsInjected_CountedAsConflicts()
    {
        var rehearsal = Rehearsal.BuiltIn().Timeline("00:03:00",
            new JsonObject { ["at"] = "00:00:50", ["do"] = "armFaults", ["status"] = 409, ["probability"] = 0.5, ["for"] = "00:01:00" },
            Rehearsal.Event("00:01:00", "powerOff", "vmx-a"));

        var (report, _) = await rehearsal.RunAsync();

        Assert.True(report["arm"]!["conflicts"]!.GetValue<int>() > 0, report["arm"]!.ToJsonString());
        Assert.Equal("converged", Assert.Single(Rehearsal.Failovers(report))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Simulate_DryRun_NoFailoverListedAndNothingWritten()
    {
        var rehearsal = Rehearsal.BuiltIn().Timeline("00:02:00", Rehearsal.Event("00:01:00", "powerOff", "vmx-a"));
        rehearsal.Scenario["settings"]!["DryRun"] = true;

        var (report, _) = await rehearsal.RunAsync();

        Assert.Empty(Rehearsal.Failovers(report));
        Assert.Equal(0, report["arm"]!["writes"]!.GetValue<int>());
        Assert.Single(Rehearsal.Rounds(report), c => c["action"]!.GetValue<string>() == "failover");
    }

    [Fact]
    public async Task Simulate_RouteToASlotTheTargetLacks_NotConvergedAndSaysWhy()
    {
        // vmx-a gets a second interface (slot 1); vmx-b has none, so a route to vmx-a's slot 1 cannot follow. The scenario
        // runs well past the public IP move (two 15 s NIC writes), so the failover has finished all it can.
        var rehearsal = Rehearsal.BuiltIn().Timeline("00:03:00", Rehearsal.Event("00:01:00", "powerOff", "vmx-a"));
        var vmxA = rehearsal.Scenario["topology"]!["virtualMachines"]![0]!;
        var subnet = vmxA["networkInterfaces"]![0]!["ipConfigurations"]![0]!["subnetId"]!.GetValue<string>();
        vmxA["networkInterfaces"]!.AsArray().Add(new JsonObject
        {
            ["id"] = "/subscriptions/5d1f0000-0000-4000-8000-00000000a001/resourceGroups/rg-sdwan/providers/Microsoft.Network/networkInterfaces/vmx-a-nic2",
            ["enableIPForwarding"] = true,
            ["ipConfigurations"] = new JsonArray(new JsonObject { ["name"] = "ipconfig1", ["privateIPAddress"] = "10.1.0.20", ["subnetId"] = subnet }),
        });
        rehearsal.Scenario["topology"]!["routeTables"]![0]!["routes"]!.AsArray().Add(new JsonObject
        {
            ["name"] = "inside", ["addressPrefix"] = "172.16.0.0/12", ["nextHopType"] = "VirtualAppliance", ["nextHopIpAddress"] = "10.1.0.20",
        });

        var (report, _) = await rehearsal.RunAsync();

        var failover = Assert.Single(Rehearsal.Failovers(report));
        Assert.Equal("notMoved", failover["status"]!.GetValue<string>());
        Assert.Null(failover["convergedAt"]);
        Assert.Contains(failover["notMoved"]!.AsArray(), n => n!["message"]!.GetValue<string>().Contains("inside", StringComparison.Ordinal));
        Assert.Contains(report["preflight"]!.AsArray(), f => f!["severity"]!.GetValue<string>() == "ERROR" && f["message"]!.GetValue<string>().Contains("on a failover to vmx-b", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Simulate_UnwritableJsonPath_Exit2BeforeRunning()
    {
        var result = await RunAsync(["simulate", "--json", "/no/such/dir/report.json"]);

        Assert.Equal(2, result.Code);
        Assert.Contains("--json /no/such/dir/report.json cannot be written", result.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_Html_WritesASelfContainedPage()
    {
        var html = Path.Combine(Path.GetTempPath(), $"nvafo-{Guid.NewGuid():N}.html");
        try
        {
            var result = await RunAsync(["simulate", "--speed", "50", "--html", html]);

            Assert.True(result.Code == 0, result.ToString());
            var page = await File.ReadAllTextAsync(html);
            Assert.StartsWith("<!DOCTYPE html>", page, StringComparison.Ordinal);
            Assert.Contains("builtin-sdwan-pair", page, StringComparison.Ordinal);
            Assert.Contains("<svg", page, StringComparison.Ordinal);

            // The page's structure is fixed: the same sections, in the same order, for every scenario.
            var sections = System.Text.RegularExpressions.Regex.Matches(page, "<h2 id=\"([a-z]+)\"").Select(m => m.Groups[1].Value);
            Assert.Equal(["timeline", "failovers", "arm", "changes", "preflight"], sections);
            Assert.Equal(2, System.Text.RegularExpressions.Regex.Count(page, "<svg "));
            Assert.Contains("vmx-a &rarr; vmx-b", page, StringComparison.Ordinal);
            Assert.DoesNotContain("<script", page, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("http://", page.Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal), StringComparison.Ordinal);
            Assert.Contains($"HTML report written to {html}", result.Out, StringComparison.Ordinal);

            // Any screen: a viewport, charts that scale, wide tables that scroll inside their own box.
            Assert.Contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">", page, StringComparison.Ordinal);
            Assert.Equal(2, System.Text.RegularExpressions.Regex.Count(page, "<svg [^>]*viewBox=\"0 0 960 \\d+\" width=\"100%\""));
            Assert.Contains("table{border-collapse:collapse;display:block;max-width:100%;overflow-x:auto}", page, StringComparison.Ordinal);

            // The legend says what the numbers are.
            Assert.Contains("detected, with the seconds since the fault", page, StringComparison.Ordinal);
            Assert.Contains("public IPs moved, each with the seconds since detection", page, StringComparison.Ordinal);
            Assert.Contains("striped while the routes are on the new NVA and its public IP is still moving", page, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(html);
        }
    }

    [Fact]
    public async Task Simulate_Html_AnNvaKeepsItsColourInEveryReport_AndNoOtherMeaningUsesIt()
    {
        var colours = new List<(string A, string B)>();
        foreach (var timeline in new[] { Rehearsal.BuiltIn().Timeline("00:01:30"), Rehearsal.BuiltIn().Timeline("00:02:00", Rehearsal.Event("00:00:40", "powerOff", "vmx-a")) })
        {
            var html = Path.Combine(Path.GetTempPath(), $"nvafo-{Guid.NewGuid():N}.html");
            try
            {
                await timeline.RunAsync(50, "--html", html);
                var page = await File.ReadAllTextAsync(html);
                string Swatch(string nva) => System.Text.RegularExpressions.Regex.Match(page, $"vmx: {nva}</text><rect [^>]*fill=\"(#[0-9a-f]{{6}})\"").Groups[1].Value;
                colours.Add((Swatch("vmx-a"), Swatch("vmx-b")));
                var meanings = System.Text.RegularExpressions.Regex.Matches(page, "class=\"swatch\" style=\"background:(#[0-9a-f]{6})\"").Select(m => m.Groups[1].Value).ToHashSet();
                Assert.DoesNotContain(colours[^1].A, meanings);
                Assert.DoesNotContain(colours[^1].B, meanings);
            }
            finally
            {
                File.Delete(html);
            }
        }

        Assert.NotEqual("", colours[0].A);
        Assert.NotEqual(colours[0].A, colours[0].B);
        Assert.Equal(colours[0], colours[1]);
    }

    [Fact]
    public async Task Simulate_HostVnetDnsServerIsAnNva_PreflightError()
    {
        var rehearsal = Rehearsal.BuiltIn().Timeline("00:00:30");
        const string vnet = "/subscriptions/5d1f0000-0000-4000-8000-00000000a001/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub";
        rehearsal.Scenario["topology"]!["subnets"] = new JsonArray(new JsonObject { ["id"] = $"{vnet}/subnets/functions" });
        rehearsal.Scenario["topology"]!["virtualNetworks"] = new JsonArray(new JsonObject { ["id"] = vnet, ["dnsServers"] = new JsonArray("10.1.0.4") });
        rehearsal.Scenario["settings"]!["HostSubnetId"] = $"{vnet}/subnets/functions";

        var (report, _) = await rehearsal.RunAsync();

        Assert.Contains(report["preflight"]!.AsArray(), f => f!["severity"]!.GetValue<string>() == "ERROR"
            && f["message"]!.GetValue<string>().Contains("DNS server 10.1.0.4 is NVA vmx-a", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Simulate_HostSubnetRoutesArmThroughAnNva_PreflightErrorInTheReportAndTheRouteNeverMoves()
    {
        var rehearsal = Rehearsal.BuiltIn().Timeline("00:02:30", Rehearsal.Event("00:01:00", "powerOff", "vmx-a"));
        var subnet = "/subscriptions/5d1f0000-0000-4000-8000-00000000a001/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/functions";
        var table = rehearsal.Scenario["topology"]!["routeTables"]![0]!["id"]!.GetValue<string>();
        rehearsal.Scenario["topology"]!["subnets"] = new JsonArray(new JsonObject { ["id"] = subnet, ["routeTableId"] = table });
        rehearsal.Scenario["topology"]!["routeTables"]![0]!["routes"]!.AsArray().Add(new JsonObject
        {
            ["name"] = "everything", ["addressPrefix"] = "0.0.0.0/0", ["nextHopType"] = "VirtualAppliance", ["nextHopIpAddress"] = "10.1.0.4",
        });
        rehearsal.Scenario["settings"]!["HostSubnetId"] = subnet;

        var (report, _) = await rehearsal.RunAsync();

        Assert.Contains(report["preflight"]!.AsArray(), f => f!["severity"]!.GetValue<string>() == "ERROR" && f["resourceId"]!.GetValue<string>() == subnet
            && f["message"]!.GetValue<string>().Contains("NVA vmx-a", StringComparison.Ordinal));
        var routes = report["final"]!["routeTables"]![0]!["routes"]!.AsArray();
        Assert.Equal("10.1.0.4", routes.Single(r => r!["name"]!.GetValue<string>() == "everything")!["nextHopIpAddress"]!.GetValue<string>());
        Assert.Equal("10.1.0.5", routes.Single(r => r!["name"]!.GetValue<string>() == "branches")!["nextHopIpAddress"]!.GetValue<string>());
    }
}
