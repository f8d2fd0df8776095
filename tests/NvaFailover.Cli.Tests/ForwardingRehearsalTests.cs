using System.Text.Json.Nodes;

namespace NvaFailover.Cli.Tests;

/// <summary>Gray failures in rehearsals: an appliance that stops forwarding while its VM runs and its port answers.</summary>
public sealed class ForwardingRehearsalTests
{
    private const string Rg = "/subscriptions/5d1f0000-0000-4000-8000-00000000a001/resourceGroups/rg-hub/providers/Microsoft.Network";
    private const string HostSubnet = $"{Rg}/virtualNetworks/vnet-hub/subnets/functions";
    private const string HostTable = $"{Rg}/routeTables/rt-functions";

    private static Rehearsal Forwarding(string duration, params JsonObject[] events)
    {
        var rehearsal = Rehearsal.BuiltIn().Timeline(duration, events);
        rehearsal.ProbeSettings["Kind"] = "Forwarding";
        return rehearsal;
    }

    [Fact]
    public async Task StopForwarding_ForwardingProbe_FailsOverWhileTheVmRuns()
    {
        // At 8x a probe's timeout (2 s) lasts longer than the rehearsal's real-time floor (250 ms), so timeouts are not stretched.
        var rehearsal = Forwarding("00:01:40", Rehearsal.Event("00:00:40", "stopForwarding", "vmx-a"));

        var (report, _) = await rehearsal.RunAsync(speed: 8);

        var failover = Assert.Single(Rehearsal.Failovers(report));
        Assert.Equal(("vmx-a", "vmx-b", "converged"), (failover["from"]!.GetValue<string>(), failover["to"]!.GetValue<string>(), failover["status"]!.GetValue<string>()));
        Rehearsal.AssertHappenedAt("00:00:40", failover["faultAt"]!.GetValue<string>());

        // Two attempts of 2 s with 2 s between, started within one 5 s interval: seen within 11 s, plus a loaded machine's lateness.
        var detection = TimeSpan.Parse(failover["detectedAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)
            - TimeSpan.Parse(failover["faultAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(detection.TotalSeconds, 4, 20);
    }

    [Theory]
    [InlineData("VmPowerState", "WARN", "probes only the VMs' power state: an appliance that hangs or stops forwarding while its VM runs is invisible to it")]
    [InlineData("All", "INFO", "an appliance whose port answers while it forwards nothing (a hung dataplane) is invisible to it")]
    public async Task StopForwarding_WithoutForwardingProbe_NothingMovesAndThePreflightSaysItIsInvisible(string kind, string severity, string message)
    {
        var rehearsal = Rehearsal.BuiltIn().Timeline("00:02:00", Rehearsal.Event("00:00:40", "stopForwarding", "vmx-a"));
        rehearsal.ProbeSettings["Kind"] = kind;

        var (report, _) = await rehearsal.RunAsync(speed: 30);

        Assert.Empty(Rehearsal.Failovers(report));
        Assert.All(Rehearsal.Rounds(report), r => Assert.Equal("up", Rehearsal.Health(r, "vmx-a")));
        Assert.Contains(report["preflight"]!.AsArray(), f => f!["severity"]!.GetValue<string>() == severity
            && f["message"]!.GetValue<string>().Contains(message, StringComparison.Ordinal)
            && f["message"]!.GetValue<string>().Contains("set Probe:Kind Forwarding with a ForwardingProbeEndpoint per NVA", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CanaryDown_EveryForwardingProbeFailsAtOnce_UnknownAndNothingMoves()
    {
        var rehearsal = Forwarding("00:02:30",
            new JsonObject { ["at"] = "00:00:40", ["do"] = "canaryDown" },
            new JsonObject { ["at"] = "00:01:40", ["do"] = "canaryUp" });

        var (report, _) = await rehearsal.RunAsync(speed: 30);

        Assert.Empty(Rehearsal.Failovers(report));
        Assert.Equal(0, report["arm"]!["writes"]!.GetValue<int>());
        var rounds = Rehearsal.Rounds(report).ToList();
        Assert.Contains(rounds, r => Rehearsal.Health(r, "vmx-a") == "unknown" && Rehearsal.Health(r, "vmx-b") == "unknown");
        Assert.DoesNotContain(rounds, r => Rehearsal.Health(r, "vmx-a") == "down" || Rehearsal.Health(r, "vmx-b") == "down");
        Assert.Equal("up", Rehearsal.Health(rounds[^1], "vmx-a"));
    }

    [Fact]
    public async Task ProbePaths_CheckedInTheHostSubnetsTable_AndAProbeRouteInAManagedTableNeverMoves()
    {
        // vmx-a's /32 goes through vmx-a (right); vmx-b's goes through vmx-a too (wrong). A copy of vmx-a's /32 sits in a
        // managed table: a failover must leave it on vmx-a, or vmx-a's probe would pass through vmx-b.
        var rehearsal = Forwarding("00:02:30", Rehearsal.Event("00:01:00", "powerOff", "vmx-a"));
        rehearsal.Cluster["Nvas"]![0]!["ForwardingProbeEndpoint"] = "10.99.0.4:443";
        rehearsal.Cluster["Nvas"]![1]!["ForwardingProbeEndpoint"] = "10.99.0.5:443";
        var topology = rehearsal.Scenario["topology"]!.AsObject();
        topology["routeTables"]!.AsArray().Add(new JsonObject
        {
            ["id"] = HostTable,
            ["location"] = "westeurope",
            ["routes"] = new JsonArray(Route("probe-a", "10.99.0.4/32", "10.1.0.4"), Route("probe-b", "10.99.0.5/32", "10.1.0.4")),
        });
        topology["routeTables"]![0]!["routes"]!.AsArray().Add(Route("probe-a-copy", "10.99.0.4/32", "10.1.0.4"));
        topology["subnets"] = new JsonArray(new JsonObject { ["id"] = HostSubnet, ["routeTableId"] = HostTable });
        rehearsal.Scenario["settings"]!["HostSubnetId"] = HostSubnet;

        var (report, _) = await rehearsal.RunAsync(speed: 30);

        var preflight = report["preflight"]!.AsArray().Select(f => f!.AsObject()).ToList();
        var wrong = Assert.Single(preflight, f => f["message"]!.GetValue<string>().Contains("forwarding probe", StringComparison.Ordinal) && f["severity"]!.GetValue<string>() == "ERROR");
        Assert.Equal(HostTable, wrong["resourceId"]!.GetValue<string>());
        Assert.Contains("vmx-b's forwarding probe (10.99.0.5:443) passes through vmx-a, not vmx-b", wrong["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains(preflight, f => f["message"]!.GetValue<string>().Contains("'probe-a-copy' (10.99.0.4/32) is vmx-a's forwarding-probe path (its ForwardingProbeEndpoint) in a managed table", StringComparison.Ordinal));

        Assert.Equal("converged", Assert.Single(Rehearsal.Failovers(report))["status"]!.GetValue<string>());
        var managed = report["final"]!["routeTables"]![0]!["routes"]!.AsArray();
        Assert.Equal("10.1.0.4", managed.Single(r => r!["name"]!.GetValue<string>() == "probe-a-copy")!["nextHopIpAddress"]!.GetValue<string>());
        Assert.Equal("10.1.0.5", managed.Single(r => r!["name"]!.GetValue<string>() == "branches")!["nextHopIpAddress"]!.GetValue<string>());
    }

    private static JsonObject Route(string name, string prefix, string nextHop) => new()
    {
        ["name"] = name, ["addressPrefix"] = prefix, ["nextHopType"] = "VirtualAppliance", ["nextHopIpAddress"] = nextHop,
    };
}
