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
    /// <summary>How long a superseded failover's read-back of its abandoned tables may take before the next decision plans without it.</summary>
    private static readonly TimeSpan AbandonedReadTimeout = TimeSpan.FromSeconds(10);

    private readonly ConditionalWriter _writer = new(settings, metrics, logger);

    public Task<ExecutionResult> ExecuteAsync(ClusterTopology topology, FailoverPlan plan, CancellationToken cancellationToken) =>
        ExecuteAsync(topology, plan, new ExecutionProgress(), cancellationToken);

    /// <summary>Carries out <paramref name="plan"/>, recording what is done in <paramref name="progress"/> as it goes.</summary>
    public async Task<ExecutionResult> ExecuteAsync(ClusterTopology topology, FailoverPlan plan, ExecutionProgress progress, CancellationToken cancellationToken)
    {
        var run = new ExecutionRun(topology, plan, progress, cancellationToken);
        using var cap = settings.MaxParallelWrites is { } max ? new SemaphoreSlim(max) : null;
        await Task.WhenAll(
            MovePublicIpsAsync(run),
            Task.WhenAll(plan.RouteTables.Select(t => Capped(cap, () => WriteRouteTableAsync(run, t), run))));
        if (cancellationToken.IsCancellationRequested)
        {
            await ReadBackAbandonedAsync(run);
        }

        return progress.SoFar(topology);
    }

    /// <summary>
    /// A superseded failover stops waiting for its writes, but ARM goes on with every one it accepted: the tables those
    /// writes went to are read again, so the decision that superseded it plans on what Azure will apply (a table this
    /// failover was putting back on the old NVA is written again), not on what the cache held before. A read that fails
    /// marks the table in doubt: the next plan writes its routes whatever the cache shows, and the write's ETag tells
    /// whether ARM applied the abandoned one (a 412 re-reads it). The cluster is read again at the next round anyway.
    /// </summary>
    private async Task ReadBackAbandonedAsync(ExecutionRun run)
    {
        // Every table a write was sent to and not confirmed: stopped by the supersede, or ended by an answer (a timeout, a
        // failed poll) that does not say whether ARM went on with it.
        var abandoned = run.Outcomes.Where(o => o.Status is not (WriteStatus.Succeeded or WriteStatus.NoLongerManaged or WriteStatus.NotFound) && o.ResourceType == WriteOutcome.RouteTable && o.Writes > 0)
            .Select(o => o.ResourceId).Distinct(ArmId.Comparer).ToList();
        if (abandoned.Count == 0)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(AbandonedReadTimeout, timeProvider);
        await Task.WhenAll(abandoned.Select(async id =>
        {
            try
            {
                if (await routeTables.GetAsync(id, timeout.Token) is { } fresh && run.Topology.Manages(fresh))
                {
                    run.Tables[fresh.Id] = fresh;
                }
            }
            catch (Exception ex) when (ex is GatewayException or OperationCanceledException)
            {
                Log.AbandonedReadFailed(logger, id, ex.Message);
                if (run.Topology.RouteTables.FirstOrDefault(t => ArmId.Comparer.Equals(t.Id, id)) is { } cached)
                {
                    run.Tables[id] = cached with { InDoubt = true };
                }
            }
        }));
    }

    private static async Task Capped(SemaphoreSlim? cap, Func<Task> work, ExecutionRun run)
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

    private async Task WriteRouteTableAsync(ExecutionRun run, RouteTablePlan plan)
    {
        var target = run.Topology.FindNva(run.Plan.Target)!;
        var table = new ConditionalWrite<RouteTableSnapshot>(
            WriteOutcome.RouteTable,
            plan.Table.Id,
            // The plan's own changes first; after a conflict, what the table as re-read needs (nothing: someone else already
            // put every managed route where it belongs).
            current => (ReferenceEquals(current, plan.Table) ? plan : FailoverPlanner.PlanRouteTable(run.Topology, current, target, [])) is { } planned
                ? new PendingWrite<RouteTableSnapshot>((snapshot, ct) => routeTables.SetNextHopsAsync(snapshot, NextHops(planned), ct), planned.Changes.Count)
                : null,
            ct => routeTables.GetAsync(plan.Table.Id, ct),
            // A table deleted or untagged meanwhile is never written again.
            (fresh, writes) => fresh is null ? Forget(run, plan.Table.Id, writes, "the route table was deleted")
                : !run.Topology.Manages(fresh) ? Forget(run, plan.Table.Id, writes, $"the route table no longer carries the tag {run.Topology.Tag}")
                : null);
        var done = await _writer.WriteAsync(run, table, plan.Table);
        if (done.Resource is { } written)
        {
            run.Tables[written.Id] = written;
            if (done.Changes > 0)
            {
                run.RouteTableWritten(done.Changes, timeProvider.GetUtcNow());
            }
        }

        run.Outcomes.Add(done.Outcome);
    }

    private static Dictionary<string, string> NextHops(RouteTablePlan plan) =>
        plan.Changes.ToDictionary(c => c.RouteName, c => c.ToIp, StringComparer.OrdinalIgnoreCase);

    /// <summary>A table that left the cluster while it was being written: reported once, then no longer part of the topology.</summary>
    private static WriteOutcome Forget(ExecutionRun run, string tableId, int writes, string why)
    {
        run.Released[tableId] = true;
        return new WriteOutcome(tableId, WriteOutcome.RouteTable, WriteStatus.NoLongerManaged, writes, "NoLongerManaged",
            $"{why}, so it is no longer managed and was not written; it is forgotten until it is tagged again");
    }

    private async Task MovePublicIpsAsync(ExecutionRun run)
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
    private async Task<PublicIpMove?> FreshMoveAsync(ExecutionRun run, PublicIpSnapshot planned, NvaTopology target)
    {
        var topology = run.Topology;
        var giveUpAt = timeProvider.GetUtcNow() + settings.OperationTimeout;
        while (true)
        {
            var read = await ConditionalWriter.ReadAsync(run, ct => publicIps.GetAsync(planned.Id, ct));
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
                var nic = await ConditionalWriter.ReadAsync(run, ct => networkInterfaces.GetAsync(slot.NetworkInterfaceId!, ct));
                if (nic.Failure is { } unread)
                {
                    // The public IP names its holder until a detach there has ended, so only the holder's NIC tells whether
                    // one is running (fault-suite seed 815: a read of it that failed was taken for "in place", and the
                    // detach an earlier round sent left the public IP on nothing). Read again while there is time; then the
                    // move is not confirmed, and the next round reads it again.
                    if (timeProvider.GetUtcNow() < giveUpAt && !run.Token.IsCancellationRequested)
                    {
                        await Task.Delay(settings.PollInterval, timeProvider, run.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                        continue;
                    }

                    if (!run.Token.IsCancellationRequested)
                    {
                        run.Outcomes.Add(new WriteOutcome(pip.Id, WriteOutcome.PublicIp, WriteStatus.Failed, 0, "PublicIpNotConfirmed",
                            $"is named as held by {holder}, but reading that NIC failed ({unread.ErrorMessage}), so whether a detach is still running there is not known; the next round reads it again"));
                    }

                    return null;
                }

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
                run.Outcomes.Add(new WriteOutcome(pip.Id, WriteOutcome.PublicIp, WriteStatus.Failed, 0, "PublicIpNotMoved", string.Join(" ", findings.Select(f => f.Message))));
            }

            return move;
        }
    }

    /// <summary>
    /// A public IP moved only when reading it back shows it on the interface it was attached to: a converged failover
    /// is what Azure holds, not what a write answered.
    /// </summary>
    private async Task<bool> ReadBackAsync(ExecutionRun run, IEnumerable<PublicIpMove> moves)
    {
        var all = true;
        foreach (var move in moves)
        {
            var read = await ConditionalWriter.ReadAsync(run, ct => publicIps.GetAsync(move.PublicIp.Id, ct));
            if (read.Value is { } pip && ArmId.Comparer.Equals(pip.IpConfigurationId, move.To.IpConfigurationId))
            {
                run.PublicIps[pip.Id] = pip;
                continue;
            }

            all = false;
            run.Outcomes.Add(read.Failure is { } failure
                ? failure with { ResourceId = move.PublicIp.Id, ResourceType = WriteOutcome.PublicIp }
                : new WriteOutcome(move.PublicIp.Id, WriteOutcome.PublicIp, WriteStatus.Failed, 0, "PublicIpNotOnTarget",
                    $"the attach to {move.To.IpConfigurationId} was accepted, but reading the public IP back shows it on {read.Value?.IpConfigurationId ?? "no interface"}; the next round moves it again"));
        }

        return all;
    }

    /// <summary>
    /// An attach refused because the public IP is still held elsewhere (a superseded failover attached it, or someone
    /// moved it): read where it is, detach it there when that is an NVA of the cluster, and attach once more.
    /// </summary>
    private async Task<WriteOutcome> RecoverInUseAsync(ExecutionRun run, string nicId, List<PublicIpMove> moves, Dictionary<string, string> wanted, WriteOutcome refused)
    {
        foreach (var move in moves)
        {
            var pip = await ConditionalWriter.ReadAsync(run, ct => publicIps.GetAsync(move.PublicIp.Id, ct));
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
    private async Task<WriteOutcome> WriteNicAsync(ExecutionRun run, string nicId, Dictionary<string, string> wanted, bool detach, bool reread = false, bool reapply = false)
    {
        var nic = reread ? null : run.Nics.GetValueOrDefault(nicId) ?? run.Topology.FindNetworkInterface(nicId);
        if (nic is null)
        {
            var read = await ConditionalWriter.ReadAsync(run, ct => networkInterfaces.GetAsync(nicId, ct));
            if (read.Failure is { } failure)
            {
                return failure with { ResourceId = nicId, ResourceType = WriteOutcome.NetworkInterface };
            }

            nic = read.Value;
        }

        if (nic is null)
        {
            return NicNotFound(nicId, 0);
        }

        var reapplied = false;
        var write = new ConditionalWrite<NetworkInterfaceSnapshot>(
            WriteOutcome.NetworkInterface,
            nicId,
            current =>
            {
                var changes = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
                foreach (var (ipConfig, pipId) in wanted)
                {
                    var held = current.IpConfigurations.FirstOrDefault(c => c.Name.Equals(ipConfig, StringComparison.OrdinalIgnoreCase))?.PublicIpAddressId;
                    if (detach ? ArmId.Comparer.Equals(held, pipId) : !ArmId.Comparer.Equals(held, pipId))
                    {
                        changes[ipConfig] = detach ? null : pipId;
                    }
                }

                if (changes.Count == 0 && reapply && !reapplied)
                {
                    changes = wanted.ToDictionary(w => w.Key, w => (string?)w.Value, StringComparer.OrdinalIgnoreCase);
                    reapplied = true;
                }

                return changes.Count == 0
                    ? null
                    : new PendingWrite<NetworkInterfaceSnapshot>((snapshot, ct) => networkInterfaces.SetPublicIpAddressesAsync(snapshot, changes, ct), changes.Count);
            },
            ct => networkInterfaces.GetAsync(nicId, ct),
            (fresh, writes) => fresh is null ? NicNotFound(nicId, writes) : null);
        var done = await _writer.WriteAsync(run, write, nic);
        if (done.Resource is { } written)
        {
            run.Nics[nicId] = written;
        }

        return done.Outcome;
    }

    private static WriteOutcome NicNotFound(string nicId, int writes) =>
        new(nicId, WriteOutcome.NetworkInterface, WriteStatus.NotFound, writes, "ResourceNotFound", "the NIC was not found");

    private static (string Nic, string IpConfiguration) Split(string ipConfigurationId) =>
        ArmId.TrySplitIpConfigurationId(ipConfigurationId, out var nic, out var name) ? (nic, name) : (ipConfigurationId, ipConfigurationId);
}
