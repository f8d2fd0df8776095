using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using NvaFailover.Execution;
using NvaFailover.Planning;
using NvaFailover.Ports;
using NvaFailover.Telemetry;
using NvaFailover.Tests.Fakes;
using NvaFailover.Topology;
using static NvaFailover.Tests.Fakes.World;

namespace NvaFailover.Tests.Execution;

public sealed class PlanExecutorTests
{
    private static PlanExecutor CreateSut(World world, int? maxParallelWrites = null, int conflictRetries = 3, IRouteTableGateway? routeTables = null) =>
        new(routeTables ?? world.Azure, world.Azure, world.Azure,
            new ExecutionSettings(conflictRetries, maxParallelWrites),
            world.Time,
            new NvaFailoverMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>()),
            NullLogger<PlanExecutor>.Instance);

    private static async Task<(ClusterTopology, FailoverPlan)> PlanToB(World world)
    {
        var topology = await world.TopologyAsync();
        world.Azure.Calls.Clear();
        return (topology, FailoverPlanner.Plan(topology, "edge-b"));
    }

    [Fact]
    public async Task Execute_Failover_OneWritePerTableAndPerNic()
    {
        var world = EdgePair();
        var (topology, plan) = await PlanToB(world);

        var result = await CreateSut(world).ExecuteAsync(topology, plan, CancellationToken.None);

        Assert.True(result.Complete);
        Assert.Equal(["PUT routeTables rt-apps", "PUT routeTables rt-db"], world.Azure.WritesTo("routeTables").Order());
        Assert.Equal(["PUT networkInterfaces edge-a-outside", "PUT networkInterfaces edge-b-outside"], world.Azure.WritesTo("networkInterfaces"));
        Assert.Equal((3, 1, 4), (result.RoutesChanged, result.PublicIpsMoved, result.Writes));
        Assert.Equal("172.20.1.5", world.Azure.NextHop(Rt("rt-apps"), "default"));
        Assert.Equal("172.20.0.5", world.Azure.NextHop(Rt("rt-db"), "onprem"));
        Assert.Equal("10.50.0.4", world.Azure.NextHop(Rt("rt-apps"), "other-appliance"));
        Assert.Equal(IpConfig("edge-b-outside"), world.Azure.PublicIpHolder(Pip("pip-edge")));
    }

    [Fact]
    public async Task Execute_Success_TopologyCarriesTheNewSnapshots()
    {
        var world = EdgePair();
        var (topology, plan) = await PlanToB(world);

        var result = await CreateSut(world).ExecuteAsync(topology, plan, CancellationToken.None);

        Assert.Equal(world.Azure.Tables[Rt("rt-db")].ETag, result.Topology.RouteTables.Single(t => t.Id == Rt("rt-db")).ETag);
        Assert.Equal(IpConfig("edge-b-outside"), result.Topology.PublicIps[0].IpConfigurationId);
        Assert.True(FailoverPlanner.Plan(result.Topology, "edge-b").IsEmpty);
    }

    [Fact]
    public async Task Execute_TableUntaggedBeforeItsWrite_IsNeverWrittenAndLeavesTheCluster()
    {
        var world = EdgePair();
        var (topology, plan) = await PlanToB(world);
        world.Azure.BeforeWrite = id =>
        {
            if (id == Rt("rt-apps") && world.Azure.Tables[id].Tags.Count > 0)
            {
                world.Azure.Tables[id] = world.Azure.Tables[id] with { Tags = new Dictionary<string, string>(), ETag = world.Azure.NewETag() };
            }
        };

        var result = await CreateSut(world).ExecuteAsync(topology, plan, CancellationToken.None);

        Assert.Equal(["PUT routeTables rt-apps"], world.Azure.WritesTo("routeTables").Where(w => w.EndsWith("rt-apps", StringComparison.Ordinal)));
        Assert.Equal("172.20.1.4", world.Azure.NextHop(Rt("rt-apps"), "default"));
        Assert.Equal(WriteStatus.NoLongerManaged, result.Outcomes.Single(o => o.ResourceId == Rt("rt-apps")).Status);
        Assert.True(result.Complete);
        Assert.DoesNotContain(result.Topology.RouteTables, t => t.Id == Rt("rt-apps"));
        Assert.Equal("172.20.1.5", world.Azure.NextHop(Rt("rt-db"), "default"));
    }

    [Fact]
    public async Task Execute_TableDeletedBeforeItsWrite_IsForgottenNotRetried()
    {
        var world = EdgePair();
        var (topology, plan) = await PlanToB(world);
        world.Azure.BeforeWrite = id => world.Azure.Tables.Remove(Rt("rt-apps"));

        var result = await CreateSut(world).ExecuteAsync(topology, plan, CancellationToken.None);

        Assert.Equal(WriteStatus.NoLongerManaged, result.Outcomes.Single(o => o.ResourceId == Rt("rt-apps")).Status);
        Assert.True(result.Complete);
        Assert.DoesNotContain(result.Topology.RouteTables, t => t.Id == Rt("rt-apps"));
        Assert.True(FailoverPlanner.Plan(result.Topology, "edge-b").IsEmpty);
    }

    /// <summary>pip-edge on edge-b in the topology; in Azure, a detach from edge-b is running (its NIC names it no more).</summary>
    private static async Task<(World World, ClusterTopology Topology)> DetachRunningOnEdgeB()
    {
        var world = EdgePair();
        world.Azure.MovePublicIp(Pip("pip-edge"), IpConfig("edge-b-outside"));
        var topology = await world.TopologyAsync();
        world.Azure.Nics[Nic("edge-b-outside")] = world.Azure.Nics[Nic("edge-b-outside")] with
        {
            IpConfigurations = [new("ipconfig1", "172.20.0.5", null, true)],
            ETag = world.Azure.NewETag(),
            Updating = true,
        };
        return (world, topology);
    }

    [Fact]
    public async Task Execute_PublicIpStillBeingDetachedFromTheTarget_WaitsThenAttachesItAndReadsItBack()
    {
        // A superseded failover's detach from edge-b is still running in Azure: the public IP reads as held by edge-b,
        // whose NIC no longer references it, and the topology (read during that detach) says edge-b holds it, so the plan
        // of the failover back to edge-b moves no public IP. 15 s later the detach ends and nothing holds it.
        var (world, topology) = await DetachRunningOnEdgeB();
        world.Time.CreateTimer(_ =>
        {
            world.Azure.PublicIps[Pip("pip-edge")] = world.Azure.PublicIps[Pip("pip-edge")] with { IpConfigurationId = null };
            world.Azure.Nics[Nic("edge-b-outside")] = world.Azure.Nics[Nic("edge-b-outside")] with { Updating = false };
        }, null, TimeSpan.FromSeconds(15), Timeout.InfiniteTimeSpan);
        var plan = FailoverPlanner.Plan(topology, "edge-b");
        Assert.Empty(plan.PublicIpMoves);
        var start = world.Time.GetUtcNow();

        var result = await world.Time.RunAsync(() => CreateSut(world).ExecuteAsync(topology, plan, CancellationToken.None));

        Assert.True(result.Complete, string.Join("; ", result.Outcomes));
        Assert.Equal(IpConfig("edge-b-outside"), world.Azure.PublicIpHolder(Pip("pip-edge")));
        Assert.Equal(1, result.PublicIpsMoved);
        Assert.NotNull(result.PublicIpsConvergedAt);
        Assert.True(result.PublicIpsConvergedAt >= start + TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task Execute_PublicIpStillBeingDetachedFromTheTarget_ItsNicUnreadableAWhile_ReadsAgainThenAttaches_NeverCallsItInPlace()
    {
        // Fault-suite seed 815: as above, but reading edge-b's NIC fails for 10 s (ARM throttling it). The public IP names
        // edge-b until the detach ends, so a failed read must not be taken for "in place".
        var (world, topology) = await DetachRunningOnEdgeB();
        world.Azure.ReadFaults[Nic("edge-b-outside")] = new GatewayException(GatewayFailure.Throttled, Nic("edge-b-outside"), "TooManyRequests", "throttled");
        world.Time.CreateTimer(_ => world.Azure.ReadFaults.Remove(Nic("edge-b-outside")), null, TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan);
        world.Time.CreateTimer(_ =>
        {
            world.Azure.PublicIps[Pip("pip-edge")] = world.Azure.PublicIps[Pip("pip-edge")] with { IpConfigurationId = null };
            world.Azure.Nics[Nic("edge-b-outside")] = world.Azure.Nics[Nic("edge-b-outside")] with { Updating = false };
        }, null, TimeSpan.FromSeconds(15), Timeout.InfiniteTimeSpan);
        var plan = FailoverPlanner.Plan(topology, "edge-b");

        var result = await world.Time.RunAsync(() => CreateSut(world).ExecuteAsync(topology, plan, CancellationToken.None));

        Assert.True(result.Complete, string.Join("; ", result.Outcomes));
        Assert.Equal(IpConfig("edge-b-outside"), world.Azure.PublicIpHolder(Pip("pip-edge")));
        Assert.Equal(1, result.PublicIpsMoved);
    }

    [Fact]
    public async Task Execute_PublicIpOnTheTarget_ItsNicNeverReadable_IsNotConfirmed()
    {
        var world = EdgePair();
        world.Azure.MovePublicIp(Pip("pip-edge"), IpConfig("edge-b-outside"));
        var topology = await world.TopologyAsync();
        world.Azure.ReadFaults[Nic("edge-b-outside")] = new GatewayException(GatewayFailure.Failed, Nic("edge-b-outside"), "InternalServerError", "ARM failed");
        var plan = FailoverPlanner.Plan(topology, "edge-b");

        var result = await world.Time.RunAsync(() => CreateSut(world).ExecuteAsync(topology, plan, CancellationToken.None));

        Assert.False(result.Complete);
        var outcome = Assert.Single(result.Outcomes, o => o.ResourceId == Pip("pip-edge"));
        Assert.Equal(("PublicIpNotConfirmed", WriteStatus.Failed), (outcome.ErrorCode, outcome.Status));
        Assert.Empty(world.Azure.WritesTo("networkInterfaces"));
    }

    [Fact]
    public async Task Execute_PublicIpAlreadyOnTheTarget_NoNicWrite_AndTheResultKnowsIt_SoTheMoveIsNotPlannedAgain()
    {
        // Fault-suite seed 313: a superseded failover's attach landed after all; the plan, made on an older sighting,
        // still moves the public IP. Nothing is written for it, and the result must carry what was read, or every later
        // round plans the same move again (a reconcile of no writes every 5 s, and no rediscovery ever kept).
        var world = EdgePair();
        var (topology, plan) = await PlanToB(world);
        Assert.Single(plan.PublicIpMoves);
        world.Azure.MovePublicIp(Pip("pip-edge"), IpConfig("edge-b-outside"));

        var result = await CreateSut(world).ExecuteAsync(topology, plan, CancellationToken.None);

        Assert.True(result.Complete, string.Join("; ", result.Outcomes));
        Assert.Empty(world.Azure.WritesTo("networkInterfaces"));
        Assert.Equal(IpConfig("edge-b-outside"), result.Topology.PublicIps.Single().IpConfigurationId);
        Assert.True(FailoverPlanner.Plan(result.Topology, "edge-b").IsEmpty);
    }

    [Fact]
    public async Task Execute_NicNamesThePublicIpButThePublicIpIsOnNothing_TheNicIsAppliedAgain()
    {
        // Fault-suite seed 126: Azure's two sides disagree (the NIC names the public IP, the public IP names no ipconfig).
        // A write that sends nothing would leave it stranded and report it again every round; applying the NIC settles it.
        var world = EdgePair();
        var (topology, plan) = await PlanToB(world);
        world.Azure.MovePublicIp(Pip("pip-edge"), IpConfig("edge-b-outside"));
        world.Azure.PublicIps[Pip("pip-edge")] = world.Azure.PublicIps[Pip("pip-edge")] with { IpConfigurationId = null };

        var result = await CreateSut(world).ExecuteAsync(topology, plan, CancellationToken.None);

        // (The plan's NIC snapshot is older than the outside change: one 412, then the NIC applied again.)
        Assert.All(world.Azure.WritesTo("networkInterfaces"), w => Assert.Equal("PUT networkInterfaces edge-b-outside", w));
        Assert.Equal(IpConfig("edge-b-outside"), world.Azure.PublicIpHolder(Pip("pip-edge")));
        Assert.True(result.Complete, string.Join("; ", result.Outcomes));
        Assert.Equal(1, result.PublicIpsMoved);
    }

    [Fact]
    public async Task Execute_AttachAcceptedButReadBackShowsAnotherHolder_IsNotConverged()
    {
        var world = EdgePair();
        var (topology, plan) = await PlanToB(world);
        var reads = 0;
        world.Azure.AfterPublicIpRead = pip => ++reads > 1 && pip.Id == Pip("pip-edge") ? pip with { IpConfigurationId = null } : pip;

        var result = await CreateSut(world).ExecuteAsync(topology, plan, CancellationToken.None);

        Assert.False(result.Complete);
        Assert.Equal(0, result.PublicIpsMoved);
        Assert.Null(result.PublicIpsConvergedAt);
        Assert.Contains(result.Outcomes, o => o.ErrorCode == "PublicIpNotOnTarget" && o.ResourceId == Pip("pip-edge"));
    }

    [Fact]
    public async Task Execute_ETagConflict_RereadsReplansAndKeepsTheOutsideEdit()
    {
        var world = EdgePair();
        var (topology, plan) = await PlanToB(world);
        var raced = false;
        world.Azure.BeforeWrite = id =>
        {
            if (id == Rt("rt-apps") && !raced)
            {
                raced = true;
                world.Azure.EditRoute(Rt("rt-apps"), "other-appliance", "10.50.0.5");
            }
        };

        var result = await CreateSut(world).ExecuteAsync(topology, plan, CancellationToken.None);

        Assert.True(result.Complete);
        Assert.Equal(2, result.Outcomes.Single(o => o.ResourceId == Rt("rt-apps")).Writes);
        Assert.Equal(["GET routeTables rt-apps"], world.Azure.Calls.Where(c => c.StartsWith("GET routeTables", StringComparison.Ordinal)));
        Assert.Equal("172.20.1.5", world.Azure.NextHop(Rt("rt-apps"), "default"));
        Assert.Equal("10.50.0.5", world.Azure.NextHop(Rt("rt-apps"), "other-appliance"));
    }

    [Fact]
    public async Task Execute_ConflictBecauseSomeoneAlreadyFixedIt_NoFurtherWrite()
    {
        var world = EdgePair();
        var (topology, plan) = await PlanToB(world);
        world.Azure.BeforeWrite = id =>
        {
            if (id == Rt("rt-apps") && world.Azure.NextHop(Rt("rt-apps"), "default") != "172.20.1.5")
            {
                world.Azure.EditRoute(Rt("rt-apps"), "default", "172.20.1.5");
            }
        };

        var result = await CreateSut(world).ExecuteAsync(topology, plan, CancellationToken.None);

        var outcome = result.Outcomes.Single(o => o.ResourceId == Rt("rt-apps"));
        Assert.Equal((WriteStatus.Succeeded, 1), (outcome.Status, outcome.Writes));
    }

    [Fact]
    public async Task Execute_ConflictEveryTime_GivesUpAfterConflictRetries()
    {
        var world = EdgePair();
        var (topology, plan) = await PlanToB(world);
        var edits = 0;
        world.Azure.BeforeWrite = id =>
        {
            if (id == Rt("rt-apps"))
            {
                world.Azure.EditRoute(Rt("rt-apps"), "other-appliance", $"10.50.0.{10 + edits++}");
            }
        };

        var result = await CreateSut(world, conflictRetries: 2).ExecuteAsync(topology, plan, CancellationToken.None);

        var outcome = result.Outcomes.Single(o => o.ResourceId == Rt("rt-apps"));
        Assert.Equal((WriteStatus.Conflict, 3), (outcome.Status, outcome.Writes));
        Assert.False(result.Complete);
    }

    [Fact]
    public async Task Execute_OneTableFails_OthersStillWrittenAndFailureReportedPerTable()
    {
        var world = EdgePair();
        var (topology, plan) = await PlanToB(world);
        world.Azure.WriteFault = id => id == Rt("rt-db") ? WriteStatus.Failed : null;

        var result = await CreateSut(world).ExecuteAsync(topology, plan, CancellationToken.None);

        Assert.False(result.Complete);
        Assert.Equal(WriteStatus.Failed, result.Outcomes.Single(o => o.ResourceId == Rt("rt-db")).Status);
        Assert.Equal("172.20.1.5", world.Azure.NextHop(Rt("rt-apps"), "default"));
        Assert.Equal("172.20.1.4", world.Azure.NextHop(Rt("rt-db"), "default"));
        Assert.Equal(IpConfig("edge-b-outside"), world.Azure.PublicIpHolder(Pip("pip-edge")));
    }

    [Fact]
    public async Task Execute_DetachFails_NoAttachIsAttempted()
    {
        var world = EdgePair();
        var (topology, plan) = await PlanToB(world);
        world.Azure.WriteFault = id => id == Nic("edge-a-outside") ? WriteStatus.Throttled : null;

        var result = await CreateSut(world).ExecuteAsync(topology, plan, CancellationToken.None);

        Assert.Equal(WriteStatus.Throttled, result.Outcomes.Single(o => o.ResourceId == Nic("edge-a-outside")).Status);
        Assert.DoesNotContain("PUT networkInterfaces edge-b-outside", world.Azure.Calls);
        Assert.Equal(0, result.PublicIpsMoved);
    }

    [Fact]
    public async Task Execute_TwoPublicIpsOnOneNic_DetachThenAttachWithOneWritePerNic()
    {
        var world = new World();
        foreach (var (name, a, b) in new[] { ("fw-a", "10.0.0.4", "10.0.0.14"), ("fw-b", "10.0.0.5", "10.0.0.15") })
        {
            world.AddNva(name, "westeurope", [($"{name}-nic", a)]);
            var nic = world.Azure.Nics[Nic($"{name}-nic")];
            world.Azure.Nics[nic.Id] = nic with { IpConfigurations = [.. nic.IpConfigurations, new IpConfigurationInfo("ipconfig2", b, null, false)] };
        }

        world.AddPublicIp("pip-1", "westeurope", IpConfig("fw-a-nic"));
        world.AddPublicIp("pip-2", "westeurope", IpConfig("fw-a-nic", "ipconfig2"));
        world.AddTable("rt", "fw", Va("default", "0.0.0.0/0", "10.0.0.4"));
        world.Cluster(0, "fw", "fw", ["fw-a", "fw-b"]);
        world.Settings["NvaFailover:Clusters:0:PublicIpAddressIds:0"] = Pip("pip-1");
        world.Settings["NvaFailover:Clusters:0:PublicIpAddressIds:1"] = Pip("pip-2");
        var topology = await world.TopologyAsync();
        world.Azure.Calls.Clear();
        var plan = FailoverPlanner.Plan(topology, "fw-b");

        var result = await CreateSut(world).ExecuteAsync(topology, plan, CancellationToken.None);

        Assert.True(result.Complete);
        Assert.Equal(["PUT networkInterfaces fw-a-nic", "PUT networkInterfaces fw-b-nic"], world.Azure.WritesTo("networkInterfaces"));
        Assert.Equal(IpConfig("fw-b-nic"), world.Azure.PublicIpHolder(Pip("pip-1")));
        Assert.Equal(IpConfig("fw-b-nic", "ipconfig2"), world.Azure.PublicIpHolder(Pip("pip-2")));
        Assert.Equal(2, result.PublicIpsMoved);
    }

    [Fact]
    public async Task Execute_MaxParallelWritesOne_NeverTwoWritesAtOnce()
    {
        var world = EdgePair();
        var (topology, plan) = await PlanToB(world);
        var gate = new CountingRouteTables(world.Azure);

        var result = await world.Time.RunAsync(() => CreateSut(world, maxParallelWrites: 1, routeTables: gate).ExecuteAsync(topology, plan, CancellationToken.None));

        Assert.True(result.Complete);
        Assert.Equal(1, gate.MaxInFlight);
    }

    [Fact]
    public async Task Execute_PublicIpMoves_RunAlongsideRouteWritesNotAfterThem()
    {
        var world = EdgePair();
        var (topology, plan) = await PlanToB(world);
        var nicWriteStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        world.Azure.BeforeWrite = id =>
        {
            if (id == Nic("edge-a-outside"))
            {
                nicWriteStarted.TrySetResult();
            }
        };
        var routeTables = new CountingRouteTables(world.Azure, waitBeforeWrite: nicWriteStarted.Task);

        var execution = CreateSut(world, routeTables: routeTables).ExecuteAsync(topology, plan, CancellationToken.None);
        var finished = await Task.WhenAny(execution, Task.Delay(TimeSpan.FromSeconds(30)));

        Assert.Same(execution, finished);
        Assert.True((await execution).Complete);
    }

    [Fact]
    public async Task Execute_PublicIpLandedOnAnotherNvaBehindOurBack_ReadsTheHolderAfreshDetachesAndAttaches()
    {
        // A superseded failover's attach to edge-c landed after all: Azure has the public IP there, our topology does not.
        var world = EdgePair();
        world.AddNva("edge-c", "eastus2", [("edge-c-outside", "172.20.0.6"), ("edge-c-inside", "172.20.1.6")]);
        world.Settings["NvaFailover:Clusters:0:Nvas:2:VirtualMachineId"] = Vm("edge-c");
        var (topology, plan) = await PlanToB(world);
        world.Azure.MovePublicIp(Pip("pip-edge"), IpConfig("edge-c-outside"));

        var result = await CreateSut(world).ExecuteAsync(topology, plan, CancellationToken.None);

        Assert.True(result.Complete, string.Join("; ", result.Outcomes.Select(o => $"{o.ResourceId} {o.Status} {o.ErrorCode}")));
        Assert.Equal(IpConfig("edge-b-outside"), world.Azure.PublicIpHolder(Pip("pip-edge")));
        Assert.Contains("PUT networkInterfaces edge-c-outside", world.Azure.WritesTo("networkInterfaces"));
    }

    /// <summary>Counts route table writes in flight; optionally holds each until a signal.</summary>
    private sealed class CountingRouteTables(IRouteTableGateway inner, Task? waitBeforeWrite = null) : IRouteTableGateway
    {
        private int _inFlight;
        private int _max;

        public int MaxInFlight => _max;

        public Task<IReadOnlyList<string>> FindTaggedAsync(IReadOnlyCollection<string> subscriptionIds, string tagName, string tagValue, CancellationToken cancellationToken = default) =>
            inner.FindTaggedAsync(subscriptionIds, tagName, tagValue, cancellationToken);

        public Task<RouteTableSnapshot?> GetAsync(string routeTableId, CancellationToken cancellationToken = default) => inner.GetAsync(routeTableId, cancellationToken);

        public Task<IReadOnlyList<RouteTableSnapshot>> ListAsync(string subscriptionId, CancellationToken cancellationToken = default) => inner.ListAsync(subscriptionId, cancellationToken);

        public async Task<WriteResult<RouteTableSnapshot>> SetNextHopsAsync(RouteTableSnapshot table, IReadOnlyDictionary<string, string> nextHopIpByRouteName, CancellationToken cancellationToken = default)
        {
            var now = Interlocked.Increment(ref _inFlight);
            InterlockedMax(ref _max, now);
            try
            {
                await (waitBeforeWrite ?? Task.Yield().AsTask());
                return await inner.SetNextHopsAsync(table, nextHopIpByRouteName, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }

        private static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
            {
            }
        }
    }
}

internal static class YieldExtensions
{
    public static async Task AsTask(this System.Runtime.CompilerServices.YieldAwaitable yieldAwaitable) => await yieldAwaitable;
}
