using Microsoft.Extensions.DependencyInjection;
using NvaFailover.Decisions;
using NvaFailover.Ports;
using NvaFailover.Probing;
using NvaFailover.Tests.Fakes;
using static NvaFailover.Tests.Fakes.World;

namespace NvaFailover.Tests.Monitoring;

/// <summary>What a cluster's rounds do when health is unknown, while writes run, and when the topology cannot be read.</summary>
public sealed class ClusterRunnerTests
{
    private static GatewayException ArmUnavailable(string id) => new(GatewayFailure.Failed, id, "ServiceUnavailable", "ARM answered HTTP 503");

    /// <summary>The edge pair plus edge-c, third in priority, on an invocation of one minute probing every 5 s.</summary>
    private static World EdgeTriple()
    {
        var world = EdgePair();
        world.AddNva("edge-c", "eastus2", [("edge-c-outside", "172.20.0.6"), ("edge-c-inside", "172.20.1.6")]);
        world.Settings["NvaFailover:Clusters:0:Nvas:2:VirtualMachineId"] = Vm("edge-c");
        world.Settings["NvaFailover:Schedule"] = "0 * * * * *";
        world.Settings["NvaFailover:Clusters:0:Probe:Attempts"] = "1";
        return world;
    }

    private static void At(World world, double seconds, Action action) =>
        world.Time.CreateTimer(_ => action(), null, TimeSpan.FromSeconds(seconds), Timeout.InfiniteTimeSpan);

    [Fact]
    public async Task Round_ActivePowerStateNotReported_UnknownNeverMovesTraffic()
    {
        var world = EdgePair();
        world.Azure.SetPower(Vm("edge-a"), PowerState.Unknown);

        var report = await world.RoundAsync(world.Monitor());

        Assert.Equal((RoundAction.None, "edge-a", 0), (report.Action, report.Active, world.Azure.Writes));
        Assert.Equal(HealthState.Unknown, report.Health.Single(h => h.Nva == "edge-a").State);
        Assert.Contains("no power state", report.Health.Single(h => h.Nva == "edge-a").Reason, StringComparison.Ordinal);
        Assert.Single(world.Logs.Named("NvaUnknown"));
        Assert.Empty(world.Logs.Named("NvaDown"));
    }

    [Fact]
    public async Task Rounds_ManagedTableDeletedBeforeAFailover_OneFindingThenNeverWrittenAgain()
    {
        var world = EdgePair();
        var monitor = world.Monitor();
        await world.RoundAsync(monitor);
        world.Azure.Tables.Remove(Rt("rt-apps"));
        world.Azure.SetPower(Vm("edge-a"), PowerState.Stopped);
        world.Time.Advance(TimeSpan.FromSeconds(5));

        var failover = await world.RoundAsync(monitor);
        world.Azure.Calls.Clear();
        var after = new[] { await world.RoundAsync(monitor), await world.RoundAsync(monitor) };

        Assert.Equal((RoundAction.Failover, "edge-b"), (failover.Action, failover.Active));
        Assert.False(failover.Failed);
        Assert.Empty(world.Azure.WritesTo("routeTables"));
        Assert.All(after, r => Assert.Equal(RoundAction.None, r.Action));
        Assert.Single(world.Logs.Named("Finding"), l => l.Message.Contains("rt-apps", StringComparison.Ordinal) && l.Message.Contains("no longer managed", StringComparison.Ordinal));
        Assert.Empty(world.Logs.Named("PartialFailure"));
    }

    [Fact]
    public async Task Rounds_StandbyVmIdWrong_PageAsCannotFailOverEachMinuteThenClear()
    {
        var world = EdgePair();
        world.Settings["NvaFailover:Clusters:0:Nvas:1:VirtualMachineId"] = Vm("edge-b-typo");
        var monitor = world.Monitor();

        var first = await world.RoundAsync(monitor);
        world.Time.Advance(TimeSpan.FromSeconds(30));
        await world.RoundAsync(monitor);
        world.Time.Advance(TimeSpan.FromSeconds(31));
        await world.RoundAsync(monitor);

        var reason = Assert.Single(first.CannotFailOver);
        Assert.Contains("edge-b-typo", reason, StringComparison.Ordinal);
        Assert.Contains("Nvas:1:VirtualMachineId", reason, StringComparison.Ordinal);
        var pages = world.Logs.Named("ClusterCannotFailOver").ToList();
        Assert.Equal(2, pages.Count);
        Assert.All(pages, p => Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Error, p.Level));
        Assert.Contains(world.Logs.Named("Finding"), f => f.Level == Microsoft.Extensions.Logging.LogLevel.Error && f.Message.Contains("edge-b-typo", StringComparison.Ordinal));
        Assert.Empty(world.Logs.Named("ClusterCanFailOver"));
    }

    [Fact]
    public async Task Rounds_CannotFailOverFixed_ClearedOnce()
    {
        var world = EdgePair();
        world.Azure.VmReadFaults[Vm("edge-b")] = new GatewayException(GatewayFailure.Unreachable, Vm("edge-b"), null, "connection refused");
        var monitor = world.Monitor();
        var blocked = await world.RoundAsync(monitor);
        world.Azure.VmReadFaults.Remove(Vm("edge-b"));

        world.Time.Advance(TimeSpan.FromMinutes(5));
        await world.RoundAsync(monitor);
        world.Time.Advance(TimeSpan.FromSeconds(5));
        var clear = await world.RoundAsync(monitor);

        Assert.Contains("could not be reached from this host", Assert.Single(blocked.CannotFailOver), StringComparison.Ordinal);
        Assert.Empty(clear.CannotFailOver);
        Assert.Single(world.Logs.Named("ClusterCanFailOver"));
    }

    [Fact]
    public async Task Round_EveryNvaUnknown_NeverHolds()
    {
        var world = EdgePair();
        world.Azure.PowerListFaults[World.Sub] = ArmUnavailable($"/subscriptions/{World.Sub}");

        var report = await world.RoundAsync(world.Monitor());

        Assert.Equal(RoundAction.None, report.Action);
        Assert.Empty(world.Logs.Named("AllNvasDown"));
        Assert.Equal(0, world.Azure.Writes);
    }

    [Fact]
    public async Task Round_StandbyUnknownActiveDown_WaitsRatherThanMovingToAnNvaNotSeenUp()
    {
        var world = EdgePair();
        world.Azure.SetPower(Vm("edge-a"), PowerState.Stopped);
        world.Azure.SetPower(Vm("edge-b"), PowerState.Unknown);

        var report = await world.RoundAsync(world.Monitor());

        Assert.NotEqual(RoundAction.Failover, report.Action);
        Assert.NotEqual(RoundAction.Hold, report.Action);
        Assert.Equal(0, world.Azure.Writes);
    }

    [Fact]
    public async Task Invocation_WritesInFlight_ProbingKeepsItsCadence()
    {
        var world = EdgeTriple();
        var held = new HeldRouteTables(world.Azure);
        var monitor = world.Monitor(s => s.AddSingleton<IRouteTableGateway>(held));
        var start = world.Time.GetUtcNow();
        At(world, 12, () => world.Azure.SetPower(Vm("edge-a"), PowerState.Stopped));
        At(world, 42, held.Release);

        var reports = await world.Time.RunAsync(() => monitor.RunInvocationAsync());

        var failover = Assert.Single(reports, r => r.Action == RoundAction.Failover);
        Assert.Equal(TimeSpan.FromSeconds(15), failover.DecidedAt - start);
        Assert.True(failover.Converged);
        var whileWriting = reports.Where(r => r.Explanation.Contains("still writing", StringComparison.Ordinal)).Select(r => (r.StartedAt - start).TotalSeconds);
        Assert.Equal([20.0, 25, 30, 35, 40], whileWriting);
        Assert.All(reports, r => Assert.Equal(1, r.Health.Count(h => h.Nva == "edge-a")));
        Assert.Equal("172.20.1.5", world.Azure.NextHop(Rt("rt-apps"), "default"));
    }

    [Fact]
    public async Task Invocation_AnotherClustersWritesRunPastTheTick_EveryClusterKeepsProbing()
    {
        // edge's failover writes run from 15 s to 70 s, past the tick at 60 s, so the invocation lasts until shortly before
        // 120 s; fw, with nothing to do, must not stop probing at 55 s and stay blind until the invocation returns.
        var world = EdgeTriple();
        world.AddNva("fw-1", "eastus2", [("fw-1-nic", "10.0.0.4")]);
        world.AddNva("fw-2", "eastus2", [("fw-2-nic", "10.0.0.5")]);
        world.Cluster(1, "fw", "fw", ["fw-1", "fw-2"]);
        world.Settings["NvaFailover:Clusters:1:Probe:Attempts"] = "1";
        var held = new HeldRouteTables(world.Azure);
        var monitor = world.Monitor(s => s.AddSingleton<IRouteTableGateway>(held));
        var start = world.Time.GetUtcNow();
        At(world, 12, () => world.Azure.SetPower(Vm("edge-a"), PowerState.Stopped));
        At(world, 70, held.Release);

        var reports = await world.Time.RunAsync(() => monitor.RunInvocationAsync());

        var fw = reports.Where(r => r.Cluster == "fw").Select(r => (r.StartedAt - start).TotalSeconds).ToList();
        Assert.Equal(Enumerable.Range(0, 24).Select(k => k * 5.0), fw);
        Assert.InRange(world.Time.GetUtcNow() - start, TimeSpan.FromSeconds(115), TimeSpan.FromSeconds(119.9));
    }

    [Fact]
    public async Task Invocation_TargetDiesWhileWriting_SupersedesAndMovesToTheNextHealthyNva()
    {
        var world = EdgeTriple();
        var held = new HeldRouteTables(world.Azure);
        var monitor = world.Monitor(s => s.AddSingleton<IRouteTableGateway>(held));
        At(world, 12, () => world.Azure.SetPower(Vm("edge-a"), PowerState.Stopped));
        At(world, 17, () => world.Azure.SetPower(Vm("edge-b"), PowerState.Stopped));
        At(world, 22, held.Release);

        var reports = await world.Time.RunAsync(() => monitor.RunInvocationAsync());

        var superseded = Assert.Single(reports, r => r.Execution is { Superseded: true });
        Assert.Equal("edge-b", superseded.Plan!.Target);
        Assert.False(superseded.Failed);
        Assert.Single(world.Logs.Named("FailoverSuperseded"));
        var final = reports.Last(r => r.Action == RoundAction.Failover);
        Assert.Equal(("edge-c", true), (final.Active, final.Converged));
        Assert.Equal("172.20.1.6", world.Azure.NextHop(Rt("rt-apps"), "default"));
        Assert.Equal("172.20.0.6", world.Azure.NextHop(Rt("rt-db"), "onprem"));
        Assert.Equal(IpConfig("edge-c-outside"), world.Azure.PublicIpHolder(Pip("pip-edge")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Invocation_SupersededWritesArmAccepted_TheNextDecisionPlansOnWhatArmWillApply(bool readBackFails)
    {
        // edge-a stops at 12 s: the failover to edge-b has its table writes accepted by ARM (still running) when edge-b
        // stops and edge-a is back (17 s). The cache still says the tables go to edge-a; ARM will put them on edge-b. The
        // decision that supersedes the failover must plan on what ARM will apply (a fault-suite seed found it reported
        // converged with the tables landing on the dead NVA, caught only by verification). When reading the tables back
        // fails too, they are in doubt: written again, their ETags telling what ARM applied.
        var world = EdgeTriple();
        var accepted = new AcceptedRouteTables(world.Azure);
        var monitor = world.Monitor(s => s.AddSingleton<IRouteTableGateway>(accepted));
        At(world, 12, () => world.Azure.SetPower(Vm("edge-a"), PowerState.Stopped));
        At(world, 17, () =>
        {
            world.Azure.SetPower(Vm("edge-b"), PowerState.Stopped);
            world.Azure.SetPower(Vm("edge-a"), PowerState.Running);
            accepted.Pass(failReads: readBackFails ? 2 : 0);
        });

        var reports = await world.Time.RunAsync(() => monitor.RunInvocationAsync());

        Assert.Single(reports, r => r.Execution is { Superseded: true });
        Assert.Equal("172.20.1.4", world.Azure.NextHop(Rt("rt-apps"), "default"));
        Assert.Equal("172.20.0.4", world.Azure.NextHop(Rt("rt-db"), "onprem"));
        Assert.Equal("edge-a", reports[^1].Active);
    }

    [Fact]
    public async Task Round_TargetSeenUpLongBeforeTheDecision_IsProbedAgainBeforeAnyWrite()
    {
        // edge-a is stopped: its three attempts, 10 s apart, take 20 s. edge-b, seen up at once, stops at 8 s. The round
        // must not write toward edge-b on a sighting 20 s old: it looks again, finds it down, and fails over to edge-c
        // (also seen long before, so looked at again too).
        var world = EdgeTriple();
        world.Settings["NvaFailover:Clusters:0:Probe:Attempts"] = "3";
        world.Settings["NvaFailover:Clusters:0:Probe:Delay"] = "00:00:10";
        world.Azure.SetPower(Vm("edge-a"), PowerState.Stopped);
        var monitor = world.Monitor();
        At(world, 8, () => world.Azure.SetPower(Vm("edge-b"), PowerState.Stopped));

        var report = await world.RoundAsync(monitor);

        Assert.Equal((RoundAction.Failover, "edge-c", true), (report.Action, report.Plan!.Target, report.Converged));
        Assert.Equal(["edge-b", "edge-c"], world.Logs.Named("TargetReprobed").Select(l => l.Properties["Nva"]?.ToString()));
        Assert.Equal(HealthState.Down, report.Health.Single(h => h.Nva == "edge-b").State);
        Assert.Equal("172.20.1.6", world.Azure.NextHop(Rt("rt-apps"), "default"));
        Assert.Equal(IpConfig("edge-c-outside"), world.Azure.PublicIpHolder(Pip("pip-edge")));
    }

    [Fact]
    public async Task Round_TargetSeenUpWithinTheProbeCadence_IsNotProbedAgain()
    {
        // A stopped VM fails its three attempts 2 s apart: the standby's sighting is 4 s old, within the 5 s cadence.
        var world = EdgeTriple();
        world.Settings["NvaFailover:Clusters:0:Probe:Attempts"] = "3";
        world.Azure.SetPower(Vm("edge-a"), PowerState.Stopped);

        var report = await world.RoundAsync(world.Monitor());

        Assert.Equal((RoundAction.Failover, "edge-b"), (report.Action, report.Plan!.Target));
        Assert.Empty(world.Logs.Named("TargetReprobed"));
        // One read of the subscription's power states per attempt of the stopped VM (the standby's took the first): none more.
        Assert.Equal(3, world.Azure.Calls.Count(c => c.StartsWith("POWER", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Round_RediscoveryFails_LastGoodTopologyStillFailsOver()
    {
        var world = EdgePair();
        var monitor = world.Monitor();
        await world.RoundAsync(monitor);
        world.Azure.TagQueryFault = ArmUnavailable("tag query");
        world.Azure.ReadFaults[Rt("rt-apps")] = ArmUnavailable(Rt("rt-apps"));
        world.Azure.ReadFaults[Rt("rt-db")] = ArmUnavailable(Rt("rt-db"));

        world.Time.Advance(TimeSpan.FromMinutes(6));
        world.Azure.SetPower(Vm("edge-a"), PowerState.Stopped);
        var report = await world.RoundAsync(monitor);

        Assert.Equal((RoundAction.Failover, "edge-b", true), (report.Action, report.Active, report.Converged));
        Assert.Equal("172.20.1.5", world.Azure.NextHop(Rt("rt-apps"), "default"));
        Assert.Equal("172.20.1.5", world.Azure.NextHop(Rt("rt-db"), "default"));
    }

    [Fact]
    public async Task Round_FirstDiscoveryCannotListTheTables_DecidesNothingRatherThanMovingThePublicIpAlone()
    {
        // A watcher that starts while ARM fails the tag query knows no table: a failover then would move the public IP
        // alone and call itself converged (a fault-suite seed: a watcher taking over during ARM errors). The round fails
        // and says why; once the list can be read, the failover moves everything.
        var world = EdgePair();
        world.Azure.SetPower(Vm("edge-a"), PowerState.Stopped);
        world.Azure.TagQueryFault = ArmUnavailable("tag query");
        var monitor = world.Monitor();

        var blind = await world.RoundAsync(monitor);
        world.Azure.TagQueryFault = null;
        world.Time.Advance(TimeSpan.FromSeconds(5));
        var seeing = await world.RoundAsync(monitor);

        Assert.Equal(RoundAction.Error, blind.Action);
        Assert.Contains("could not be listed and none are known yet", blind.Error, StringComparison.Ordinal);
        Assert.Equal((RoundAction.Failover, "edge-b", true), (seeing.Action, seeing.Active, seeing.Converged));
        Assert.Equal("172.20.1.5", world.Azure.NextHop(Rt("rt-apps"), "default"));
        Assert.Equal("172.20.0.5", world.Azure.NextHop(Rt("rt-db"), "onprem"));
        Assert.Equal(IpConfig("edge-b-outside"), world.Azure.PublicIpHolder(Pip("pip-edge")));
    }

    [Fact]
    public async Task DryRun_AFailoverIsLoggedOnceNotEveryRound()
    {
        var world = EdgePair();
        world.Settings["NvaFailover:DryRun"] = "true";
        var monitor = world.Monitor();
        world.Azure.SetPower(Vm("edge-a"), PowerState.Stopped);

        var first = await world.RoundAsync(monitor);
        world.Time.Advance(TimeSpan.FromSeconds(5));
        var second = await world.RoundAsync(monitor);

        Assert.Equal((RoundAction.Failover, true), (first.Action, first.DryRun));
        Assert.Equal(RoundAction.None, second.Action);
        Assert.Equal(4, world.Logs.Named("DryRunChange").Count());
        Assert.Equal(0, world.Azure.Writes);
    }

    /// <summary>
    /// Route table writes ARM accepts at once (a read shows them) but whose operations run until the failover stops
    /// waiting, as a superseded failover's do; after <see cref="Pass"/>, writes go straight through.
    /// </summary>
    private sealed class AcceptedRouteTables(IRouteTableGateway inner) : IRouteTableGateway
    {
        private volatile bool _pass;
        private int _failReads;

        public void Pass(int failReads = 0) => (_pass, _failReads) = (true, failReads);

        public Task<IReadOnlyList<string>> FindTaggedAsync(IReadOnlyCollection<string> subscriptionIds, string tagName, string tagValue, CancellationToken cancellationToken = default) =>
            inner.FindTaggedAsync(subscriptionIds, tagName, tagValue, cancellationToken);

        public Task<RouteTableSnapshot?> GetAsync(string routeTableId, CancellationToken cancellationToken = default) =>
            Interlocked.Decrement(ref _failReads) >= 0
                ? throw new GatewayException(GatewayFailure.Failed, routeTableId, "InternalServerError", "injected")
                : inner.GetAsync(routeTableId, cancellationToken);

        public Task<IReadOnlyList<RouteTableSnapshot>> ListAsync(string subscriptionId, CancellationToken cancellationToken = default) => inner.ListAsync(subscriptionId, cancellationToken);

        public async Task<WriteResult<RouteTableSnapshot>> SetNextHopsAsync(RouteTableSnapshot table, IReadOnlyDictionary<string, string> nextHopIpByRouteName, CancellationToken cancellationToken = default)
        {
            var result = await inner.SetNextHopsAsync(table, nextHopIpByRouteName, CancellationToken.None);
            if (_pass)
            {
                return result;
            }

            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }

            return WriteResult.Failure<RouteTableSnapshot>(WriteStatus.Canceled, "Canceled", "superseded");
        }
    }

    /// <summary>Route table writes wait until released (or cancelled), as ARM's take seconds each.</summary>
    private sealed class HeldRouteTables(IRouteTableGateway inner) : IRouteTableGateway
    {
        private readonly TaskCompletionSource _released = new(); // continuations inline: the writes finish on the test clock's thread

        public void Release() => _released.TrySetResult();

        public Task<IReadOnlyList<string>> FindTaggedAsync(IReadOnlyCollection<string> subscriptionIds, string tagName, string tagValue, CancellationToken cancellationToken = default) =>
            inner.FindTaggedAsync(subscriptionIds, tagName, tagValue, cancellationToken);

        public Task<RouteTableSnapshot?> GetAsync(string routeTableId, CancellationToken cancellationToken = default) => inner.GetAsync(routeTableId, cancellationToken);

        public Task<IReadOnlyList<RouteTableSnapshot>> ListAsync(string subscriptionId, CancellationToken cancellationToken = default) => inner.ListAsync(subscriptionId, cancellationToken);

        public async Task<WriteResult<RouteTableSnapshot>> SetNextHopsAsync(RouteTableSnapshot table, IReadOnlyDictionary<string, string> nextHopIpByRouteName, CancellationToken cancellationToken = default)
        {
            try
            {
                await _released.Task.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return WriteResult.Failure<RouteTableSnapshot>(WriteStatus.Canceled, "Canceled", "superseded");
            }

            return await inner.SetNextHopsAsync(table, nextHopIpByRouteName, cancellationToken);
        }
    }
}
