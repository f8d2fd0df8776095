using NvaFailover.Decisions;
using NvaFailover.Probing;
using NvaFailover.Settings;
using NvaFailover.Tests.Fakes;
using NvaFailover.Topology;
using static NvaFailover.Tests.Fakes.World;

namespace NvaFailover.Tests.Decisions;

public sealed class FailoverDeciderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static async Task<(ClusterOptions Cluster, ClusterTopology Topology)> CreateSut(World? world = null, FailbackPolicy failback = FailbackPolicy.OnActiveFailure)
    {
        world ??= EdgePair();
        world.Settings["NvaFailover:Clusters:0:Failback"] = failback.ToString();
        world.Settings["NvaFailover:Clusters:0:PreemptAfter"] = "00:05:00";
        return (world.Options().Clusters[0], await world.TopologyAsync());
    }

    /// <summary>The edge pair after a failover: every managed route on edge-b (the public IP stays where the test puts it).</summary>
    private static World FailedOverToB()
    {
        var world = EdgePair();
        world.Azure.EditRoute(Rt("rt-apps"), "default", "172.20.1.5");
        world.Azure.EditRoute(Rt("rt-db"), "default", "172.20.1.5");
        world.Azure.EditRoute(Rt("rt-db"), "onprem", "172.20.0.5");
        return world;
    }

    private static World ThreeNvas()
    {
        var world = new World();
        world.AddNva("fw-1", "westeurope", [("fw-1-nic", "10.0.0.4")]);
        world.AddNva("fw-2", "westeurope", [("fw-2-nic", "10.0.0.5")]);
        world.AddNva("fw-3", "westeurope", [("fw-3-nic", "10.0.0.6")]);
        world.AddTable("rt", "fw", Va("default", "0.0.0.0/0", "10.0.0.4"));
        world.Cluster(0, "fw", "fw", ["fw-1", "fw-2", "fw-3"]);
        return world;
    }

    [Fact]
    public async Task Decide_ActiveHealthy_KeepsIt()
    {
        var (cluster, topology) = await CreateSut();

        var d = FailoverDecider.Decide(cluster, topology, [Up("edge-a"), Up("edge-b")], new ClusterMemory(), T0);

        Assert.Equal(RoundAction.None, d.Action);
        Assert.Equal("edge-a", d.Active);
        Assert.Equal("edge-a", d.Target);
    }

    [Fact]
    public async Task Decide_ActiveDown_FailsOverToHealthyStandby()
    {
        var (cluster, topology) = await CreateSut();

        var d = FailoverDecider.Decide(cluster, topology, [Down("edge-a"), Up("edge-b")], new ClusterMemory(), T0);

        Assert.Equal(RoundAction.Failover, d.Action);
        Assert.Equal(FailoverReason.ActiveDown, d.Reason);
        Assert.Equal(("edge-a", "edge-b"), (d.Active, d.Target));
    }

    [Fact]
    public async Task Decide_StandbyDown_ChangesNothing()
    {
        var (cluster, topology) = await CreateSut();

        var d = FailoverDecider.Decide(cluster, topology, [Up("edge-a"), Down("edge-b")], new ClusterMemory(), T0);

        Assert.Equal(RoundAction.None, d.Action);
        Assert.Equal("edge-a", d.Target);
    }

    [Fact]
    public async Task Decide_AllDown_HoldsWithoutTarget()
    {
        var (cluster, topology) = await CreateSut();

        var d = FailoverDecider.Decide(cluster, topology, [Down("edge-a"), Down("edge-b")], new ClusterMemory(), T0);

        Assert.Equal(RoundAction.Hold, d.Action);
        Assert.Null(d.Target);
        Assert.Equal("edge-a", d.Active);
    }

    [Fact]
    public async Task Decide_RoutesAlreadyOnStandby_StandbyIsActive()
    {
        var world = FailedOverToB();
        world.AddPublicIp("pip-edge", "eastus2", IpConfig("edge-b-outside"));
        var (cluster, topology) = await CreateSut(world);

        var d = FailoverDecider.Decide(cluster, topology, [Up("edge-a"), Up("edge-b")], new ClusterMemory(), T0);

        Assert.Equal(RoundAction.None, d.Action);
        Assert.Equal("edge-b", d.Target);
    }

    [Fact]
    public async Task Decide_PrimaryBackUnderOnActiveFailure_NeverFlapsBack()
    {
        var world = FailedOverToB();
        var (cluster, topology) = await CreateSut(world);
        var memory = new ClusterMemory();
        memory.Observe([Up("edge-a"), Up("edge-b")], T0);

        var d = FailoverDecider.Decide(cluster, topology, [Up("edge-a"), Up("edge-b")], memory, T0.AddDays(1));

        Assert.Equal(RoundAction.None, d.Action);
        Assert.Equal("edge-b", d.Target);
    }

    [Fact]
    public async Task Decide_Preemptive_ReturnsOnlyAfterContinuousHealthForPreemptAfter()
    {
        var world = FailedOverToB();
        var (cluster, topology) = await CreateSut(world, FailbackPolicy.Preemptive);
        var memory = new ClusterMemory();
        memory.Observe([Up("edge-a"), Up("edge-b")], T0);

        var early = FailoverDecider.Decide(cluster, topology, [Up("edge-a"), Up("edge-b")], memory, T0.AddMinutes(4));
        var due = FailoverDecider.Decide(cluster, topology, [Up("edge-a"), Up("edge-b")], memory, T0.AddMinutes(5));

        Assert.Equal((RoundAction.None, "edge-b"), (early.Action, early.Target));
        Assert.Contains("not yet", early.Explanation, StringComparison.Ordinal);
        Assert.Equal((RoundAction.Failback, "edge-a", FailoverReason.Preempt), (due.Action, due.Target, due.Reason));
    }

    [Fact]
    public async Task Decide_PreemptiveWithFlappingPrimary_WaitsForAnUnbrokenPreemptAfter()
    {
        var world = FailedOverToB();
        var (cluster, topology) = await CreateSut(world, FailbackPolicy.Preemptive);
        var memory = new ClusterMemory();
        var decisions = new List<RoundAction>();

        // edge-a flaps: up 4 minutes, down once, then up for good from minute 5.
        for (var minute = 0; minute <= 11; minute++)
        {
            var aUp = minute != 4;
            var now = T0.AddMinutes(minute);
            NvaHealth[] health = [aUp ? Up("edge-a") : Down("edge-a"), Up("edge-b")];
            memory.Observe(health, now);
            decisions.Add(FailoverDecider.Decide(cluster, topology, health, memory, now).Action);
        }

        Assert.DoesNotContain(RoundAction.Failback, decisions.Take(10));
        Assert.Equal(RoundAction.Failback, decisions[10]);
    }

    [Fact]
    public async Task Decide_OnActiveFailureWithFlappingStandby_StaysPut()
    {
        var (cluster, topology) = await CreateSut();
        var memory = new ClusterMemory();

        for (var i = 0; i < 10; i++)
        {
            NvaHealth[] health = [Up("edge-a"), i % 2 == 0 ? Down("edge-b") : Up("edge-b")];
            memory.Observe(health, T0.AddSeconds(30 * i));
            Assert.Equal(RoundAction.None, FailoverDecider.Decide(cluster, topology, health, memory, T0.AddSeconds(30 * i)).Action);
        }
    }

    [Fact]
    public async Task Decide_ThreeNvas_PicksHighestPriorityHealthy()
    {
        var (cluster, topology) = await CreateSut(ThreeNvas());

        var second = FailoverDecider.Decide(cluster, topology, [Down("fw-1"), Up("fw-2"), Up("fw-3")], new ClusterMemory(), T0);
        var third = FailoverDecider.Decide(cluster, topology, [Down("fw-1"), Down("fw-2"), Up("fw-3")], new ClusterMemory(), T0);

        Assert.Equal("fw-2", second.Target);
        Assert.Equal("fw-3", third.Target);
    }

    [Fact]
    public async Task Decide_ThreeNvasPreemptive_ReturnsToTopOnlyNotToMiddle()
    {
        var world = ThreeNvas();
        world.Azure.EditRoute(Rt("rt"), "default", "10.0.0.6");
        var (cluster, topology) = await CreateSut(world, FailbackPolicy.Preemptive);
        var memory = new ClusterMemory();
        memory.Observe([Down("fw-1"), Up("fw-2"), Up("fw-3")], T0);
        memory.Observe([Up("fw-1"), Up("fw-2"), Up("fw-3")], T0.AddMinutes(10));

        var d = FailoverDecider.Decide(cluster, topology, [Up("fw-1"), Up("fw-2"), Up("fw-3")], memory, T0.AddMinutes(11));

        Assert.Equal((RoundAction.None, "fw-3"), (d.Action, d.Target));
    }

    [Fact]
    public async Task Decide_SplitRoutesAfterPartialFailover_TieGoesToLastTargetThenPriority()
    {
        var world = EdgePair();
        world.Settings.Remove("NvaFailover:Clusters:0:PublicIpAddressIds:0");
        world.Azure.EditRoute(Rt("rt-db"), "default", "172.20.1.5");
        world.Azure.EditRoute(Rt("rt-db"), "onprem", "10.99.0.1");
        var (cluster, topology) = await CreateSut(world);
        var remembered = new ClusterMemory { LastTarget = "edge-b" };

        var fresh = FailoverDecider.Decide(cluster, topology, [Up("edge-a"), Up("edge-b")], new ClusterMemory(), T0);
        var afterFailover = FailoverDecider.Decide(cluster, topology, [Up("edge-a"), Up("edge-b")], remembered, T0);
        var primaryDown = FailoverDecider.Decide(cluster, topology, [Down("edge-a"), Up("edge-b")], new ClusterMemory(), T0);

        Assert.Equal("edge-a", fresh.Target);
        Assert.Equal("edge-b", afterFailover.Target);
        Assert.Equal((RoundAction.Failover, "edge-b"), (primaryDown.Action, primaryDown.Target));
    }

    [Fact]
    public async Task Decide_Switchover_ToHealthyNva()
    {
        var (cluster, topology) = await CreateSut();

        var d = FailoverDecider.Decide(cluster, topology, [Up("edge-a"), Up("edge-b")], new ClusterMemory(), T0, "EDGE-B");

        Assert.Equal((RoundAction.Switchover, "edge-b", FailoverReason.Switchover), (d.Action, d.Target, d.Reason));
        Assert.Null(d.Refusal);
    }

    [Fact]
    public async Task Decide_SwitchoverToDownNva_RefusedWithReason()
    {
        var (cluster, topology) = await CreateSut();

        var d = FailoverDecider.Decide(cluster, topology, [Up("edge-a"), Down("edge-b")], new ClusterMemory(), T0, "edge-b");

        Assert.Null(d.Target);
        Assert.Contains("edge-b is down (VM power state is stopped)", d.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decide_SwitchoverToUnknownNva_RefusedListingTheNvas()
    {
        var (cluster, topology) = await CreateSut();

        var d = FailoverDecider.Decide(cluster, topology, [Up("edge-a"), Up("edge-b")], new ClusterMemory(), T0, "edge-z");

        Assert.Null(d.Target);
        Assert.Contains("edge-a, edge-b", d.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decide_NothingPointsAtAnyNva_TargetsBestHealthyWithoutChangingActive()
    {
        var world = EdgePair();
        world.Azure.Tables.Clear();
        world.AddPublicIp("pip-edge", "eastus2", null);
        world.Azure.Nics[Nic("edge-a-outside")] = world.Azure.Nics[Nic("edge-a-outside")] with
        {
            IpConfigurations = [new("ipconfig1", "172.20.0.4", null, true)],
        };
        var (cluster, topology) = await CreateSut(world);

        var d = FailoverDecider.Decide(cluster, topology, [Down("edge-a"), Up("edge-b")], new ClusterMemory(), T0);

        Assert.Equal((RoundAction.None, null, "edge-b"), (d.Action, d.Active, d.Target));
    }
}
