using System.Text.Json.Nodes;

namespace NvaFailover.Cli.Tests;

/// <summary>Failovers confirmed on the data plane: the effective routes of the subnets behind the managed tables.</summary>
public sealed class VerificationRehearsalTests
{
    private const string Sub = "/subscriptions/5d1f0000-0000-4000-8000-00000000a001";
    private const string AppsSubnet = $"{Sub}/resourceGroups/rg-spoke-apps/providers/Microsoft.Network/virtualNetworks/vnet-spoke-apps/subnets/apps";
    private const string LegacySubnet = $"{Sub}/resourceGroups/rg-spoke-apps/providers/Microsoft.Network/virtualNetworks/vnet-spoke-apps/subnets/legacy";
    private const string LegacyTable = $"{Sub}/resourceGroups/rg-spoke-apps/providers/Microsoft.Network/routeTables/rt-legacy";

    /// <summary>
    /// The built-in pair (a workload VM in a subnet behind each spoke table), with vmx-a off at 00:01:00. The failover
    /// converges about 40 s later; the scenario runs two minutes past it so a loaded machine's scaled clock cannot end it
    /// in flight.
    /// </summary>
    private static Rehearsal WithWorkload() => Rehearsal.BuiltIn().Timeline("00:03:00", Rehearsal.Event("00:01:00", "powerOff", "vmx-a"));

    [Fact]
    public async Task Failover_TheSubnetsEffectiveRoutesFollow_VerifiedAfterConvergence()
    {
        var (report, result) = await WithWorkload().RunAsync(speed: 30);

        var failover = Assert.Single(Rehearsal.Failovers(report));
        Assert.Equal("converged", failover["status"]!.GetValue<string>());
        Assert.Empty(failover["unverified"]!.AsArray());
        var verified = failover["verifiedAt"]!.GetValue<string>();
        Assert.True(string.CompareOrdinal(verified, failover["convergedAt"]!.GetValue<string>()) >= 0, verified);
        Assert.True(report["arm"]!["byOperation"]!["POST effectiveRouteTable"]!.GetValue<int>() >= 1, report["arm"]!.ToJsonString());
        Assert.Contains("verified", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UntaggedTableAndLearnedRoute_ToTheOldNva_PreflightWarnsAndTheFailoverIsNotVerified()
    {
        var rehearsal = WithWorkload();
        var topology = rehearsal.Scenario["topology"]!.AsObject();

        // The apps subnet learns 10.50.0.0/16 over BGP from vmx-a; a legacy subnet uses a table nobody tagged that sends
        // 172.20.0.0/16 to vmx-a.
        topology["routeTables"]![0]!["disableBgpRoutePropagation"] = false;
        topology["subnets"]![0]!["learnedRoutes"] = new JsonArray(new JsonObject
        {
            ["addressPrefix"] = "10.50.0.0/16", ["nextHopType"] = "VirtualNetworkGateway", ["nextHopIpAddress"] = "10.1.0.4",
        });
        topology["routeTables"]!.AsArray().Add(new JsonObject
        {
            ["id"] = LegacyTable,
            ["location"] = "westeurope",
            ["routes"] = new JsonArray(new JsonObject
            {
                ["name"] = "partners", ["addressPrefix"] = "172.20.0.0/16", ["nextHopType"] = "VirtualAppliance", ["nextHopIpAddress"] = "10.1.0.4",
            }),
        });
        topology["subnets"]!.AsArray().Add(new JsonObject { ["id"] = LegacySubnet, ["routeTableId"] = LegacyTable });

        var (report, _) = await rehearsal.RunAsync(speed: 30);

        var preflight = report["preflight"]!.AsArray().Select(f => f!.AsObject()).Where(f => f["severity"]!.GetValue<string>() == "WARN").ToList();
        Assert.Contains(preflight, f => f["resourceId"]!.GetValue<string>() == LegacySubnet
            && f["message"]!.GetValue<string>().StartsWith("172.20.0.0/16 -> 10.1.0.4: route table rt-legacy sends it to NVA vmx-a", StringComparison.Ordinal));
        Assert.Contains(preflight, f => f["resourceId"]!.GetValue<string>() == AppsSubnet
            && f["message"]!.GetValue<string>().StartsWith("10.50.0.0/16 -> 10.1.0.4: learned over BGP", StringComparison.Ordinal));

        var failover = Assert.Single(Rehearsal.Failovers(report));
        Assert.Equal("converged", failover["status"]!.GetValue<string>());
        Assert.Null(failover["verifiedAt"]);
        var unverified = failover["unverified"]!.AsArray().Select(u => u!.AsObject()).ToList();
        Assert.Contains(unverified, u => (u["subnetId"]!.GetValue<string>(), u["addressPrefix"]!.GetValue<string>(), u["nextHopIpAddress"]!.GetValue<string>()) == (AppsSubnet, "10.50.0.0/16", "10.1.0.4")
            && u["reason"]!.GetValue<string>().Contains("learned over BGP", StringComparison.Ordinal));
        Assert.Contains(unverified, u => (u["subnetId"]!.GetValue<string>(), u["addressPrefix"]!.GetValue<string>(), u["nextHopIpAddress"]!.GetValue<string>()) == (LegacySubnet, "172.20.0.0/16", "10.1.0.4")
            && u["reason"]!.GetValue<string>().Contains("does not carry the tag nva_ha_udr=vmx", StringComparison.Ordinal));
        Assert.Equal(2, unverified.Count);
    }

    [Fact]
    public async Task SubnetWithoutARunningVm_IsUnverifiedSayingSo()
    {
        var rehearsal = WithWorkload();
        rehearsal.Scenario["topology"]!["virtualMachines"]!.AsArray().Single(v => v!["id"]!.GetValue<string>().EndsWith("/app-1", StringComparison.Ordinal))!["powerState"] = "deallocated";

        var (report, _) = await rehearsal.RunAsync(speed: 30);

        var failover = Assert.Single(Rehearsal.Failovers(report));
        Assert.Null(failover["verifiedAt"]);
        var unverified = Assert.Single(failover["unverified"]!.AsArray())!;
        Assert.Equal(AppsSubnet, unverified["subnetId"]!.GetValue<string>());
        Assert.Null(unverified["addressPrefix"]);
        Assert.Contains("belongs to a running VM", unverified["reason"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerificationNone_NothingIsRead_AndNothingIsVerified()
    {
        var rehearsal = WithWorkload();
        rehearsal.Cluster["Verification"] = "None";

        var (report, _) = await rehearsal.RunAsync(speed: 30);

        var failover = Assert.Single(Rehearsal.Failovers(report));
        Assert.Null(failover["verifiedAt"]);
        Assert.Empty(failover["unverified"]!.AsArray());
        Assert.Null(report["arm"]!["byOperation"]!["POST effectiveRouteTable"]);
    }
}
