using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Moq;
using NvaFailover.Decisions;
using NvaFailover.Monitoring;
using NvaFailover.Ports;
using NvaFailover.Tests.Fakes;
using static NvaFailover.Tests.Fakes.World;

namespace NvaFailover.Tests.Monitoring;

public sealed class FailoverMonitorTests
{
    private static void AssertAllOn(World world, string suffix)
    {
        Assert.Equal($"172.20.1.{suffix}", world.Azure.NextHop(Rt("rt-apps"), "default"));
        Assert.Equal($"172.20.1.{suffix}", world.Azure.NextHop(Rt("rt-db"), "default"));
        Assert.Equal($"172.20.0.{suffix}", world.Azure.NextHop(Rt("rt-db"), "onprem"));
        Assert.Equal("10.50.0.4", world.Azure.NextHop(Rt("rt-apps"), "other-appliance"));
    }

    [Fact]
    public async Task Round_AllHealthy_NoWrite()
    {
        var world = EdgePair();

        var report = await world.RoundAsync(world.Monitor());

        Assert.Equal((RoundAction.None, "edge-a", 0), (report.Action, report.Active, report.Writes));
        Assert.Equal(0, world.Azure.Writes);
        Assert.Contains(world.Logs.Named("RoundCompleted"), e => (string?)e.Properties["Action"] == "None");
    }

    [Fact]
    public async Task Round_HealthyWithinDiscoveryRefresh_CostsOnlyTheProbes()
    {
        var world = EdgePair();
        var monitor = world.Monitor();
        await world.RoundAsync(monitor);
        world.Azure.Calls.Clear();

        world.Time.Advance(TimeSpan.FromSeconds(30));
        await world.RoundAsync(monitor);

        Assert.Equal([$"POWERS {World.Sub}"], world.Azure.Calls);
    }

    [Fact]
    public async Task Round_AfterDiscoveryRefresh_ReadsAgain()
    {
        var world = EdgePair();
        var monitor = world.Monitor();
        await world.RoundAsync(monitor);
        world.Azure.Calls.Clear();

        world.Time.Advance(TimeSpan.FromMinutes(5));
        await world.RoundAsync(monitor);

        Assert.Contains("LIST nva_ha_udr=edge", world.Azure.Calls);
        Assert.Contains("GET routeTables rt-apps", world.Azure.Calls);
    }

    [Fact]
    public async Task Round_PrimaryStopped_FailsOverRoutesAndPublicIpThenStaysQuiet()
    {
        var world = EdgePair();
        var monitor = world.Monitor();
        await world.RoundAsync(monitor);
        world.Time.Advance(TimeSpan.FromSeconds(30));
        world.Azure.SetPower(Vm("edge-a"), PowerState.Stopped);

        var failover = await world.RoundAsync(monitor);
        world.Azure.Calls.Clear();
        world.Time.Advance(TimeSpan.FromSeconds(30));
        var after = await world.RoundAsync(monitor);

        Assert.Equal((RoundAction.Failover, FailoverReason.ActiveDown, "edge-a", "edge-b"), (failover.Action, failover.Reason, failover.ActiveBefore, failover.Active));
        Assert.Equal((3, 1, 4), (failover.RoutesChanged, failover.PublicIpsMoved, failover.Writes));
        AssertAllOn(world, "5");
        Assert.Equal(IpConfig("edge-b-outside"), world.Azure.PublicIpHolder(Pip("pip-edge")));
        Assert.Equal(TimeSpan.FromSeconds(34), failover.Detection);
        Assert.Equal((RoundAction.None, "edge-b", 0), (after.Action, after.Active, after.Writes));
        Assert.Equal(0, world.Azure.Writes);
    }

    [Fact]
    public async Task Round_Failover_LogsStartAndCompletionWithDimensions()
    {
        var world = EdgePair();
        world.Azure.SetPower(Vm("edge-a"), PowerState.Deallocated);

        await world.RoundAsync(world.Monitor());

        var started = Assert.Single(world.Logs.Named("FailoverStarted"));
        var completed = Assert.Single(world.Logs.Named("FailoverCompleted"));
        Assert.Equal(LogLevel.Warning, completed.Level);
        Assert.Equal("edge", completed.Properties["Cluster"]);
        Assert.Equal("edge-a", completed.Properties["FromNva"]);
        Assert.Equal("edge-b", completed.Properties["ToNva"]);
        Assert.Equal("ActiveDown", completed.Properties["Reason"]);
        Assert.Equal(3, completed.Properties["RoutesChanged"]);
        Assert.Equal(1, completed.Properties["PublicIpsMoved"]);
        Assert.IsType<double>(completed.Properties["ConvergenceSeconds"]);
        Assert.Equal(3, started.Properties["RouteCount"]);
        Assert.Single(world.Logs.Named("NvaDown"), e => (string?)e.Properties["Nva"] == "edge-a");
    }

    [Theory]
    [InlineData("OnActiveFailure", 1, 0)]
    [InlineData("Preemptive", 1, 1)]
    public async Task Rounds_FlappingPrimary_OneFailoverAndAtMostOneFailbackAfterStableHealth(string policy, int failovers, int failbacks)
    {
        var world = EdgePair();
        world.Settings["NvaFailover:Clusters:0:Failback"] = policy;
        world.Settings["NvaFailover:Clusters:0:PreemptAfter"] = "00:02:00";
        var monitor = world.Monitor();
        var actions = new List<RoundAction>();

        // edge-a flaps every 30 s for 3 minutes, then stays up for 5 minutes.
        for (var i = 0; i < 16; i++)
        {
            world.Azure.SetPower(Vm("edge-a"), i < 6 && i % 2 == 1 ? PowerState.Stopped : PowerState.Running);
            actions.Add((await world.RoundAsync(monitor)).Action);
            world.Time.Advance(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(failovers, actions.Count(a => a == RoundAction.Failover));
        Assert.Equal(failbacks, actions.Count(a => a == RoundAction.Failback));
        Assert.Equal(policy == "Preemptive" ? "edge-a" : "edge-b", world.Reports[^1].Active);
    }

    [Fact]
    public async Task Round_BothDownThenStandbyBack_HoldsThenFailsOverToStandby()
    {
        var world = EdgePair();
        var monitor = world.Monitor();
        world.Azure.SetPower(Vm("edge-a"), PowerState.Stopped);
        world.Azure.SetPower(Vm("edge-b"), PowerState.Stopped);

        var hold = await world.RoundAsync(monitor);
        world.Azure.SetPower(Vm("edge-b"), PowerState.Running);
        var recovered = await world.RoundAsync(monitor);

        Assert.Equal((RoundAction.Hold, "edge-a", 0), (hold.Action, hold.Active, hold.Writes));
        Assert.Equal(LogLevel.Error, Assert.Single(world.Logs.Named("AllNvasDown")).Level);
        Assert.Equal((RoundAction.Failover, "edge-b"), (recovered.Action, recovered.Active));
        AssertAllOn(world, "5");
    }

    [Fact]
    public async Task Round_BothDownThenPrimaryBack_HoldsThenNothingToDo()
    {
        var world = EdgePair();
        var monitor = world.Monitor();
        world.Azure.SetPower(Vm("edge-a"), PowerState.Stopped);
        world.Azure.SetPower(Vm("edge-b"), PowerState.Stopped);

        await world.RoundAsync(monitor);
        world.Azure.SetPower(Vm("edge-a"), PowerState.Running);
        var recovered = await world.RoundAsync(monitor);

        Assert.Equal((RoundAction.None, "edge-a"), (recovered.Action, recovered.Active));
        Assert.Equal(0, world.Azure.Writes);
    }

    [Fact]
    public async Task Round_DryRun_LogsThePlanAndWritesNothing()
    {
        var world = EdgePair();
        world.Settings["NvaFailover:DryRun"] = "true";
        world.Azure.SetPower(Vm("edge-a"), PowerState.Stopped);

        var report = await world.RoundAsync(world.Monitor());

        Assert.Equal((RoundAction.Failover, true, 0), (report.Action, report.DryRun, report.Writes));
        Assert.Equal(3, report.Plan!.RouteChangeCount);
        Assert.Equal(0, world.Azure.Writes);
        Assert.Equal(4, world.Logs.Named("DryRunChange").Count());
        AssertAllOn(world, "4");
    }

    [Fact]
    public async Task Round_ReadOnlyRequest_PlansWithoutWriting()
    {
        var world = EdgePair();
        world.Azure.SetPower(Vm("edge-a"), PowerState.Stopped);

        var report = await world.RoundAsync(world.Monitor(), new RoundRequest(ReadOnly: true));

        Assert.Equal(3, report.Plan!.RouteChangeCount);
        Assert.Equal(0, world.Azure.Writes);
    }

    [Fact]
    public async Task Round_PartialFailure_ReportedThenRepairedNextRound()
    {
        var world = EdgePair();
        var monitor = world.Monitor();
        world.Azure.SetPower(Vm("edge-a"), PowerState.Stopped);
        world.Azure.WriteFault = id => id == Rt("rt-db") ? WriteStatus.Failed : null;

        var partial = await world.RoundAsync(monitor);
        var dbAfterPartial = world.Azure.NextHop(Rt("rt-db"), "default");
        world.Azure.WriteFault = _ => null;
        world.Time.Advance(TimeSpan.FromSeconds(30));
        var repair = await world.RoundAsync(monitor);

        Assert.True(partial.Failed);
        var failure = Assert.Single(world.Logs.Named("PartialFailure"));
        Assert.Equal(Rt("rt-db"), failure.Properties["ResourceId"]);
        Assert.Equal("172.20.1.4", dbAfterPartial);
        Assert.False(repair.Failed);
        Assert.Equal("edge-b", repair.Active);
        AssertAllOn(world, "5");
    }

    [Fact]
    public async Task Round_FailoverThatMovedOnlyAFewThings_IsRepairedTowardItsTargetNotDecidedAgain()
    {
        // Every table write refused (a role missing where the tables live): only the public IP reaches edge-b, so most
        // routes still point at edge-a. The next round finishes the same failover as a repair; it does not decide a
        // second failover from edge-a (one failure, one failover in the events and alerts).
        var world = EdgePair();
        var monitor = world.Monitor();
        world.Azure.SetPower(Vm("edge-a"), PowerState.Stopped);
        world.Azure.WriteFault = id => id.Contains("/routeTables/", StringComparison.OrdinalIgnoreCase) ? WriteStatus.Failed : null;

        var partial = await world.RoundAsync(monitor);
        world.Azure.WriteFault = _ => null;
        world.Time.Advance(TimeSpan.FromSeconds(30));
        var repair = await world.RoundAsync(monitor);

        Assert.Equal((RoundAction.Failover, true, "edge-b"), (partial.Action, partial.Failed, partial.Active));
        Assert.Equal((RoundAction.Reconcile, false, "edge-b"), (repair.Action, repair.Failed, repair.Active));
        Assert.Single(world.Logs.Named("FailoverStarted"));
        AssertAllOn(world, "5");
    }

    [Fact]
    public async Task Round_RouteDriftsToStandby_ReconciledToActive()
    {
        var world = EdgePair();
        var monitor = world.Monitor();
        await world.RoundAsync(monitor);
        world.Azure.EditRoute(Rt("rt-apps"), "default", "172.20.1.5");

        world.Time.Advance(TimeSpan.FromMinutes(5));
        var report = await world.RoundAsync(monitor);

        Assert.Equal((RoundAction.Reconcile, "edge-a", 1), (report.Action, report.Active, report.RoutesChanged));
        AssertAllOn(world, "4");
        Assert.Single(world.Logs.Named("Reconciled"));
    }

    [Fact]
    public async Task Round_RouteEditedToForeignIp_LeftAlone()
    {
        var world = EdgePair();
        world.Azure.EditRoute(Rt("rt-apps"), "default", "10.9.9.9");

        var report = await world.RoundAsync(world.Monitor());

        Assert.Equal(RoundAction.None, report.Action);
        Assert.Equal("10.9.9.9", world.Azure.NextHop(Rt("rt-apps"), "default"));
    }

    [Fact]
    public async Task Round_RestartedHostAfterFailover_ResumesFromTheRoutesWithoutFlappingBack()
    {
        var world = EdgePair();
        world.Azure.SetPower(Vm("edge-a"), PowerState.Stopped);
        await world.RoundAsync(world.Monitor());
        world.Azure.SetPower(Vm("edge-a"), PowerState.Running);
        world.Azure.Calls.Clear();

        var restarted = await world.RoundAsync(world.Monitor());

        Assert.Equal((RoundAction.None, "edge-b"), (restarted.Action, restarted.Active));
        Assert.Equal(0, world.Azure.Writes);
    }

    [Fact]
    public async Task Round_Switchover_MovesToHealthyNamedNva()
    {
        var world = EdgePair();

        var report = await world.RoundAsync(world.Monitor(), new RoundRequest(SwitchoverTo: "edge-b"));

        Assert.Equal((RoundAction.Switchover, FailoverReason.Switchover, "edge-b"), (report.Action, report.Reason, report.Active));
        AssertAllOn(world, "5");
    }

    [Fact]
    public async Task Round_SwitchoverToDownNva_RefusedAndNothingWritten()
    {
        var world = EdgePair();
        world.Azure.SetPower(Vm("edge-b"), PowerState.Stopped);

        var report = await world.RoundAsync(world.Monitor(), new RoundRequest(SwitchoverTo: "edge-b"));

        Assert.True(report.Failed);
        Assert.Contains("edge-b is down", report.Error, StringComparison.Ordinal);
        Assert.Equal(0, world.Azure.Writes);
        Assert.Single(world.Logs.Named("SwitchoverRefused"));
    }

    [Fact]
    public async Task Round_UnexpectedAdapterException_ReportsErrorAndNextRoundStillRuns()
    {
        var world = EdgePair();
        var failing = new Mock<IRouteTableGateway>(MockBehavior.Strict);
        failing.Setup(g => g.FindTaggedAsync(It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new HttpRequestException("connection reset"));
        var monitor = world.Monitor(s => s.AddSingleton(failing.Object));

        var first = await world.RoundAsync(monitor);
        var second = await world.RoundAsync(monitor);

        Assert.Equal((RoundAction.Error, "connection reset"), (first.Action, first.Error));
        Assert.Equal(RoundAction.Error, second.Action);
        Assert.Equal(2, world.Logs.Named("RoundFailed").Count());
    }

    [Fact]
    public async Task Round_MissingStandbyVm_PrimaryStillServesAndFindingLoggedOnce()
    {
        var world = EdgePair();
        world.Azure.Vms.Remove(Vm("edge-b"));
        var monitor = world.Monitor();

        var first = await world.RoundAsync(monitor);
        world.Time.Advance(TimeSpan.FromSeconds(30));
        await world.RoundAsync(monitor);

        Assert.Equal(RoundAction.None, first.Action);
        Assert.Contains(first.Health, h => h.Nva == "edge-b" && !h.IsUp);
        Assert.Single(world.Logs.Named("Finding"), e => (string?)e.Properties["ResourceId"] == Vm("edge-b"));
    }

    [Fact]
    public async Task Invocation_WithProbeInterval_KeepsProbingUntilShortlyBeforeTheNextRun()
    {
        var world = EdgePair();
        world.Settings["NvaFailover:Schedule"] = "0 * * * * *";
        world.Settings["NvaFailover:Clusters:0:Probe:Interval"] = "00:00:05";
        world.Settings["NvaFailover:Clusters:0:Probe:Attempts"] = "1";
        var monitor = world.Monitor();
        var start = world.Time.GetUtcNow();
        using var fault = world.Time.CreateTimer(_ => world.Azure.SetPower(Vm("edge-a"), PowerState.Stopped), null, TimeSpan.FromSeconds(22), Timeout.InfiniteTimeSpan);

        var reports = await world.Time.RunAsync(() => monitor.RunInvocationAsync());

        Assert.Equal(12, reports.Count);
        Assert.Equal(TimeSpan.FromSeconds(55), reports[^1].StartedAt - start);
        Assert.True(world.Time.GetUtcNow() - start < TimeSpan.FromSeconds(60));
        var failover = Assert.Single(reports, r => r.Action == RoundAction.Failover);
        Assert.Equal(TimeSpan.FromSeconds(25), failover.StartedAt - start);
    }

    [Fact]
    public async Task Invocation_RoundEndsPastTheTick_KeepsProbingUntilTheTickAfter()
    {
        // The standby is stopped, so each round takes its two 2-second delays (4 s) and the round that starts at 25 s ends
        // at 29 s, past the tick at 28 s. Returning then would let the host skip to the tick at 60 s with nothing probing.
        var world = EdgePair();
        world.Settings["NvaFailover:Schedule"] = "0,28 * * * * *";
        world.Settings["NvaFailover:Clusters:0:Probe:Interval"] = "00:00:05";
        world.Settings["NvaFailover:Clusters:0:Probe:Attempts"] = "3";
        world.Settings["NvaFailover:Clusters:0:Probe:Delay"] = "00:00:02";
        world.Azure.SetPower(Vm("edge-b"), PowerState.Stopped);
        var monitor = world.Monitor();
        var start = world.Time.GetUtcNow();

        var reports = await world.Time.RunAsync(() => monitor.RunInvocationAsync());

        var rounds = reports.Select(r => (r.StartedAt - start).TotalSeconds).ToList();
        Assert.Equal([0.0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55], rounds);
        var ended = world.Time.GetUtcNow() - start;
        Assert.InRange(ended, TimeSpan.FromSeconds(59), TimeSpan.FromSeconds(59.9));
    }

    [Fact]
    public async Task Invocation_WithoutProbeInterval_OneRoundPerCluster()
    {
        var world = EdgePair();
        world.AddNva("fw-1", "eastus2", [("fw-1-nic", "10.0.0.4")]);
        world.AddNva("fw-2", "eastus2", [("fw-2-nic", "10.0.0.5")]);
        world.Cluster(1, "fw", "fw", ["fw-1", "fw-2"]);
        world.Settings["NvaFailover:Clusters:0:Probe:Interval"] = "00:00:00";
        world.Settings["NvaFailover:Clusters:1:Probe:Interval"] = "00:00:00";

        var reports = await world.Time.RunAsync(() => world.Monitor().RunInvocationAsync());

        Assert.Equal(["edge", "fw"], reports.Select(r => r.Cluster).Order());
        Assert.Equal(2, world.Reports.Count);
    }

    [Fact]
    public async Task Invocation_LegacySettings_WarnOncePerName()
    {
        var world = EdgePair();
        world.Settings["FWMAILTO"] = "noc@contoso.com";
        var monitor = world.Monitor();

        await world.Time.RunAsync(() => monitor.RunInvocationAsync());
        await world.Time.RunAsync(() => monitor.RunInvocationAsync());

        Assert.Single(world.Logs.Named("ConfigWarning"), e => (string?)e.Properties["Setting"] == "FWMAILTO");
    }
}
