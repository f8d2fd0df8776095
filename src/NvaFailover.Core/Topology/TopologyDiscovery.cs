using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using NvaFailover.Concurrency;
using NvaFailover.Ports;
using NvaFailover.Resources;
using NvaFailover.Settings;
using NvaFailover.Telemetry;

namespace NvaFailover.Topology;

/// <summary>A discovery, and what it could not read (for <see cref="TopologyCache"/> to fill from the last good one).</summary>
/// <param name="Topology">What was read.</param>
/// <param name="Unread">Ids of the VMs, NICs, route tables and public IPs whose read failed.</param>
/// <param name="TagQueryFailed">True when the search for tagged route tables failed (so the table list is unknown).</param>
/// <param name="HostReadError">Why the host's subnet or route table could not be read, if it could not.</param>
internal sealed record Discovery(ClusterTopology Topology, IReadOnlySet<string> Unread, bool TagQueryFailed, string? HostReadError);

/// <summary>
/// Reads a cluster's NVAs (VM, NICs, slots), its tagged route tables, its public IPs and the host's own subnet. A failed
/// read of one resource is a finding, not a failed round, so the rest of the cluster can still fail over.
/// </summary>
internal sealed class TopologyDiscovery(
    IComputeGateway compute,
    INetworkInterfaceGateway networkInterfaces,
    IRouteTableGateway routeTables,
    IPublicIpGateway publicIps,
    IVirtualNetworkGateway virtualNetworks,
    TimeProvider timeProvider,
    ILogger<TopologyDiscovery> logger)
{
    private const int ReadParallelism = 8;

    public async Task<Discovery> DiscoverAsync(ClusterOptions cluster, string? hostSubnetId, IReadOnlyCollection<string>? knownTableIds, CancellationToken cancellationToken)
    {
        var began = timeProvider.GetUtcNow();
        var findings = new ConcurrentBag<Finding>();
        var unread = new ConcurrentDictionary<string, bool>(ArmId.Comparer);
        void Failed(string resourceId, GatewayException ex)
        {
            unread[resourceId] = true;
            findings.Add(new Finding(FindingSeverity.Error, resourceId, $"could not be read: {ex.Message}. {GatewayAdvice.For(ex)}"));
        }

        var nvasTask = Task.WhenAll(cluster.Nvas.Select((n, i) => DiscoverNvaAsync(i, n, findings, Failed, cancellationToken)));
        var tablesTask = DiscoverTablesAsync(cluster, knownTableIds, findings, Failed, cancellationToken);
        var pipsTask = ReadAllAsync(cluster.PublicIpAddressIds, async (id, ct) =>
        {
            var pip = await publicIps.GetAsync(id, ct);
            if (pip is null)
            {
                findings.Add(new Finding(FindingSeverity.Error, id, "public IP not found; correct or remove it in PublicIpAddressIds"));
            }

            return pip;
        }, Failed, cancellationToken);
        var hostTask = DiscoverHostAsync(hostSubnetId, findings, cancellationToken);

        var nvas = await nvasTask;
        var (tables, tagQueryFailed) = await tablesTask;
        var pips = await pipsTask;
        var (host, hostError) = await hostTask;
        CheckSlots(nvas, findings);

        var topology = new ClusterTopology(cluster.Name, nvas, tables, pips, [], timeProvider.GetUtcNow(), unread.IsEmpty && !tagQueryFailed, host) { Tag = Tag(cluster), ProbeRoutes = ProbeRoutes(cluster), SearchedSubscriptions = [.. cluster.RouteTables.SubscriptionIds], ReadSince = began };
        topology = topology with { Findings = Order([.. findings, .. HostEgress.Check(topology, hostError), .. topology.ProbeRoutesInManagedTables()]) };
        Log.DiscoveryCompleted(logger, cluster.Name, tables.Count, nvas.Length == 0 ? 0 : nvas.Min(n => n.Slots.Count), pips.Count);
        return new Discovery(topology, unread.Keys.ToHashSet(ArmId.Comparer), tagQueryFailed, hostError);
    }

    private static ManagedTag Tag(ClusterOptions cluster) => new(cluster.RouteTables.TagName, cluster.RouteTables.TagValue);

    /// <summary>Each NVA's forwarding-probe host route (when its endpoint is an IP address), to the NVA's name.</summary>
    internal static Dictionary<string, string> ProbeRoutes(ClusterOptions cluster)
    {
        var routes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var nva in cluster.Nvas)
        {
            if (nva.ForwardingProbeEndpoint?.HostRoute is { } prefix)
            {
                routes.TryAdd(prefix, nva.Name);
            }
        }

        return routes;
    }

    internal static IReadOnlyList<Finding> Order(IEnumerable<Finding> findings) =>
        [.. findings.Distinct().OrderByDescending(f => f.Severity).ThenBy(f => f.ResourceId, StringComparer.Ordinal)];

    private async Task<(HostNetwork? Host, string? Error)> DiscoverHostAsync(string? subnetId, ConcurrentBag<Finding> findings, CancellationToken cancellationToken)
    {
        if (subnetId is null)
        {
            return (null, null);
        }

        var network = ReadVirtualNetworkAsync(subnetId, findings, cancellationToken);
        try
        {
            var subnet = await virtualNetworks.GetSubnetAsync(subnetId, cancellationToken);
            if (subnet is null)
            {
                return (new HostNetwork(subnetId, null), $"subnet {subnetId} (HostSubnetId) was not found");
            }

            var table = subnet.RouteTableId is null ? null : await routeTables.GetAsync(subnet.RouteTableId, cancellationToken);
            return subnet.RouteTableId is not null && table is null
                ? (new HostNetwork(subnetId, null), $"its route table {subnet.RouteTableId} was not found")
                : (new HostNetwork(subnetId, table) { VirtualNetwork = await network }, null);
        }
        catch (GatewayException ex)
        {
            return (new HostNetwork(subnetId, null), ex.Message);
        }
    }

    /// <summary>The host subnet's virtual network (its DNS servers and gateway subnets); a finding when it cannot be read.</summary>
    private async Task<VirtualNetworkSnapshot?> ReadVirtualNetworkAsync(string subnetId, ConcurrentBag<Finding> findings, CancellationToken cancellationToken)
    {
        var end = subnetId.LastIndexOf("/subnets/", StringComparison.OrdinalIgnoreCase);
        if (end <= 0)
        {
            return null;
        }

        var id = subnetId[..end];
        try
        {
            return await virtualNetworks.GetVirtualNetworkAsync(id, cancellationToken);
        }
        catch (GatewayException ex)
        {
            findings.Add(new Finding(FindingSeverity.Warning, id,
                $"the host's virtual network could not be read ({ex.Message}), so whether its DNS servers or routes learned over BGP pass through an NVA is not known. {GatewayAdvice.For(ex)}"));
            return null;
        }
    }

    private async Task<NvaTopology> DiscoverNvaAsync(int priority, NvaOptions options, ConcurrentBag<Finding> findings, Action<string, GatewayException> failed, CancellationToken cancellationToken)
    {
        var name = options.Name;
        VirtualMachineInfo? vm = null;
        try
        {
            vm = await compute.GetVirtualMachineAsync(options.VirtualMachineId, cancellationToken);
            if (vm is null)
            {
                findings.Add(new Finding(FindingSeverity.Error, options.VirtualMachineId, $"NVA VM not found; correct Nvas:{priority}:VirtualMachineId (the VM's full id: az vm show -g <group> -n <name> --query id). It is treated as down."));
            }
        }
        catch (GatewayException ex)
        {
            failed(options.VirtualMachineId, ex);
        }

        var nics = vm is null
            ? []
            : await ReadAllAsync(vm.NetworkInterfaceIds, async (id, ct) =>
            {
                var nic = await networkInterfaces.GetAsync(id, ct);
                if (nic is null)
                {
                    findings.Add(new Finding(FindingSeverity.Error, id, $"NIC of NVA {name} not found; its interface slots are unknown"));
                }

                return nic;
            }, failed, cancellationToken);

        if (vm is not null && vm.NetworkInterfaceIds.Count == 0)
        {
            findings.Add(new Finding(FindingSeverity.Error, options.VirtualMachineId, $"NVA {name} has no network interface, so nothing can ever point at it: it can never become active."));
        }

        var slots = options.NextHopIps.Count > 0 ? ExplicitSlots(name, options, nics, findings) : DerivedSlots(nics);
        foreach (var nic in nics.Where(n => !n.EnableIpForwarding && slots.Any(s => ArmId.Comparer.Equals(s.NetworkInterfaceId, n.Id))))
        {
            findings.Add(new Finding(FindingSeverity.Warning, nic.Id, $"IP forwarding is off on this NIC of NVA {name}; traffic routed to it is dropped. Turn on 'IP forwarding' on the NIC."));
        }

        return new NvaTopology(priority, name, options.VirtualMachineId, slots, nics);
    }

    private static List<NvaSlot> DerivedSlots(IReadOnlyList<NetworkInterfaceSnapshot> nics)
    {
        var slots = new List<NvaSlot>();
        foreach (var nic in nics)
        {
            foreach (var ipConfig in nic.IpConfigurations.OrderByDescending(c => c.Primary).Where(c => !string.IsNullOrEmpty(c.PrivateIpAddress)))
            {
                slots.Add(new NvaSlot(slots.Count, ipConfig.PrivateIpAddress!, nic.Id, ipConfig.Name, nic.Location));
            }
        }

        return slots;
    }

    private static List<NvaSlot> ExplicitSlots(string name, NvaOptions options, IReadOnlyList<NetworkInterfaceSnapshot> nics, ConcurrentBag<Finding> findings)
    {
        var slots = new List<NvaSlot>();
        foreach (var ip in options.NextHopIps)
        {
            var holder = nics.SelectMany(n => n.IpConfigurations.Select(c => (Nic: n, Config: c)))
                .FirstOrDefault(x => string.Equals(x.Config.PrivateIpAddress, ip, StringComparison.OrdinalIgnoreCase));
            if (holder.Nic is null && nics.Count > 0)
            {
                findings.Add(new Finding(FindingSeverity.Error, options.VirtualMachineId,
                    $"NextHopIps lists {ip}, which no NIC of NVA {name} has: routes pointed at it reach nothing, and no public IP can move to that slot. Correct NextHopIps to the NVA's private IPs ({string.Join(", ", nics.SelectMany(n => n.IpConfigurations).Select(c => c.PrivateIpAddress).OfType<string>())})."));
            }

            slots.Add(new NvaSlot(slots.Count, ip, holder.Nic?.Id, holder.Config?.Name, holder.Nic?.Location));
        }

        return slots;
    }

    private static void CheckSlots(NvaTopology[] nvas, ConcurrentBag<Finding> findings)
    {
        var counts = nvas.Where(n => n.Slots.Count > 0).Select(n => n.Slots.Count).Distinct().ToList();
        if (counts.Count > 1)
        {
            findings.Add(new Finding(FindingSeverity.Warning, nvas[0].VirtualMachineId,
                $"the NVAs have different numbers of interface slots ({string.Join(", ", nvas.Select(n => $"{n.Name}: {n.Slots.Count}"))}); routes to a slot the other NVA lacks cannot move. Give the NVAs matching NICs or set NextHopIps."));
        }

        foreach (var group in nvas.SelectMany(n => n.Slots.Select(s => (n, s))).GroupBy(x => x.s.IpAddress, StringComparer.OrdinalIgnoreCase).Where(g => g.Select(x => x.n.Name).Distinct().Count() > 1))
        {
            findings.Add(new Finding(FindingSeverity.Error, group.First().n.VirtualMachineId,
                $"IP {group.Key} belongs to more than one NVA ({string.Join(", ", group.Select(x => x.n.Name).Distinct())}); routes to it are ambiguous and are left alone. Set NextHopIps to tell the slots apart."));
        }
    }

    private async Task<(IReadOnlyList<RouteTableSnapshot> Tables, bool TagQueryFailed)> DiscoverTablesAsync(ClusterOptions cluster, IReadOnlyCollection<string>? knownTableIds, ConcurrentBag<Finding> findings, Action<string, GatewayException> failed, CancellationToken cancellationToken)
    {
        var tag = cluster.RouteTables;
        IReadOnlyList<string> ids;
        var tagQueryFailed = false;
        try
        {
            ids = await routeTables.FindTaggedAsync([.. tag.SubscriptionIds], tag.TagName, tag.TagValue, cancellationToken);
        }
        catch (GatewayException ex) when (knownTableIds is not null)
        {
            // The list is unknown: read again the tables known so far, so they keep being managed.
            failed($"tag {tag.TagName}={tag.TagValue}", ex);
            ids = [.. knownTableIds];
            tagQueryFailed = true;
        }
        catch (GatewayException ex)
        {
            // Nothing is known yet (a watcher that just started): a topology without its tables would let a failover move
            // the public IPs alone and call that converged. The round fails, says why, and the next one tries again.
            throw new GatewayException(ex.Failure, ex.ResourceId, ex.ErrorCode,
                $"the route tables tagged {tag.TagName}={tag.TagValue} could not be listed and none are known yet ({ex.Message}); nothing is decided for cluster {cluster.Name} until they can be. {GatewayAdvice.For(ex)}");
        }

        var tables = await ReadAllAsync(ids.Distinct(ArmId.Comparer).ToList(), (id, ct) => routeTables.GetAsync(id, ct), failed, cancellationToken);
        var managed = new List<RouteTableSnapshot>();
        var managedTag = Tag(cluster);
        foreach (var table in tables)
        {
            if (managedTag.Marks(table))
            {
                managed.Add(table);
            }
            else
            {
                findings.Add(new Finding(FindingSeverity.Warning, table.Id,
                    $"tag {tag.TagName}='{managedTag.ValueOn(table)}' does not match '{tag.TagValue}' exactly (tag values are compared case-sensitively), so this table is not managed. Fix the tag if it should be."));
            }
        }

        if (managed.Count == 0 && !tagQueryFailed)
        {
            findings.Add(new Finding(FindingSeverity.Warning, $"tag {tag.TagName}={tag.TagValue}",
                $"no route table carries this tag{(tag.SubscriptionIds.Count > 0 ? $" in subscriptions {string.Join(", ", tag.SubscriptionIds)}" : "")}; tag the route tables that point at the NVAs, or check RouteTables:TagValue"));
        }

        return (managed.OrderBy(t => t.Id, StringComparer.OrdinalIgnoreCase).ToList(), tagQueryFailed);
    }

    private static async Task<IReadOnlyList<T>> ReadAllAsync<T>(IEnumerable<string> ids, Func<string, CancellationToken, Task<T?>> read, Action<string, GatewayException> failed, CancellationToken cancellationToken)
        where T : class
    {
        var results = await Bounded.WhenAllAsync(ids, ReadParallelism, async id =>
        {
            try
            {
                return await read(id, cancellationToken);
            }
            catch (GatewayException ex)
            {
                failed(id, ex);
                return null;
            }
        }, cancellationToken);
        return [.. results.Where(r => r is not null).Select(r => r!)];
    }
}
