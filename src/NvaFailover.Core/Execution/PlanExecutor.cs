using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NvaFailover.Planning;
using NvaFailover.Ports;
using NvaFailover.Resources;
using NvaFailover.Settings;
using NvaFailover.Telemetry;
using NvaFailover.Topology;

namespace NvaFailover.Execution;

/// <summary>The outcome of the writes to one resource.</summary>
/// <param name="ResourceId">The resource written.</param>
/// <param name="ResourceType"><c>routeTables</c> or <c>networkInterfaces</c>.</param>
/// <param name="Status">How it ended (<see cref="WriteStatus.Succeeded"/> also when a re-read showed nothing was left to do).</param>
/// <param name="Writes">Writes sent (conflicts included).</param>
/// <param name="ErrorCode">ARM error code on failure.</param>
/// <param name="ErrorMessage">ARM error message on failure.</param>
public sealed record WriteOutcome(string ResourceId, string ResourceType, WriteStatus Status, int Writes, string? ErrorCode = null, string? ErrorMessage = null);

/// <summary>What executing a plan did.</summary>
/// <param name="Topology">The topology with every successfully written snapshot in it.</param>
/// <param name="Outcomes">One per resource.</param>
/// <param name="RoutesChanged">Routes whose next hop was changed.</param>
/// <param name="PublicIpsMoved">Public IPs now on the target.</param>
/// <param name="LastWriteAt">When the last successful write completed.</param>
public sealed record ExecutionResult(ClusterTopology Topology, IReadOnlyList<WriteOutcome> Outcomes, int RoutesChanged, int PublicIpsMoved, DateTimeOffset? LastWriteAt)
{
    /// <summary>Writes sent.</summary>
    public int Writes => Outcomes.Sum(o => o.Writes);

    /// <summary>True when every resource reached its planned state.</summary>
    public bool Complete => Outcomes.All(o => o.Status == WriteStatus.Succeeded);
}

/// <summary>
/// Carries out a plan: one conditional write per route table, tables in parallel up to MaxParallelWrites, and the
/// public IP moves (detach, then attach; one write per NIC) alongside them. A table whose ETag changed is re-read
/// and re-planned, a bounded number of times. A failure is reported per resource; the next cycle repairs it.
/// </summary>
internal sealed class PlanExecutor(
    IRouteTableGateway routeTables,
    INetworkInterfaceGateway networkInterfaces,
    IOptions<NvaFailoverOptions> options,
    TimeProvider timeProvider,
    NvaFailoverMetrics metrics,
    ILogger<PlanExecutor> logger)
{
    private const string RouteTableType = "routeTables";
    private const string NicType = "networkInterfaces";

    public async Task<ExecutionResult> ExecuteAsync(ClusterTopology topology, FailoverPlan plan, CancellationToken cancellationToken)
    {
        var run = new Run(topology, plan, new SemaphoreSlim(options.Value.MaxParallelWrites));
        try
        {
            await Task.WhenAll(
                Task.WhenAll(plan.RouteTables.Select(t => WriteRouteTableAsync(run, t, cancellationToken))),
                MovePublicIpsAsync(run, cancellationToken));
        }
        finally
        {
            run.Gate.Dispose();
        }

        var updated = topology;
        foreach (var table in run.Tables.Values)
        {
            updated = updated.With(table);
        }

        foreach (var nic in run.Nics.Values)
        {
            updated = updated.With(nic);
        }

        foreach (var pip in run.PublicIps.Values)
        {
            updated = updated.With(pip);
        }

        var lastWrite = run.LastWriteTicks == 0 ? (DateTimeOffset?)null : new DateTimeOffset(Interlocked.Read(ref run.LastWriteTicks), TimeSpan.Zero);
        return new ExecutionResult(updated, [.. run.Outcomes.OrderBy(o => o.ResourceId, StringComparer.OrdinalIgnoreCase)], run.RoutesChanged, run.PublicIps.Count, lastWrite);
    }

    private async Task WriteRouteTableAsync(Run run, RouteTablePlan plan, CancellationToken cancellationToken)
    {
        var target = run.Topology.FindNva(run.Plan.Target)!;
        var current = plan;
        var writes = 0;
        for (var attempt = 0; ; attempt++)
        {
            var nextHops = current.Changes.ToDictionary(c => c.RouteName, c => c.ToIp, StringComparer.OrdinalIgnoreCase);
            var result = await WriteAsync(run, () => routeTables.SetNextHopsAsync(current.Table, nextHops, cancellationToken), cancellationToken);
            writes++;
            metrics.Write(RouteTableType, result.Status.ToString());
            if (result.Status == WriteStatus.Succeeded)
            {
                run.Tables[current.Table.Id] = result.Resource ?? current.Table;
                run.Succeeded(current.Changes.Count, timeProvider.GetUtcNow());
                run.Outcomes.Add(new WriteOutcome(current.Table.Id, RouteTableType, WriteStatus.Succeeded, writes));
                return;
            }

            if (result.Status != WriteStatus.Conflict || attempt >= options.Value.ConflictRetries)
            {
                run.Outcomes.Add(new WriteOutcome(current.Table.Id, RouteTableType, result.Status, writes, result.ErrorCode, result.ErrorMessage));
                return;
            }

            metrics.Conflict(RouteTableType);
            Log.WriteConflict(logger, run.Topology.Cluster, current.Table.Id, attempt + 1);
            var fresh = await routeTables.GetAsync(current.Table.Id, cancellationToken);
            if (fresh is null)
            {
                run.Outcomes.Add(new WriteOutcome(current.Table.Id, RouteTableType, WriteStatus.NotFound, writes, "ResourceNotFound", "the route table was deleted while it was being updated"));
                return;
            }

            var replanned = FailoverPlanner.PlanRouteTable(run.Topology, fresh, target, []);
            if (replanned is null)
            {
                // Someone else already put every managed route where it belongs.
                run.Tables[fresh.Id] = fresh;
                run.Outcomes.Add(new WriteOutcome(fresh.Id, RouteTableType, WriteStatus.Succeeded, writes));
                return;
            }

            current = replanned;
        }
    }

    private async Task MovePublicIpsAsync(Run run, CancellationToken cancellationToken)
    {
        if (run.Plan.PublicIpMoves.Count == 0)
        {
            return;
        }

        // Azure refuses to attach a public IP that is still on another ipconfig (PublicIPAddressInUse): detach first.
        var detached = new ConcurrentDictionary<string, bool>(ArmId.Comparer);
        var detaches = run.Plan.PublicIpMoves
            .Where(m => m.FromIpConfigurationId is not null)
            .GroupBy(m => SplitNic(m.FromIpConfigurationId!), ArmId.Comparer);
        await Task.WhenAll(detaches.Select(async group =>
        {
            var wanted = group.ToDictionary(m => IpConfigName(m.FromIpConfigurationId!), m => m.PublicIp.Id, StringComparer.OrdinalIgnoreCase);
            var ok = await WriteNicAsync(run, group.Key, wanted, detach: true, cancellationToken);
            foreach (var move in group)
            {
                detached[move.PublicIp.Id] = ok;
            }
        }));

        var attaches = run.Plan.PublicIpMoves
            .Where(m => m.FromIpConfigurationId is null || detached.GetValueOrDefault(m.PublicIp.Id))
            .GroupBy(m => m.To.NetworkInterfaceId!, ArmId.Comparer);
        await Task.WhenAll(attaches.Select(async group =>
        {
            var wanted = group.ToDictionary(m => m.To.IpConfigurationName!, m => m.PublicIp.Id, StringComparer.OrdinalIgnoreCase);
            if (await WriteNicAsync(run, group.Key, wanted, detach: false, cancellationToken))
            {
                foreach (var move in group)
                {
                    run.PublicIps[move.PublicIp.Id] = move.PublicIp with { IpConfigurationId = move.To.IpConfigurationId };
                }
            }
        }));
    }

    /// <summary>
    /// One write to a NIC for all its ipconfigs: <paramref name="wanted"/> maps ipconfig name to public IP id.
    /// Detaching removes that public IP from the ipconfig; attaching sets it. Re-read and retried on ETag conflict.
    /// </summary>
    private async Task<bool> WriteNicAsync(Run run, string nicId, Dictionary<string, string> wanted, bool detach, CancellationToken cancellationToken)
    {
        var nic = run.Topology.FindNetworkInterface(nicId) ?? await networkInterfaces.GetAsync(nicId, cancellationToken);
        var writes = 0;
        for (var attempt = 0; nic is not null; attempt++)
        {
            var changes = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            foreach (var (ipConfig, pipId) in wanted)
            {
                var current = nic.IpConfigurations.FirstOrDefault(c => c.Name.Equals(ipConfig, StringComparison.OrdinalIgnoreCase))?.PublicIpAddressId;
                if (detach ? ArmId.Comparer.Equals(current, pipId) : !ArmId.Comparer.Equals(current, pipId))
                {
                    changes[ipConfig] = detach ? null : pipId;
                }
            }

            if (changes.Count == 0)
            {
                run.Outcomes.Add(new WriteOutcome(nicId, NicType, WriteStatus.Succeeded, writes));
                return true;
            }

            var snapshot = nic;
            var result = await WriteAsync(run, () => networkInterfaces.SetPublicIpAddressesAsync(snapshot, changes, cancellationToken), cancellationToken);
            writes++;
            metrics.Write(NicType, result.Status.ToString());
            if (result.Status == WriteStatus.Succeeded)
            {
                run.Nics[nicId] = result.Resource ?? nic;
                run.Succeeded(0, timeProvider.GetUtcNow());
                run.Outcomes.Add(new WriteOutcome(nicId, NicType, WriteStatus.Succeeded, writes));
                return true;
            }

            if (result.Status != WriteStatus.Conflict || attempt >= options.Value.ConflictRetries)
            {
                run.Outcomes.Add(new WriteOutcome(nicId, NicType, result.Status, writes, result.ErrorCode, result.ErrorMessage));
                return false;
            }

            metrics.Conflict(NicType);
            Log.WriteConflict(logger, run.Topology.Cluster, nicId, attempt + 1);
            nic = await networkInterfaces.GetAsync(nicId, cancellationToken);
        }

        run.Outcomes.Add(new WriteOutcome(nicId, NicType, WriteStatus.NotFound, writes, "ResourceNotFound", "the NIC was not found"));
        return false;
    }

    private static async Task<WriteResult<T>> WriteAsync<T>(Run run, Func<Task<WriteResult<T>>> write, CancellationToken cancellationToken)
        where T : class
    {
        await run.Gate.WaitAsync(cancellationToken);
        try
        {
            return await write();
        }
        catch (GatewayException ex)
        {
            // An adapter reports write failures as results; a thrown one (a failed re-read, say) is a failure too.
            return new WriteResult<T>(ex.Failure == GatewayFailure.Throttled ? WriteStatus.Throttled : WriteStatus.Failed, null, ex.ErrorCode, ex.Message);
        }
        finally
        {
            run.Gate.Release();
        }
    }

    private static string SplitNic(string ipConfigurationId) => ArmId.TrySplitIpConfigurationId(ipConfigurationId, out var nic, out _) ? nic : ipConfigurationId;

    private static string IpConfigName(string ipConfigurationId) => ArmId.TrySplitIpConfigurationId(ipConfigurationId, out _, out var name) ? name : ipConfigurationId;

    private sealed class Run(ClusterTopology topology, FailoverPlan plan, SemaphoreSlim gate)
    {
        private int _routesChanged;
        public long LastWriteTicks;

        public ClusterTopology Topology { get; } = topology;
        public FailoverPlan Plan { get; } = plan;
        public SemaphoreSlim Gate { get; } = gate;
        public ConcurrentBag<WriteOutcome> Outcomes { get; } = [];
        public ConcurrentDictionary<string, RouteTableSnapshot> Tables { get; } = new(ArmId.Comparer);
        public ConcurrentDictionary<string, NetworkInterfaceSnapshot> Nics { get; } = new(ArmId.Comparer);
        public ConcurrentDictionary<string, PublicIpSnapshot> PublicIps { get; } = new(ArmId.Comparer);
        public int RoutesChanged => _routesChanged;

        public void Succeeded(int routes, DateTimeOffset at)
        {
            Interlocked.Add(ref _routesChanged, routes);
            long seen;
            do
            {
                seen = Interlocked.Read(ref LastWriteTicks);
            }
            while (at.UtcTicks > seen && Interlocked.CompareExchange(ref LastWriteTicks, at.UtcTicks, seen) != seen);
        }
    }
}
