using Microsoft.Extensions.DependencyInjection;
using NvaFailover.Decisions;
using NvaFailover.Monitoring;
using NvaFailover.Ports;
using NvaFailover.Probing;
using NvaFailover.Settings;
using NvaFailover.Topology;
using NvaFailover.Tests.Fakes;
using static NvaFailover.Tests.Fakes.World;

namespace NvaFailover.Tests.Monitoring;

/// <summary>Who writes when watchers share a witness, what the flight record holds, and what a watcher taking over does with it.</summary>
public sealed class WitnessTests
{
    private static (World World, FakeWitness Witness, FailoverMonitor Monitor) Witnessed(Action<World>? arrange = null)
    {
        var world = EdgePair();
        world.Settings["NvaFailover:Witness:ContainerUri"] = "https://nvafo.blob.core.windows.net/witness";
        arrange?.Invoke(world);
        var witness = new FakeWitness();
        var monitor = world.Monitor(s => s.AddSingleton<IWitness>(witness));
        return (world, witness, monitor);
    }

    [Fact]
    public async Task AStandbyWatcher_ProbesAndReports_ButWritesNothing()
    {
        var (world, witness, monitor) = Witnessed();
        witness.Holders["edge"] = "the other watcher";
        world.Azure.SetPower(Vm("edge-a"), PowerState.Stopped);

        var report = await world.RoundAsync(monitor);

        Assert.Equal((RoundAction.None, "edge-a", 0), (report.Action, report.Active, world.Azure.Writes));
        Assert.Equal(HealthState.Down, report.Health.Single(h => h.Nva == "edge-a").State);
        Assert.Contains("standby: another watcher holds this cluster's lease", report.Explanation, StringComparison.Ordinal);
        Assert.Single(world.Logs.Named("WitnessStandby"));
        Assert.Empty(witness.Written);
    }

    [Fact]
    public async Task TheLeader_RecordsTheFailoverBeforeItsFirstWrite_AndClosesItWhenConverged()
    {
        var (world, witness, monitor) = Witnessed();
        bool? recordedBeforeFirstWrite = null;
        world.Azure.BeforeWrite = _ => recordedBeforeFirstWrite ??= witness.Written.Count > 0;
        world.Azure.SetPower(Vm("edge-a"), PowerState.Stopped);

        var report = await world.RoundAsync(monitor);

        Assert.Equal((RoundAction.Failover, "edge-b"), (report.Action, report.Active));
        Assert.True(report.Converged);
        Assert.True(recordedBeforeFirstWrite);
        var opened = witness.Written[0];
        Assert.Equal(("edge-a", "edge-b", true), (opened.From, opened.To, opened.IsOpen));
        Assert.Equal(0, opened.PublicIpSlots[Pip("pip-edge")]);
        Assert.Contains(Rt("rt-apps"), opened.Planned);
        Assert.Contains(Rt("rt-db"), opened.Planned);
        Assert.Contains(Pip("pip-edge"), opened.Planned);
        var closed = witness.Records["edge"];
        Assert.False(closed.IsOpen);
        Assert.Contains(Rt("rt-apps"), closed.Done);
        Assert.Contains(Nic("edge-b-outside"), closed.Done);
        Assert.Single(world.Logs.Named("WitnessLeading"));
    }

    [Fact]
    public async Task AFlightRecordThatCannotBeWritten_WritesNothingToAzure()
    {
        var (world, witness, monitor) = Witnessed();
        await world.RoundAsync(monitor);
        witness.WriteFault = new GatewayException(GatewayFailure.Forbidden, "https://nvafo.blob.core.windows.net/witness/edge.json", "AuthorizationPermissionMismatch", "the witness answered HTTP 403");
        world.Azure.SetPower(Vm("edge-a"), PowerState.Stopped);
        world.Time.Advance(TimeSpan.FromSeconds(5));

        var report = await world.RoundAsync(monitor);

        Assert.Equal(RoundAction.Error, report.Action);
        Assert.Contains("flight record could not be written", report.Explanation, StringComparison.Ordinal);
        Assert.Equal(0, world.Azure.Writes);
        Assert.Single(world.Logs.Named("WitnessUnreachable"));
    }

    [Fact]
    public async Task ALeaderThatCannotRenew_StopsWritingBeforeItsLeaseCouldLapse()
    {
        var (world, witness, monitor) = Witnessed();
        await world.RoundAsync(monitor);
        witness.Fault = new GatewayException(GatewayFailure.Unreachable, "https://nvafo.blob.core.windows.net/witness/edge.json", null, "the witness did not answer");

        // 30 s lease taken at 0 s: renewals fail from 10 s on, writes stop at 25 s (a sixth before it could lapse).
        world.Time.Advance(TimeSpan.FromSeconds(26));
        world.Azure.SetPower(Vm("edge-a"), PowerState.Stopped);
        var report = await world.RoundAsync(monitor);

        Assert.Equal(0, world.Azure.Writes);
        Assert.Contains("standby", report.Explanation, StringComparison.Ordinal);
        var said = Assert.Single(world.Logs.Named("WitnessUnreachable"));
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Error, said.Level);

        // Storage back: it leads again and fails over.
        witness.Fault = null;
        world.Time.Advance(TimeSpan.FromSeconds(5));
        var after = await world.RoundAsync(monitor);
        Assert.Equal((RoundAction.Failover, "edge-b"), (after.Action, after.Active));
    }

    [Fact]
    public async Task AWatcherTakingOver_DecidesOnWhatAzureHoldsNow_NotOnWhatItReadAsAStandby()
    {
        // The standby read the topology while edge-a was active. The leader then failed over to edge-b, closed its flight,
        // and died; its lease lapses. The standby that takes the lease must see the routes on edge-b (one failover for one
        // failure), not decide edge-a -> edge-b again from its cache (fault-suite seeds 426 and 880: two FailoverStarted).
        var (world, witness, monitor) = Witnessed();
        witness.Holders["edge"] = "the other watcher";
        witness.Latency = (world.Time, TimeSpan.FromMilliseconds(100));
        var standby = await world.RoundAsync(monitor);
        Assert.Equal("edge-a", standby.Active);

        world.Azure.SetPower(Vm("edge-a"), PowerState.Stopped);
        world.Azure.EditRoute(Rt("rt-apps"), "default", "172.20.1.5");
        world.Azure.EditRoute(Rt("rt-db"), "default", "172.20.1.5");
        world.Azure.EditRoute(Rt("rt-db"), "onprem", "172.20.0.5");
        world.Azure.MovePublicIp(Pip("pip-edge"), IpConfig("edge-b-outside"));
        witness.Records["edge"] = new FlightRecord("edge", "edge-a", "edge-b", world.Time.GetUtcNow(),
            new Dictionary<string, int> { [Pip("pip-edge")] = 0 }, [Rt("rt-apps"), Rt("rt-db"), Pip("pip-edge")], [Rt("rt-apps"), Rt("rt-db"), Pip("pip-edge")], world.Time.GetUtcNow(), "host-1/4242");
        witness.Holders.Remove("edge");
        world.Time.Advance(TimeSpan.FromSeconds(5));

        var report = await world.RoundAsync(monitor);

        Assert.True((RoundAction.None, "edge-b", 0) == (report.Action, report.Active, world.Azure.Writes), report.Explanation);
        Assert.Empty(world.Logs.Named("FailoverStarted"));
        Assert.Single(world.Logs.Named("WitnessLeading"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AWatcherStartingBesideAnIdleWitness_ReadsTheClusterOnce(bool aFlightClosedLongAgo)
    {
        // No watcher has written since long before this one read the cluster (no record, or one closed an hour ago): what
        // it read at its start is what Azure holds, and a second discovery per cluster would cost a fleet its read budget.
        var (world, witness, monitor) = Witnessed();
        if (aFlightClosedLongAgo)
        {
            var hourAgo = world.Time.GetUtcNow().AddHours(-1);
            witness.Records["edge"] = new FlightRecord("edge", "edge-b", "edge-a", hourAgo, new Dictionary<string, int> { [Pip("pip-edge")] = 0 }, [Rt("rt-apps")], [Rt("rt-apps")], hourAgo.AddSeconds(20), "host-1/4242");
        }

        witness.Latency = (world.Time, TimeSpan.FromMilliseconds(100));

        var report = await world.RoundAsync(monitor);

        Assert.Equal((RoundAction.None, "edge-a"), (report.Action, report.Active));
        Assert.Single(world.Logs.Named("WitnessLeading"));
        Assert.Single(world.Azure.Calls, c => c.StartsWith("LIST ", StringComparison.Ordinal) && c.Contains('=', StringComparison.Ordinal));
    }

    [Fact]
    public async Task AWatcherTakingOverAnOpenFlight_ReadsTheClusterAgain()
    {
        var (world, witness, monitor) = Witnessed();
        witness.Records["edge"] = new FlightRecord("edge", "edge-a", "edge-b", world.Time.GetUtcNow(), new Dictionary<string, int> { [Pip("pip-edge")] = 0 }, [Rt("rt-apps")], [], null, "host-1/4242");
        witness.Latency = (world.Time, TimeSpan.FromMilliseconds(100));

        await world.RoundAsync(monitor);

        Assert.Equal(2, world.Azure.Calls.Count(c => c.StartsWith("LIST ", StringComparison.Ordinal) && c.Contains('=', StringComparison.Ordinal)));
    }

    [Fact]
    public async Task AWatcherTakingOver_PutsADetachedPublicIpOnItsRecordedSlot_NeverAGuess()
    {
        // Issue 19's case 2 with a witness: the watcher that moved pip-edge died after the detach. The record says slot 1.
        var (world, witness, monitor) = Witnessed(w =>
        {
            w.Azure.Nics[Nic("edge-a-outside")] = w.Azure.Nics[Nic("edge-a-outside")] with { IpConfigurations = [new("ipconfig1", "172.20.0.4", null, true)] };
            w.AddPublicIp("pip-edge", "eastus2", null);
        });
        witness.Records["edge"] = new FlightRecord("edge", "edge-a", "edge-b", world.Time.GetUtcNow().AddSeconds(-20),
            new Dictionary<string, int> { [Pip("pip-edge")] = 1 }, [Rt("rt-apps"), Rt("rt-db"), Pip("pip-edge")], [Rt("rt-apps"), Rt("rt-db")], null, "host-1/4242");
        world.Azure.SetPower(Vm("edge-a"), PowerState.Stopped);

        var report = await world.RoundAsync(monitor);

        Assert.Equal("edge-b", report.Active);
        Assert.Equal(IpConfig("edge-b-inside"), world.Azure.PublicIps[Pip("pip-edge")].IpConfigurationId);
        var resumed = Assert.Single(world.Logs.Named("FlightResumed"));
        Assert.Equal("host-1/4242", resumed.Properties["Watcher"]);
        Assert.DoesNotContain(report.Findings, f => f.Severity == FindingSeverity.Error);
    }

    [Fact]
    public async Task WithoutAWitness_TheSameRestart_IsAnErrorFinding_NotAGuess()
    {
        var world = EdgePair();
        world.Azure.Nics[Nic("edge-a-outside")] = world.Azure.Nics[Nic("edge-a-outside")] with { IpConfigurations = [new("ipconfig1", "172.20.0.4", null, true)] };
        world.AddPublicIp("pip-edge", "eastus2", null);
        world.Azure.SetPower(Vm("edge-a"), PowerState.Stopped);

        var report = await world.RoundAsync(world.Monitor());

        Assert.Null(world.Azure.PublicIps[Pip("pip-edge")].IpConfigurationId);
        Assert.Contains(report.Plan!.NotMoved, f => f.ResourceId == Pip("pip-edge") && f.Severity == FindingSeverity.Error);
    }

    [Fact]
    public void WithAWitness_RoundsMustComeOftenEnoughToRenewTheLease()
    {
        var world = EdgePair();
        world.Settings["NvaFailover:Witness:ContainerUri"] = "https://nvafo.blob.core.windows.net/witness";
        world.Settings["NvaFailover:Clusters:0:Probe:Interval"] = "00:00:15";

        var problems = NvaFailoverOptionsValidator.Check(SettingsReader.Read(world.Configuration()));

        var problem = Assert.Single(problems);
        Assert.Equal("NvaFailover:Clusters:0:Probe:Interval", problem.Key);
        Assert.Contains("at most a third of Witness:LeaseDuration", problem.Expected, StringComparison.Ordinal);
    }
}
