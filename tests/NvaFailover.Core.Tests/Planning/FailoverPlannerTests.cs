using NvaFailover.Planning;
using NvaFailover.Ports;
using NvaFailover.Tests.Fakes;
using NvaFailover.Topology;
using static NvaFailover.Tests.Fakes.World;

namespace NvaFailover.Tests.Planning;

public sealed class FailoverPlannerTests
{
    /// <summary>Meraki's two-region design: one vMX per region, each in its own VNet, a public IP per region.</summary>
    private static World CrossRegion()
    {
        var world = new World();
        world.AddNva("vmx-weu", "westeurope", [("vmx-weu-nic", "10.1.0.4")]);
        world.AddNva("vmx-neu", "northeurope", [("vmx-neu-nic", "10.2.0.4")]);
        world.AddPublicIp("pip-weu", "westeurope", IpConfig("vmx-weu-nic"));
        world.AddTable("rt-spoke-weu", "vmx", Va("branches", "192.168.0.0/16", "10.1.0.4"));
        world.AddTable("rt-spoke-neu", "vmx", Va("branches", "192.168.0.0/16", "10.1.0.4"), Va("dc", "10.200.0.0/16", "10.1.0.4"));
        world.Cluster(0, "vmx", "vmx", ["vmx-weu", "vmx-neu"]);
        world.Settings["NvaFailover:Clusters:0:PublicIpAddressIds:0"] = Pip("pip-weu");
        return world;
    }

    [Fact]
    public async Task Plan_ToStandby_MovesOnlyManagedRoutesSlotForSlot()
    {
        var topology = await EdgePair().TopologyAsync();

        var plan = FailoverPlanner.Plan(topology, "edge-b");

        Assert.Equal([Rt("rt-apps"), Rt("rt-db")], plan.RouteTables.Select(t => t.Table.Id));
        Assert.Equal([new RouteChange("default", "0.0.0.0/0", "172.20.1.4", "172.20.1.5")], plan.RouteTables[0].Changes);
        Assert.Equal(
            [new RouteChange("default", "0.0.0.0/0", "172.20.1.4", "172.20.1.5"), new RouteChange("onprem", "192.168.0.0/16", "172.20.0.4", "172.20.0.5")],
            plan.RouteTables[1].Changes);
        var move = Assert.Single(plan.PublicIpMoves);
        Assert.Equal((IpConfig("edge-a-outside"), IpConfig("edge-b-outside")), (move.FromIpConfigurationId, move.To.IpConfigurationId));
        Assert.Empty(plan.NotMoved);
    }

    [Fact]
    public async Task Plan_ToCurrentActive_IsEmpty()
    {
        var topology = await EdgePair().TopologyAsync();

        Assert.True(FailoverPlanner.Plan(topology, "edge-a").IsEmpty);
    }

    [Fact]
    public async Task Plan_OtherAppliancesAndNextHopTypes_NeverTouched()
    {
        var world = EdgePair();
        world.AddTable("rt-mixed", "edge",
            Va("to-firewall", "10.0.0.0/8", "10.60.0.4"),
            new RouteInfo("internet", "0.0.0.0/0", "Internet", null),
            new RouteInfo("gateway", "172.16.0.0/12", "VirtualNetworkGateway", null),
            new RouteInfo("blackhole", "10.66.0.0/16", "None", null));
        var topology = await world.TopologyAsync();

        var plan = FailoverPlanner.Plan(topology, "edge-b");

        Assert.DoesNotContain(plan.RouteTables, t => t.Table.Id == Rt("rt-mixed"));
        Assert.DoesNotContain(plan.RouteTables.SelectMany(t => t.Changes), c => c.RouteName == "other-appliance");
    }

    [Fact]
    public async Task Plan_CrossRegionPair_MovesRoutesButNotThePublicIpAcrossRegions()
    {
        var topology = await CrossRegion().TopologyAsync();

        var plan = FailoverPlanner.Plan(topology, "vmx-neu");

        Assert.Equal(3, plan.RouteChangeCount);
        Assert.All(plan.RouteTables.SelectMany(t => t.Changes), c => Assert.Equal(("10.1.0.4", "10.2.0.4"), (c.FromIp, c.ToIp)));
        Assert.Empty(plan.PublicIpMoves);
        var finding = Assert.Single(plan.NotMoved);
        Assert.Equal(Pip("pip-weu"), finding.ResourceId);
        Assert.Contains("across regions", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_RouteToSlotTheTargetLacks_FindingAndRouteLeftAlone()
    {
        var world = EdgePair();
        world.Azure.Vms[Vm("edge-b")] = new FakeVm("eastus2", [Nic("edge-b-outside")]);
        var topology = await world.TopologyAsync();

        var plan = FailoverPlanner.Plan(topology, "edge-b");

        Assert.DoesNotContain(plan.RouteTables.SelectMany(t => t.Changes), c => c.FromIp == "172.20.1.4");
        Assert.Contains(plan.RouteTables.SelectMany(t => t.Changes), c => c.FromIp == "172.20.0.4");
        Assert.Contains(plan.NotMoved, f => f.Severity == FindingSeverity.Error && f.Message.Contains("has only 1 slots", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Plan_UnattachedPublicIpOfUnknownSlot_IsNeverAttachedToAGuessedInterface()
    {
        // A watcher restarted in the middle of a move: the public IP is detached and nothing says which slot it was on.
        var world = EdgePair();
        world.Azure.Nics[Nic("edge-a-outside")] = world.Azure.Nics[Nic("edge-a-outside")] with { IpConfigurations = [new("ipconfig1", "172.20.0.4", null, true)] };
        world.AddPublicIp("pip-edge", "eastus2", null);
        var topology = await world.TopologyAsync();

        var plan = FailoverPlanner.Plan(topology, "edge-b");

        Assert.Empty(plan.PublicIpMoves);
        var finding = Assert.Single(plan.NotMoved, f => f.ResourceId == Pip("pip-edge"));
        Assert.Equal(FindingSeverity.Error, finding.Severity);
        Assert.Contains("not attached to a guessed one", finding.Message, StringComparison.Ordinal);
        Assert.Contains("az network nic ip-config update", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_UnattachedPublicIpOfOneArmedNvas_GoesToTheOnlySlotThereIs()
    {
        // A one-armed pair (a Meraki vMX has one NIC): restarted in the middle of a move, slot 0 is no guess.
        var world = new World();
        world.AddNva("vmx-a", "eastus2", [("vmx-a-nic", "10.1.0.4")]);
        world.AddNva("vmx-b", "eastus2", [("vmx-b-nic", "10.1.0.5")]);
        world.AddPublicIp("pip-vmx", "eastus2", null);
        world.AddTable("rt-spoke", "vmx", Va("branches", "192.168.0.0/16", "10.1.0.4"));
        world.Cluster(0, "vmx", "vmx", ["vmx-a", "vmx-b"]);
        world.Settings["NvaFailover:Clusters:0:PublicIpAddressIds:0"] = Pip("pip-vmx");
        var topology = await world.TopologyAsync();

        var plan = FailoverPlanner.Plan(topology, "vmx-b");

        var move = Assert.Single(plan.PublicIpMoves);
        Assert.Equal((null, IpConfig("vmx-b-nic")), (move.FromIpConfigurationId, move.To.IpConfigurationId));
        Assert.Empty(plan.NotMoved);
    }

    [Fact]
    public async Task Plan_UnattachedPublicIpLastSeenOnSlot1_GoesToSlot1OfTarget()
    {
        // A Palo Alto style pair: the public IP lives on slot 1 (untrust), never on slot 0 (management).
        var world = EdgePair();
        world.Azure.Nics[Nic("edge-a-outside")] = world.Azure.Nics[Nic("edge-a-outside")] with { IpConfigurations = [new("ipconfig1", "172.20.0.4", null, true)] };
        world.AddPublicIp("pip-edge", "eastus2", IpConfig("edge-a-inside"));
        var seen = await world.TopologyAsync();
        world.Azure.Nics[Nic("edge-a-inside")] = world.Azure.Nics[Nic("edge-a-inside")] with { IpConfigurations = [new("ipconfig1", "172.20.1.4", null, true)] };
        world.AddPublicIp("pip-edge", "eastus2", null);
        var topology = (await world.TopologyAsync()).Remembering(seen);

        var move = Assert.Single(FailoverPlanner.Plan(topology, "edge-b").PublicIpMoves);

        Assert.Null(move.FromIpConfigurationId);
        Assert.Equal(IpConfig("edge-b-inside"), move.To.IpConfigurationId);
    }

    [Fact]
    public async Task Plan_PublicIpOnInsideSlot_FollowsToSameSlot()
    {
        var world = EdgePair();
        world.Azure.Nics[Nic("edge-a-outside")] = world.Azure.Nics[Nic("edge-a-outside")] with { IpConfigurations = [new("ipconfig1", "172.20.0.4", null, true)] };
        world.AddPublicIp("pip-edge", "eastus2", IpConfig("edge-a-inside"));
        var topology = await world.TopologyAsync();

        var move = Assert.Single(FailoverPlanner.Plan(topology, "edge-b").PublicIpMoves);

        Assert.Equal(IpConfig("edge-b-inside"), move.To.IpConfigurationId);
    }

    [Fact]
    public async Task Plan_PublicIpHeldOutsideTheCluster_LeftThereWithFinding()
    {
        var world = EdgePair();
        world.AddNva("jumpbox", "eastus2", [("jumpbox-nic", "172.20.5.4")]);
        world.AddPublicIp("pip-edge", "eastus2", IpConfig("jumpbox-nic"));
        var topology = await world.TopologyAsync();

        var plan = FailoverPlanner.Plan(topology, "edge-b");

        Assert.Empty(plan.PublicIpMoves);
        Assert.Contains(plan.NotMoved, f => f.ResourceId == Pip("pip-edge") && f.Message.Contains("not an interface slot", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Plan_TargetIpconfigHoldsAnotherPublicIp_RefusesToDisplaceIt()
    {
        var world = EdgePair();
        world.AddPublicIp("pip-other", "eastus2", IpConfig("edge-b-outside"));
        var topology = await world.TopologyAsync();

        var plan = FailoverPlanner.Plan(topology, "edge-b");

        Assert.Empty(plan.PublicIpMoves);
        Assert.Contains(plan.NotMoved, f => f.Message.Contains(Pip("pip-other"), StringComparison.Ordinal));
    }

    [Fact]
    public async Task PlanRouteTable_TableAlreadyRight_Null()
    {
        var world = EdgePair();
        world.Azure.EditRoute(Rt("rt-apps"), "default", "172.20.1.5");
        var topology = await world.TopologyAsync();

        Assert.Null(FailoverPlanner.PlanRouteTable(topology, topology.RouteTables[0], topology.Nvas[1], []));
    }
}
