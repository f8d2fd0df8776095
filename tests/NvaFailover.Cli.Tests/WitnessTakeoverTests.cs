using NvaFailover.FaultSuite;

namespace NvaFailover.Cli.Tests;

/// <summary>
/// Two <c>nvafo run</c> processes share a witness on Azurite: the leader is killed (SIGKILL) inside the public IP move,
/// and the standby finishes the failover, the public IP in its own slot, within one lease period and a round. It runs
/// alone (its three processes would otherwise load the machine under the rehearsals' scaled clocks).
/// </summary>
[Collection(nameof(WitnessTakeoverTests))]
public sealed class WitnessTakeoverTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task TheLeaderKilledInsideThePublicIpMove_TheStandbyFinishesIt_PublicIpInItsSlot()
    {
        var drill = await WitnessDrill.RunAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "topology.json"), Lease, Interval, Lease + TimeSpan.FromSeconds(45));

        Assert.True(drill.Takeover is not null, $"the standby did not finish: public IP on {drill.PublicIpHolder}, next hop {drill.NextHop}\n{drill.StandbyOutput}");
        Assert.Equal(WitnessDrill.Outcome.ExpectedHolder, drill.PublicIpHolder);
        Assert.Contains("this watcher leads", drill.StandbyOutput, StringComparison.Ordinal);
        Assert.Contains("open failover fw-a -> fw-b", drill.StandbyOutput, StringComparison.Ordinal);

        // One lease period and one round, with room for the standby's writes (a public IP attach) on a loaded machine.
        Assert.True(drill.Takeover < Lease + Interval + TimeSpan.FromSeconds(15), $"took {drill.Takeover?.TotalSeconds:0.0} s\n{drill.StandbyOutput}");
    }
}

/// <summary>Runs the two-process drill after the parallel tests, on its own.</summary>
[CollectionDefinition(nameof(WitnessTakeoverTests), DisableParallelization = true)]
public sealed class WitnessTakeoverRunsAlone;
