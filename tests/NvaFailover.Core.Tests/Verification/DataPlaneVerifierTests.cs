using NvaFailover.Ports;
using NvaFailover.Resources;
using NvaFailover.Tests.Fakes;
using NvaFailover.Topology;
using NvaFailover.Verification;

namespace NvaFailover.Tests.Verification;

/// <summary>
/// The verifier's rules on the edge pair after a failover from edge-a (inside 172.20.1.4) to edge-b (172.20.1.5): the
/// apps subnet uses rt-apps (default route managed) and holds one workload NIC.
/// </summary>
public sealed class DataPlaneVerifierTests
{
    private static readonly string Apps = $"/subscriptions/{World.Sub}/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/vnet-spoke/subnets/apps";
    private static readonly string Legacy = $"/subscriptions/{World.Sub}/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/vnet-spoke/subnets/legacy";
    private static readonly string AppNic = World.Nic("app-1-nic");

    private readonly World _world = World.EdgePair();

    public DataPlaneVerifierTests()
    {
        var apps = _world.Azure.Tables[World.Rt("rt-apps")];
        _world.Azure.Tables[apps.Id] = apps with { SubnetIds = [Apps] };
        _world.Azure.Subnets[Apps] = new SubnetSnapshot(Apps, apps.Id) { IpConfigurationIds = [ArmId.IpConfigurationId(AppNic, "ipconfig1")] };
    }

    private static EffectiveRoute User(string prefix, string hop) => new("User", true, [prefix], "VirtualAppliance", [hop]);

    private static EffectiveRoute Learned(string prefix, string hop) => new("VirtualNetworkGateway", true, [prefix], "VirtualNetworkGateway", [hop]);

    private static readonly EffectiveRoute SystemDefault = new("Default", false, ["0.0.0.0/0"], "Internet", []);

    private async Task<VerificationResult> VerifyAsync()
    {
        var topology = await _world.TopologyAsync();
        var verifier = new DataPlaneVerifier(_world.Azure, _world.Azure, _world.Azure, _world.Time);
        return await _world.Time.RunAsync(() => verifier.VerifyAsync(topology, "edge-a", "edge-b", CancellationToken.None));
    }

    [Fact]
    public async Task EveryManagedPrefixOnTheNewNva_Verified_WithOneSubnetChecked()
    {
        _world.Azure.EffectiveRoutes[AppNic] = [User("0.0.0.0/0", "172.20.1.5"), SystemDefault];

        var result = await VerifyAsync();

        Assert.True(result.Verified, string.Join("; ", result.Unverified));
        Assert.Equal(1, result.SubnetsChecked);
        Assert.Equal(3, result.Reads); // the subnet, its NIC's effective routes, the subscription's route tables
    }

    [Fact]
    public async Task ManagedPrefixStillOnTheOldNva_ReadAgainAfterTheDataPlaneSettles_UnverifiedWhenItStays()
    {
        _world.Azure.EffectiveRoutes[AppNic] = [User("0.0.0.0/0", "172.20.1.4")];
        var start = _world.Time.GetUtcNow();

        var result = await VerifyAsync();

        var entry = Assert.Single(result.Unverified);
        Assert.Equal((Apps, "0.0.0.0/0", "172.20.1.4"), (entry.SubnetId, entry.AddressPrefix, entry.NextHopIpAddress));
        Assert.Contains("still sends it to NVA edge-a", entry.Reason, StringComparison.Ordinal);
        Assert.Equal(2, _world.Azure.Calls.Count(c => c == "POST effectiveRouteTable app-1-nic"));
        Assert.True(_world.Time.GetUtcNow() - start >= DataPlaneVerifier.Settle);
    }

    [Fact]
    public async Task ALearnedRouteToTheOldNva_Unverified_NamingBgp_WithoutWaiting()
    {
        _world.Azure.EffectiveRoutes[AppNic] = [User("0.0.0.0/0", "172.20.1.5"), Learned("10.60.0.0/16", "172.20.1.4"), Learned("10.70.0.0/16", "10.0.0.68")];

        var result = await VerifyAsync();

        var entry = Assert.Single(result.Unverified);
        Assert.Equal(("10.60.0.0/16", "172.20.1.4"), (entry.AddressPrefix, entry.NextHopIpAddress));
        Assert.StartsWith("a route learned over BGP", entry.Reason, StringComparison.Ordinal);
        Assert.Single(_world.Azure.Calls, c => c == "POST effectiveRouteTable app-1-nic");
    }

    [Fact]
    public async Task ALearnedRouteWinningAManagedPrefix_Unverified()
    {
        // A learned route of the same prefix never beats a user route in Azure; one reported Active means the table's
        // route is not there (someone removed it), and traffic follows BGP to the old NVA.
        _world.Azure.EffectiveRoutes[AppNic] = [Learned("0.0.0.0/0", "172.20.1.4")];

        var result = await VerifyAsync();

        Assert.Contains(result.Unverified, u => u.AddressPrefix == "0.0.0.0/0" && u.Reason.StartsWith("a route learned over BGP", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NoNicOfARunningVm_TheSubnetIsUnverified_SayingWhy()
    {
        // The fake answers null for a NIC it has no routes for: not attached to a running VM.
        var result = await VerifyAsync();

        var entry = Assert.Single(result.Unverified);
        Assert.Equal(Apps, entry.SubnetId);
        Assert.Null(entry.AddressPrefix);
        Assert.Contains("belongs to a running VM", entry.Reason, StringComparison.Ordinal);
        Assert.Equal(0, result.SubnetsChecked);
    }

    [Fact]
    public async Task AnUntaggedTableOfASubnet_ToTheOldNva_Unverified_ButNotOneToTheNewNvaOrAProbesRoute()
    {
        _world.Azure.EffectiveRoutes[AppNic] = [User("0.0.0.0/0", "172.20.1.5")];
        _world.Azure.UntaggedTables[World.Rt("rt-legacy")] = new RouteTableSnapshot(World.Rt("rt-legacy"), "eastus2", "e", new Dictionary<string, string>(),
            [World.Va("partners", "172.30.0.0/16", "172.20.1.4"), World.Va("fine", "172.31.0.0/16", "172.20.1.5")]) { SubnetIds = [Legacy] };
        _world.Azure.UntaggedTables[World.Rt("rt-unused")] = new RouteTableSnapshot(World.Rt("rt-unused"), "eastus2", "e", new Dictionary<string, string>(),
            [World.Va("nobody", "172.32.0.0/16", "172.20.1.4")]);

        var result = await VerifyAsync();

        var entry = Assert.Single(result.Unverified);
        Assert.Equal((Legacy, "172.30.0.0/16", "172.20.1.4"), (entry.SubnetId, entry.AddressPrefix, entry.NextHopIpAddress));
        Assert.Contains("route table rt-legacy sends it to NVA edge-a, and it does not carry the tag nva_ha_udr=edge", entry.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_BeforeAnyFailover_WarnsOfUntaggedTablesAndLearnedRoutesToAnyNva()
    {
        _world.Azure.EffectiveRoutes[AppNic] = [User("0.0.0.0/0", "172.20.1.4"), Learned("10.60.0.0/16", "172.20.1.5")];
        _world.Azure.UntaggedTables[World.Rt("rt-legacy")] = new RouteTableSnapshot(World.Rt("rt-legacy"), "eastus2", "e", new Dictionary<string, string>(),
            [World.Va("partners", "172.30.0.0/16", "172.20.1.4")]) { SubnetIds = [Legacy] };
        var topology = await _world.TopologyAsync();
        var verifier = new DataPlaneVerifier(_world.Azure, _world.Azure, _world.Azure, _world.Time);

        var findings = await verifier.InspectAsync(topology, CancellationToken.None);

        Assert.Equal(2, findings.Count);
        Assert.All(findings, f => Assert.Equal(FindingSeverity.Warning, f.Severity));
        Assert.Contains(findings, f => f.ResourceId == Legacy && f.Message.StartsWith("172.30.0.0/16 -> 172.20.1.4: route table rt-legacy", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.ResourceId == Apps && f.Message.StartsWith("10.60.0.0/16 -> 172.20.1.5: learned over BGP", StringComparison.Ordinal) && f.Message.Contains("NVA edge-b", StringComparison.Ordinal));
    }
}
