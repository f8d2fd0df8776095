using System.Collections.Concurrent;
using NvaFailover.Planning;
using NvaFailover.Ports;
using NvaFailover.Topology;

namespace NvaFailover.Execution;

/// <summary>One execution of a plan: what it works from, its cancellation, and where it records what it did.</summary>
internal sealed class ExecutionRun(ClusterTopology topology, FailoverPlan plan, ExecutionProgress progress, CancellationToken token)
{
    public ClusterTopology Topology { get; } = topology;
    public FailoverPlan Plan { get; } = plan;
    public CancellationToken Token { get; } = token;
    public ConcurrentBag<WriteOutcome> Outcomes => progress.Outcomes;
    public ConcurrentDictionary<string, RouteTableSnapshot> Tables => progress.Tables;
    public ConcurrentDictionary<string, bool> Released => progress.Released;
    public ConcurrentDictionary<string, NetworkInterfaceSnapshot> Nics => progress.Nics;
    public ConcurrentDictionary<string, PublicIpSnapshot> PublicIps => progress.PublicIps;
    public ConcurrentDictionary<string, PublicIpSnapshot> ObservedPublicIps => progress.ObservedPublicIps;

    public void RouteTableWritten(int routes, DateTimeOffset at) => progress.RouteTableWritten(routes, at);

    public void PublicIpsAttached(DateTimeOffset at) => progress.PublicIpsAttached(at);
}
