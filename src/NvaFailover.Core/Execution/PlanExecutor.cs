using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using NvaFailover.Planning;
using NvaFailover.Ports;
using NvaFailover.Resources;
using NvaFailover.Telemetry;
using NvaFailover.Topology;

namespace NvaFailover.Execution;

/// <summary>What the executor needs of the settings.</summary>
/// <param name="ConflictRetries">Re-reads and re-plans after an ETag conflict, per resource.</param>
/// <param name="MaxParallelWrites">An optional ceiling on route table writes in flight; none by default.</param>
/// <param name="PollInterval">Wait between reads of a public IP whose NIC update is still running (ArmPollInterval).</param>
/// <param name="OperationTimeout">Longest such a NIC update is waited for (ArmOperationTimeout).</param>
internal sealed record ExecutionSettings(int ConflictRetries, int? MaxParallelWrites, TimeSpan PollInterval, TimeSpan OperationTimeout)
{
    public ExecutionSettings(int conflictRetries, int? maxParallelWrites)
        : this(conflictRetries, maxParallelWrites, TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(3))
    {
    }
}

/// <summary>
/// Carries out a plan. The public IP chain (detach, then attach: the longest chain of a failover) starts at once and
/// never waits behind route tables; every route table write starts at once too (one conditional write per table; the
/// adapters pace requests by ARM's budget, not by a fixed cap). A table whose ETag changed is re-read and re-planned, a
/// bounded number of times. A failure is reported per resource; the next round repairs it. Cancelling (a newer decision
/// superseded this one) stops at once: what was not confirmed is reported Canceled, and ETags keep the next plan correct.
/// </summary>
internal sealed class PlanExecutor(
    IRouteTableGateway routeTables,
    INetworkInterfaceGateway networkInterfaces,
    IPublicIpGateway publicIps,
    ExecutionSettings settings,
    TimeProvider timeProvider,
    NvaFailoverMetrics metrics,
    ILogger<PlanExecutor> logger)
{
    private const string RouteTableType = "routeTables";
    private const string NicType = "networkInterfaces";
    private const string PublicIpType = "publicIPAddresses";

    public Task<ExecutionResult> ExecuteAsync(ClusterTopology topology, FailoverPlan plan, CancellationToken cancellationToken) =>
        ExecuteAsync(topology, plan, new ExecutionProgress(), cancellationToken);

    /// <summary>Carries out <paramref name="plan"/>, recording what is done in <paramref name="progress"/> as it goes.</summary>
    public async Task<ExecutionResult> ExecuteAsync(ClusterTopology topology, FailoverPlan plan, ExecutionProgress progress, CancellationToken cancellationToken)
    {
        var run = new Run(topology, plan, progress, cancellationToken);
        using var cap = settings.MaxParallelWrites is { } max ? new SemaphoreSlim(max) : null;
        await Task.WhenAll(
            MovePublicIpsAsync(run),
            Task.WhenAll(plan.RouteTables.Select(t => Capped(cap, () => WriteRouteTableAsync(run, t), run))));
        return progress.SoFar(topology);
    }

    private static async Task Capped(SemaphoreSlim? cap, Func<Task> work, Run run)
    {
        if (cap is null)
        {
            await work();
            return;
        }

        try
        {
            await cap.WaitAsync(run.Token);
        }
        catch (OperationCanceledException)
        {
            await work();
            return;
        }

        try
        {
            await work();
        }
        finally
        {
            cap.Release();
        }
    }

    private async Task WriteRouteTableAsync(Run run, RouteTablePlan plan)
    {
        var target = run.Topology.FindNva(run.Plan.Target)!;
        var current = plan;
        var writes = 0;
        for (var attempt = 0; ; attempt++)
        {
            var nextHops = current.Changes.ToDictionary(c => c.RouteName, c => c.ToIp, StringComparer.OrdinalIgnoreCase);
            var snapshot = current.Table;
            var result = await WriteAsync(run, ct => routeTables.SetNextHopsAsync(snapshot, nextHops, ct));
            writes += Sent(result) ? 1 : 0;
            metrics.Write(RouteTableType, result.Status.ToString());
            if (result.Status == WriteStatus.Succeeded)
            {
                run.Tables[current.Table.Id] = result.Resource ?? current.Table;
                run.RouteTableWritten(current.Changes.Count, timeProvider.GetUtcNow());
                run.Outcomes.Add(new WriteOutcome(current.Table.Id, RouteTableType, WriteStatus.Succeeded, writes));
                return;
            }

            if (result.Status == WriteStatus.NotFound)
            {
                Forget(run, current.Table.Id, writes, "the route table was deleted");
                return;
            }

            if (result.Status != WriteStatus.Conflict || attempt >= settings.ConflictRetries)
            {
                run.Outcomes.Add(new WriteOutcome(current.Table.Id, RouteTableType, result.Status, writes, result.ErrorCode, result.ErrorMessage));
                return;
            }

            metrics.Conflict(RouteTableType);
            Log.WriteConflict(logger, run.Topology.Cluster, current.Table.Id, attempt + 1);
            var fresh = await ReadAsync(run, ct => routeTables.GetAsync(current.Table.Id, ct));
            if (fresh.Failure is { } failure)
            {
                run.Outcomes.Add(failure with { ResourceId = current.Table.Id, ResourceType = RouteTableType, Writes = writes });
                return;
            }

            // A re-plan is for a table the cluster still manages: one deleted or untagged meanwhile is never written.
            if (fresh.Value is null || !run.Topology.Manages(fresh.Value))
            {
                Forget(run, current.Table.Id, writes, fresh.Value is null
                    ? "the route table was deleted"
                    : $"the route table no longer carries the tag {run.Topology.Tag}");
                return;
            }

            var replanned = FailoverPlanner.PlanRouteTable(run.Topology, fresh.Value, target, []);
            if (replanned is null)
            {
                // Someone else already put every managed route where it belongs.
                run.Tables[fresh.Value.Id] = fresh.Value;
                run.Outcomes.Add(new WriteOutcome(fresh.Value.Id, RouteTableType, WriteStatus.Succeeded, writes));
                return;
            }

            current = replanned;
        }
    }

    /// <summary>A table that left the cluster while it was being written: reported once, then no longer part of the topology.</summary>
    private static void Forget(Run run, string tableId, int writes, string why)
    {
        run.Released[tableId] = true;
        run.Outcomes.Add(new WriteOutcome(tableId, RouteTableType, WriteStatus.NoLongerManaged, writes, "NoLongerManaged",
            $"{why}, so it is no longer managed and was not written; it is forgotten until it is tagged again"));
    }

    private async Task MovePublicIpsAsync(Run run)
    {
        if (run.Topology.PublicIps.Count == 0)
        {
            return;
        }

        // What the plan saw may be older than Azure: a superseded failover's NIC update can still be running there, and a
        // restarted watcher may find a public IP detached. Each public IP is read again (once a move of it has settled)
        // and its move planned from that, never from a guess.
        var target = run.Topology.FindNva(run.Plan.Target)!;
        var moves = (await Task.WhenAll(run.Topology.PublicIps.Select(p => FreshMoveAsync(run, p, target)))).OfType<PublicIpMove>().ToList();
        if (moves.Count == 0)
        {
            return;
        }

        // Azure refuses to attach a public IP that is still on another ipconfig (PublicIPAddressInUse): detach first.
        var detached = new ConcurrentDictionary<string, bool>(ArmId.Comparer);
        var detaches = moves
            .Where(m => m.FromIpConfigurationId is not null)
            .GroupBy(m => Split(m.FromIpConfigurationId!).Nic, ArmId.Comparer);
        await Task.WhenAll(detaches.Select(async group =>
        {
            var wanted = group.ToDictionary(m => Split(m.FromIpConfigurationId!).IpConfiguration, m => m.PublicIp.Id, StringComparer.OrdinalIgnoreCase);
            var outcome = await WriteNicAsync(run, group.Key, wanted, detach: true);
            run.Outcomes.Add(outcome);
            foreach (var move in group)
            {
                detached[move.PublicIp.Id] = outcome.Status == WriteStatus.Succeeded;
            }
        }));

        var attaches = moves
            .Where(m => m.FromIpConfigurationId is null || detached.GetValueOrDefault(m.PublicIp.Id))
            .GroupBy(m => m.To.NetworkInterfaceId!, ArmId.Comparer);
        await Task.WhenAll(attaches.Select(async group =>
        {
            var wanted = group.ToDictionary(m => m.To.IpConfigurationName!, m => m.PublicIp.Id, StringComparer.OrdinalIgnoreCase);

            // A public IP read as attached to nothing is attached by a write even when the NIC already names it: Azure's
            // two sides disagree, and only applying the NIC again settles them (no write would leave it stranded).
            var reapply = group.Any(m => m.FromIpConfigurationId is null);
            var outcome = await WriteNicAsync(run, group.Key, wanted, detach: false, reapply: reapply);
            if (outcome is { ErrorCode: "PublicIPAddressInUse" })
            {
                outcome = await RecoverInUseAsync(run, group.Key, group.ToList(), wanted, outcome);
            }

            run.Outcomes.Add(outcome);
            if (outcome.Status == WriteStatus.Succeeded && await ReadBackAsync(run, group))
            {
                run.PublicIpsAttached(timeProvider.GetUtcNow());
            }
        }));
    }

    /// <summary>
    /// The move <paramref name="planned"/> needs, planned from Azure as it is now. A public IP that Azure shows on an
    /// interface whose NIC no longer references it is being detached by an update still running: it is read again until
    /// that update has ended (within the operation timeout). Its slot is the one it was seen on.
    /// </summary>
    private async Task<PublicIpMove?> FreshMoveAsync(Run run, PublicIpSnapshot planned, NvaTopology target)
    {
        var topology = run.Topology;
        var giveUpAt = timeProvider.GetUtcNow() + settings.OperationTimeout;
        while (true)
        {
            var read = await ReadAsync(run, ct => publicIps.GetAsync(planned.Id, ct));
            if (read.Failure is not null)
            {
                // Unreadable now: the plan's own move, which the writes' ETags keep safe.
                return run.Plan.PublicIpMoves.FirstOrDefault(m => ArmId.Comparer.Equals(m.PublicIp.Id, planned.Id));
            }

            if (read.Value is not { } pip)
            {
                return null;
            }

            // What was read is what the topology keeps, moved or not: a plan made on an older sighting is not made again.
            run.ObservedPublicIps[pip.Id] = pip;
            topology = topology.With(pip);
            if (pip.IpConfigurationId is { } holder && topology.TryFindSlotByIpConfiguration(holder, out _, out var slot))
            {
                topology = topology with { PublicIpSlots = new Dictionary<string, int>(topology.PublicIpSlots, ArmId.Comparer) { [pip.Id] = slot.Index } };
                var nic = await ReadAsync(run, ct => networkInterfaces.GetAsync(slot.NetworkInterfaceId!, ct));
                if (nic.Value is { } holderNic)
                {
                    topology = topology.With(holderNic);
                    run.Nics[holderNic.Id] = holderNic;
                    var settled = holderNic.IpConfigurations.Any(c => c.Name.Equals(slot.IpConfigurationName, StringComparison.OrdinalIgnoreCase) && ArmId.Comparer.Equals(c.PublicIpAddressId, pip.Id));
                    if (!settled && holderNic.Updating && timeProvider.GetUtcNow() < giveUpAt && !run.Token.IsCancellationRequested)
                    {
                        await Task.Delay(settings.PollInterval, timeProvider, run.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                        continue;
                    }

                    if (!settled)
                    {
                        // Its NIC no longer holds it (or is still detaching it): plan it as detached from that slot; an
                        // attach refused meanwhile is recovered below.
                        pip = pip with { IpConfigurationId = null };
                    }
                }
            }

            var findings = new List<Finding>();
            var move = FailoverPlanner.PlanPublicIp(topology, pip, target, findings);
            if (findings.Count > 0 && !run.Plan.NotMoved.Any(f => ArmId.Comparer.Equals(f.ResourceId, pip.Id)))
            {
                run.Outcomes.Add(new WriteOutcome(pip.Id, PublicIpType, WriteStatus.Failed, 0, "PublicIpNotMoved", string.Join(" ", findings.Select(f => f.Message))));
            }

            return move;
        }
    }

    /// <summary>
    /// A public IP moved only when reading it back shows it on the interface it was attached to: a converged failover
    /// is what Azure holds, not what a write answered.
    /// </summary>
    private async Task<bool> ReadBackAsync(Run run, IEnumerable<PublicIpMove> moves)
    {
        var all = true;
        foreach (var move in moves)
        {
            var read = await ReadAsync(run, ct => publicIps.GetAsync(move.PublicIp.Id, ct));
            if (read.Value is { } pip && ArmId.Comparer.Equals(pip.IpConfigurationId, move.To.IpConfigurationId))
            {
                run.PublicIps[pip.Id] = pip;
                continue;
            }

            all = false;
            run.Outcomes.Add(read.Failure is { } failure
                ? failure with { ResourceId = move.PublicIp.Id, ResourceType = PublicIpType }
                : new WriteOutcome(move.PublicIp.Id, PublicIpType, WriteStatus.Failed, 0, "PublicIpNotOnTarget",
                    $"the attach to {move.To.IpConfigurationId} was accepted, but reading the public IP back shows it on {read.Value?.IpConfigurationId ?? "no interface"}; the next round moves it again"));
        }

        return all;
    }

    /// <summary>
    /// An attach refused because the public IP is still held elsewhere (a superseded failover attached it, or someone
    /// moved it): read where it is, detach it there when that is an NVA of the cluster, and attach once more.
    /// </summary>
    private async Task<WriteOutcome> RecoverInUseAsync(Run run, string nicId, List<PublicIpMove> moves, Dictionary<string, string> wanted, WriteOutcome refused)
    {
        foreach (var move in moves)
        {
            var pip = await ReadAsync(run, ct => publicIps.GetAsync(move.PublicIp.Id, ct));
            if (pip.Value?.IpConfigurationId is not { } holder || !run.Topology.TryFindSlotByIpConfiguration(holder, out _, out _))
            {
                return refused;
            }

            // The holder is read afresh: what this run believed of it is what the refusal just proved wrong.
            var (holderNic, holderConfig) = Split(holder);
            var detach = await WriteNicAsync(run, holderNic, new(StringComparer.OrdinalIgnoreCase) { [holderConfig] = move.PublicIp.Id }, detach: true, reread: true);
            run.Outcomes.Add(detach);
            if (detach.Status != WriteStatus.Succeeded)
            {
                return refused;
            }
        }

        var again = await WriteNicAsync(run, nicId, wanted, detach: false);
        return again with { Writes = again.Writes + refused.Writes };
    }

    /// <summary>
    /// One write to a NIC for all its ipconfigs: <paramref name="wanted"/> maps ipconfig name to public IP id.
    /// Detaching removes that public IP from the ipconfig; attaching sets it. Re-read and retried on ETag conflict.
    /// </summary>
    private async Task<WriteOutcome> WriteNicAsync(Run run, string nicId, Dictionary<string, string> wanted, bool detach, bool reread = false, bool reapply = false)
    {
        var nic = reread ? null : run.Nics.GetValueOrDefault(nicId) ?? run.Topology.FindNetworkInterface(nicId);
        if (nic is null)
        {
            var read = await ReadAsync(run, ct => networkInterfaces.GetAsync(nicId, ct));
            if (read.Failure is { } failure)
            {
                return failure with { ResourceId = nicId, ResourceType = NicType };
            }

            nic = read.Value;
        }

        var writes = 0;
        var reapplied = false;
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

            if (changes.Count == 0 && reapply && !reapplied)
            {
                changes = wanted.ToDictionary(w => w.Key, w => (string?)w.Value, StringComparer.OrdinalIgnoreCase);
                reapplied = true;
            }

            if (changes.Count == 0)
            {
                return new WriteOutcome(nicId, NicType, WriteStatus.Succeeded, writes);
            }

            var snapshot = nic;
            var result = await WriteAsync(run, ct => networkInterfaces.SetPublicIpAddressesAsync(snapshot, changes, ct));
            writes += Sent(result) ? 1 : 0;
            metrics.Write(NicType, result.Status.ToString());
            if (result.Status == WriteStatus.Succeeded)
            {
                run.Nics[nicId] = result.Resource ?? nic;
                return new WriteOutcome(nicId, NicType, WriteStatus.Succeeded, writes);
            }

            if (result.Status != WriteStatus.Conflict || attempt >= settings.ConflictRetries)
            {
                return new WriteOutcome(nicId, NicType, result.Status, writes, result.ErrorCode, result.ErrorMessage);
            }

            metrics.Conflict(NicType);
            Log.WriteConflict(logger, run.Topology.Cluster, nicId, attempt + 1);
            var fresh = await ReadAsync(run, ct => networkInterfaces.GetAsync(nicId, ct));
            if (fresh.Failure is { } failure)
            {
                return failure with { ResourceId = nicId, ResourceType = NicType, Writes = writes };
            }

            nic = fresh.Value;
        }

        return new WriteOutcome(nicId, NicType, WriteStatus.NotFound, writes, "ResourceNotFound", "the NIC was not found");
    }

    private static async Task<WriteResult<T>> WriteAsync<T>(Run run, Func<CancellationToken, Task<WriteResult<T>>> write)
        where T : class
    {
        if (run.Token.IsCancellationRequested)
        {
            return WriteResult.Failure<T>(WriteStatus.Canceled, NotSent, "a newer decision superseded this failover before this write was sent");
        }

        try
        {
            return await write(run.Token);
        }
        catch (OperationCanceledException) when (run.Token.IsCancellationRequested)
        {
            return WriteResult.Failure<T>(WriteStatus.Canceled, "Superseded", "a newer decision superseded this failover; whether Azure applied this write is known when it is read again");
        }
        catch (GatewayException ex)
        {
            // An adapter reports write failures as results; a thrown one (a failed re-read, say) is a failure too.
            return new WriteResult<T>(ex.Failure == GatewayFailure.Throttled ? WriteStatus.Throttled : WriteStatus.Failed, null, ex.ErrorCode, ex.Message);
        }
    }

    /// <summary>A read during execution: its value, or the outcome that ends the resource's writes.</summary>
    private static async Task<(T? Value, WriteOutcome? Failure)> ReadAsync<T>(Run run, Func<CancellationToken, Task<T?>> read)
        where T : class
    {
        try
        {
            return (await read(run.Token), null);
        }
        catch (OperationCanceledException) when (run.Token.IsCancellationRequested)
        {
            return (null, new WriteOutcome("", "", WriteStatus.Canceled, 0, "Superseded", "a newer decision superseded this failover before the resource was re-read"));
        }
        catch (GatewayException ex)
        {
            return (null, new WriteOutcome("", "", ex.Failure == GatewayFailure.Throttled ? WriteStatus.Throttled : WriteStatus.Failed, 0, ex.ErrorCode, $"re-reading it failed: {ex.Message}"));
        }
    }

    private const string NotSent = "SupersededBeforeSending";

    private static bool Sent<T>(WriteResult<T> result)
        where T : class => result.ErrorCode != NotSent;

    private static (string Nic, string IpConfiguration) Split(string ipConfigurationId) =>
        ArmId.TrySplitIpConfigurationId(ipConfigurationId, out var nic, out var name) ? (nic, name) : (ipConfigurationId, ipConfigurationId);

    private sealed class Run(ClusterTopology topology, FailoverPlan plan, ExecutionProgress progress, CancellationToken token)
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
}

/// <summary>What an execution has done so far: a rehearsal that ends while it runs reports it, done and pending.</summary>
internal sealed class ExecutionProgress
{
    private readonly Lock _lock = new();
    private int _routesChanged;
    private DateTimeOffset? _routesConvergedAt;
    private DateTimeOffset? _publicIpsConvergedAt;

    public ConcurrentBag<WriteOutcome> Outcomes { get; } = [];
    public ConcurrentDictionary<string, RouteTableSnapshot> Tables { get; } = new(ArmId.Comparer);

    /// <summary>Route tables that left the cluster while the failover ran (deleted or untagged).</summary>
    public ConcurrentDictionary<string, bool> Released { get; } = new(ArmId.Comparer);
    public ConcurrentDictionary<string, NetworkInterfaceSnapshot> Nics { get; } = new(ArmId.Comparer);
    /// <summary>Public IPs moved to the target (read back there): what the result counts as moved.</summary>
    public ConcurrentDictionary<string, PublicIpSnapshot> PublicIps { get; } = new(ArmId.Comparer);

    /// <summary>Public IPs as read before their moves were planned (moved or not).</summary>
    public ConcurrentDictionary<string, PublicIpSnapshot> ObservedPublicIps { get; } = new(ArmId.Comparer);

    public void RouteTableWritten(int routes, DateTimeOffset at)
    {
        Interlocked.Add(ref _routesChanged, routes);
        lock (_lock)
        {
            _routesConvergedAt = _routesConvergedAt is { } seen && seen > at ? seen : at;
        }
    }

    public void PublicIpsAttached(DateTimeOffset at)
    {
        lock (_lock)
        {
            _publicIpsConvergedAt = _publicIpsConvergedAt is { } seen && seen > at ? seen : at;
        }
    }

    /// <summary>The result so far: <paramref name="topology"/> with every snapshot a successful write returned.</summary>
    public ExecutionResult SoFar(ClusterTopology topology)
    {
        var updated = topology;
        foreach (var table in Tables.Values)
        {
            updated = updated.With(table);
        }

        foreach (var nic in Nics.Values)
        {
            updated = updated.With(nic);
        }

        foreach (var pip in ObservedPublicIps.Values.Where(p => !PublicIps.ContainsKey(p.Id)).Concat(PublicIps.Values))
        {
            updated = updated.With(pip);
        }

        foreach (var table in Released.Keys)
        {
            updated = updated.Without(table);
        }

        lock (_lock)
        {
            return new ExecutionResult(updated, [.. Outcomes.OrderBy(o => o.ResourceId, StringComparer.OrdinalIgnoreCase)], _routesChanged, PublicIps.Count,
                _routesConvergedAt, _publicIpsConvergedAt);
        }
    }
}
