using NvaFailover.Cli.Simulation;
using NvaFailover.Decisions;
using NvaFailover.Execution;
using NvaFailover.Monitoring;
using NvaFailover.Planning;
using NvaFailover.Ports;
using NvaFailover.Topology;

namespace NvaFailover.Cli.Tests.Simulation;

/// <summary>How a rehearsal's report reads failovers out of rounds: what it calls pending, and when it says a repair confirmed one.</summary>
public sealed class FailoverRecordsTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 4, 0, 0, 0, TimeSpan.Zero);
    private const string Nic = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/nva0-nic0";
    private const string Table = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/routeTables/rt";

    // Seed 743 of the fault suite: a failover whose plan moved no public IP (it was read on the target while a killed
    // watcher's detach still ran) sent the attach from the executor's fresh read, then was superseded; a repair round
    // decided, and an instant later the attach committed and the repair read it in place. The failover converged when
    // the repair saw it, which is after its decision.
    [Fact]
    public void ARepairThatConfirmsAnAttachAnEarlierRoundSent_DatesItByItsEnd_NotByItsDecision()
    {
        var failover = SupersededWhileAttaching();
        var repair = Round(RoundAction.Reconcile, "nva0", decidedAt: 39, completedAt: 41, new ExecutionResult(Topology(), [], 0, 0, null, null));

        var record = Assert.Single(FailoverRecords.Build(Start, [failover, repair], [], []));

        Assert.Equal(FailoverStatus.Converged, record.Status);
        Assert.Equal(TimeSpan.FromSeconds(41), record.PublicIpsConvergedAt);
    }

    [Fact]
    public void AFailoverSupersededWhileWritingANicItsPlanDidNotName_ReportsThatWritePending()
    {
        var failover = SupersededWhileAttaching();

        var record = Assert.Single(FailoverRecords.Build(Start, [failover], [], []));

        Assert.Equal(FailoverStatus.Superseded, record.Status);
        Assert.Contains(record.Pending, p => p.StartsWith("network interface nva0-nic0: a public IP write to it not confirmed", StringComparison.Ordinal));
    }

    // Seed 927: a superseded failover confirmed one table and not another; the same failover, decided again later, found
    // every route in place and wrote none. Its routes converged when that round saw them, not at the first table's write.
    [Fact]
    public void TheSameFailoverDecidedAgain_ThatFindsItsRoutesInPlace_DatesThemByItsEnd_NotByTheSupersededRoundsLastWrite()
    {
        const string other = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/routeTables/rt-2";
        var superseded = Round(RoundAction.Failover, "nva1", decidedAt: 16, completedAt: 26, new ExecutionResult(Topology(), [
            new WriteOutcome(Table, WriteOutcome.RouteTable, WriteStatus.Succeeded, 1),
            new WriteOutcome(other, WriteOutcome.RouteTable, WriteStatus.Canceled, 1, "Superseded"),
        ], 1, 0, Start.AddSeconds(21), null)) with
        {
            Plan = new FailoverPlan("c0", "nva0", [Change(Table), Change(other)], [], []),
        };
        var again = Round(RoundAction.Failover, "nva1", decidedAt: 39, completedAt: 41, new ExecutionResult(Topology(), [], 0, 0, null, null));

        var record = Assert.Single(FailoverRecords.Build(Start, [superseded, again], [], []));

        Assert.Equal(FailoverStatus.Converged, record.Status);
        Assert.Equal(TimeSpan.FromSeconds(41), record.RoutesConvergedAt);
    }

    /// <summary>A failover to nva0 whose table write landed and whose NIC write (an attach its plan did not name) was superseded.</summary>
    private static RoundReport SupersededWhileAttaching() =>
        Round(RoundAction.Failover, "nva1", decidedAt: 16, completedAt: 26, new ExecutionResult(Topology(), [
            new WriteOutcome(Table, WriteOutcome.RouteTable, WriteStatus.Succeeded, 1),
            new WriteOutcome(Nic, WriteOutcome.NetworkInterface, WriteStatus.Canceled, 1, "Superseded"),
        ], 3, 0, Start.AddSeconds(21), null));

    private static RouteTablePlan Change(string table) =>
        new(new RouteTableSnapshot(table, "westeurope", "e1", new Dictionary<string, string>(), []), [new RouteChange("r", "0.0.0.0/0", "10.0.0.5", "10.0.0.4")]);

    private static ClusterTopology Topology() => new("c0", [], [], [], [], Start, IsComplete: true);

    private static RoundReport Round(RoundAction action, string activeBefore, int decidedAt, int completedAt, ExecutionResult execution) =>
        new("c0",
            new RoundTimes(Start.AddSeconds(decidedAt - 1), Start.AddSeconds(decidedAt), Start.AddSeconds(completedAt), null),
            [],
            new RoundDecision(activeBefore, "nva0", action, action == RoundAction.Reconcile ? null : FailoverReason.ActiveDown, ""),
            new FailoverPlan("c0", "nva0", [Change(Table)], [], []),
            execution,
            [],
            DryRun: false,
            Error: null);
}
