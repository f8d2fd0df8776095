using NvaFailover.Ports;
using NvaFailover.Tests.Fakes;
using NvaFailover.Topology;
using static NvaFailover.Tests.Fakes.World;

namespace NvaFailover.Tests.Topology;

public sealed class TopologyDiscoveryTests
{
    [Fact]
    public async Task Discover_EdgePair_SlotsFollowNicThenIpconfigOrder()
    {
        var topology = await EdgePair().TopologyAsync();

        Assert.True(topology.IsComplete);
        Assert.Equal(["172.20.0.4", "172.20.1.4"], topology.Nvas[0].Slots.Select(s => s.IpAddress));
        Assert.Equal(["172.20.0.5", "172.20.1.5"], topology.Nvas[1].Slots.Select(s => s.IpAddress));
        Assert.Equal(IpConfig("edge-b-inside"), topology.Nvas[1].Slots[1].IpConfigurationId);
        Assert.Equal([Rt("rt-apps"), Rt("rt-db")], topology.RouteTables.Select(t => t.Id));
        Assert.Equal(IpConfig("edge-a-outside"), Assert.Single(topology.PublicIps).IpConfigurationId);
        Assert.Empty(topology.Findings);
    }

    [Fact]
    public async Task Discover_SecondaryIpconfigs_PrimaryIpconfigFirst()
    {
        var world = EdgePair();
        world.Azure.Nics[Nic("edge-a-inside")] = world.Azure.Nics[Nic("edge-a-inside")] with
        {
            IpConfigurations = [new("secondary", "172.20.1.14", null, false), new("ipconfig1", "172.20.1.4", null, true)],
        };

        var topology = await world.TopologyAsync();

        Assert.Equal(["172.20.0.4", "172.20.1.4", "172.20.1.14"], topology.Nvas[0].Slots.Select(s => s.IpAddress));
    }

    [Fact]
    public async Task Discover_ExplicitNextHopIps_DefineSlotsAndFindTheirIpconfigs()
    {
        var world = EdgePair();
        world.Settings["NvaFailover:Clusters:0:Nvas:0:NextHopIps:0"] = "172.20.1.4";
        world.Settings["NvaFailover:Clusters:0:Nvas:1:NextHopIps:0"] = "172.20.1.5";

        var topology = await world.TopologyAsync();

        var slot = Assert.Single(topology.Nvas[1].Slots);
        Assert.Equal(("172.20.1.5", IpConfig("edge-b-inside")), (slot.IpAddress, slot.IpConfigurationId));
    }

    [Fact]
    public async Task Discover_ExplicitIpNotOnAnyNic_ErrorButKeepsTheSlot()
    {
        var world = EdgePair();
        world.Settings["NvaFailover:Clusters:0:Nvas:0:NextHopIps:0"] = "172.20.1.4";
        world.Settings["NvaFailover:Clusters:0:Nvas:1:NextHopIps:0"] = "172.20.9.9";

        var topology = await world.TopologyAsync();

        Assert.Equal("172.20.9.9", Assert.Single(topology.Nvas[1].Slots).IpAddress);
        Assert.Contains(topology.Findings, f => f.Severity == FindingSeverity.Error && f.Message.Contains("172.20.9.9", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Discover_MissingVm_ErrorFindingAndNoSlots()
    {
        var world = EdgePair();
        world.Azure.Vms.Remove(Vm("edge-b"));

        var topology = await world.TopologyAsync();

        Assert.Empty(topology.Nvas[1].Slots);
        Assert.Contains(topology.Findings, f => f.Severity == FindingSeverity.Error && f.ResourceId == Vm("edge-b") && f.Message.Contains("Nvas:1:VirtualMachineId", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Discover_MissingNic_ErrorFindingAndSlotCountMismatch()
    {
        var world = EdgePair();
        world.Azure.Nics.Remove(Nic("edge-b-inside"));

        var topology = await world.TopologyAsync();

        Assert.Single(topology.Nvas[1].Slots);
        Assert.Contains(topology.Findings, f => f.ResourceId == Nic("edge-b-inside") && f.Severity == FindingSeverity.Error);
        Assert.Contains(topology.Findings, f => f.Message.Contains("different numbers of interface slots", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Discover_UntaggedAndWrongCaseTables_AreNotManaged()
    {
        var world = EdgePair();
        world.AddTable("rt-untagged", null, Sub, Va("default", "0.0.0.0/0", "172.20.1.4"));
        world.AddTable("rt-wrong-case", "EDGE", Va("default", "0.0.0.0/0", "172.20.1.4"));

        var topology = await world.TopologyAsync();

        Assert.Equal([Rt("rt-apps"), Rt("rt-db")], topology.RouteTables.Select(t => t.Id));
        Assert.Contains(topology.Findings, f => f.ResourceId == Rt("rt-wrong-case") && f.Message.Contains("case-sensitively", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Discover_SubscriptionIds_SearchesEachListedSubscription()
    {
        var world = EdgePair();
        world.AddTable("rt-other-sub", "edge", Sub2, Va("default", "0.0.0.0/0", "172.20.1.4"));
        var all = await world.TopologyAsync();
        world.Settings["NvaFailover:Clusters:0:RouteTables:SubscriptionIds:0"] = Sub;
        var firstOnly = await world.TopologyAsync();

        Assert.Contains(Rt("rt-other-sub", Sub2), all.RouteTables.Select(t => t.Id));
        Assert.DoesNotContain(Rt("rt-other-sub", Sub2), firstOnly.RouteTables.Select(t => t.Id));
    }

    [Fact]
    public async Task Discover_IpForwardingOff_Warns()
    {
        var world = EdgePair();
        world.Azure.Nics[Nic("edge-b-inside")] = world.Azure.Nics[Nic("edge-b-inside")] with { EnableIpForwarding = false };

        var topology = await world.TopologyAsync();

        Assert.Contains(topology.Findings, f => f.ResourceId == Nic("edge-b-inside") && f.Message.Contains("IP forwarding", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Discover_ReadFails_FindingAndIncomplete()
    {
        var world = EdgePair();
        world.Azure.ReadFaults[Rt("rt-db")] = new GatewayException(GatewayFailure.Forbidden, Rt("rt-db"), "AuthorizationFailed", "The client does not have authorization");

        var topology = await world.TopologyAsync();

        Assert.False(topology.IsComplete);
        Assert.Equal([Rt("rt-apps")], topology.RouteTables.Select(t => t.Id));
        Assert.Contains(topology.Findings, f => f.ResourceId == Rt("rt-db") && f.Message.Contains("AuthorizationFailed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Discover_SameIpOnTwoNvas_AmbiguousAndReported()
    {
        var world = new World();
        world.AddNva("vmx-a", "westeurope", [("vmx-a-nic", "10.0.0.4")]);
        world.AddNva("vmx-b", "northeurope", [("vmx-b-nic", "10.0.0.4")]);
        world.AddTable("rt", "vmx", Va("default", "0.0.0.0/0", "10.0.0.4"));
        world.Cluster(0, "vmx", "vmx", ["vmx-a", "vmx-b"]);

        var topology = await world.TopologyAsync();

        Assert.False(topology.TryFindSlotByIp("10.0.0.4", out _, out _));
        Assert.Contains(topology.Findings, f => f.Severity == FindingSeverity.Error && f.Message.Contains("ambiguous", StringComparison.Ordinal));
    }
}
