using NvaFailover.Ports;
using NvaFailover.Resources;
using NvaFailover.Topology;

namespace NvaFailover.Verification;

/// <summary>Traffic the data plane does not send where a failover meant it to.</summary>
/// <param name="SubnetId">The subnet (or, when a listing failed, the subscription) concerned.</param>
/// <param name="AddressPrefix">The prefix whose traffic goes astray; null when the subnet could not be asked at all.</param>
/// <param name="NextHopIpAddress">Where that traffic goes instead; null when nothing carries it, or it is unknown.</param>
/// <param name="Reason">Why, and what to do.</param>
public sealed record Unverified(string SubnetId, string? AddressPrefix, string? NextHopIpAddress, string Reason)
{
    /// <summary>One line: subnet, prefix, next hop, reason.</summary>
    public override string ToString() =>
        $"{ArmId.Name(SubnetId)}: {AddressPrefix ?? "(every prefix)"}{(NextHopIpAddress is null ? "" : $" -> {NextHopIpAddress}")}: {Reason}";
}

/// <summary>What a verification found.</summary>
/// <param name="At">When it ended.</param>
/// <param name="Unverified">Everything not confirmed; empty when the data plane follows the failover.</param>
/// <param name="SubnetsChecked">Subnets whose effective routes were read.</param>
/// <param name="Reads">Requests it made (effective-route reads count once each, their polls not).</param>
public sealed record VerificationResult(DateTimeOffset At, IReadOnlyList<Unverified> Unverified, int SubnetsChecked, int Reads)
{
    /// <summary>True when nothing is unverified.</summary>
    public bool Verified => Unverified.Count == 0;
}

/// <summary>
/// Confirms a failover on the data plane, and finds before one what a failover cannot move. For every subnet that uses a
/// managed route table, the effective routes of one NIC of a running VM in it (Azure answers only for those) must send
/// every managed prefix to the new NVA; no route in force there may send traffic to the old NVA (a route learned over
/// BGP, say); and no route table nobody tagged may send a subnet's traffic to the old NVA. A finding is reported, never
/// a reason to undo the failover. Reads only; every request goes through the same ARM budget as everything else.
/// </summary>
internal sealed class DataPlaneVerifier(IRouteTableGateway tables, IVirtualNetworkGateway networks, IEffectiveRouteGateway effectiveRoutes, TimeProvider time)
{
    /// <summary>NICs tried per subnet before saying none could be asked (the first is usually running).</summary>
    internal const int NicsPerSubnet = 3;

    /// <summary>How long the data plane may lag a route table write before a route still in force is reported.</summary>
    internal static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);

    /// <summary>Checks that traffic follows a failover from <paramref name="from"/> (null: every other NVA) to <paramref name="to"/>.</summary>
    public async Task<VerificationResult> VerifyAsync(ClusterTopology topology, string? from, string to, CancellationToken cancellationToken)
    {
        var target = topology.FindNva(to) ?? throw new ArgumentException($"NVA {to} is not in the topology of cluster {topology.Cluster}.", nameof(to));
        var good = target.Slots.Select(s => s.IpAddress).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var old = topology.Nvas.Where(n => from is null ? n.Name != to : n.Name.Equals(from, StringComparison.OrdinalIgnoreCase))
            .SelectMany(n => n.Slots).ToDictionary(s => s.IpAddress, s => topology.OwnerOf(s.IpAddress) ?? "", StringComparer.OrdinalIgnoreCase);
        var reads = new Counter();

        // Routes ARM accepted can take a moment to reach the data plane: a managed prefix still in force on the old NVA
        // is read again once before it is reported. Tables nobody tagged and learned routes do not change by waiting.
        var untaggedTables = UntaggedTablesAsync(topology, old, reads, cancellationToken);
        var found = await CheckManagedSubnetsAsync(topology, good, old, reads, cancellationToken);
        if (found.Entries.Any(e => e.Lagging))
        {
            await Task.Delay(Settle, time, cancellationToken);
            found = await CheckManagedSubnetsAsync(topology, good, old, reads, cancellationToken);
        }

        var untagged = await untaggedTables;
        return new VerificationResult(time.GetUtcNow(), [.. found.Entries.Select(e => e.Item), .. untagged], found.Subnets, reads.Value);
    }

    /// <summary>
    /// Before any failover: subnets that send traffic to an NVA through a table nobody tagged, and routes learned over
    /// BGP to an NVA in the subnets of managed tables. A failover could move neither.
    /// </summary>
    public async Task<IReadOnlyList<Finding>> InspectAsync(ClusterTopology topology, CancellationToken cancellationToken)
    {
        var nvas = topology.Nvas.SelectMany(n => n.Slots.Select(s => (s.IpAddress, n.Name)))
            .DistinctBy(x => x.IpAddress, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(x => x.IpAddress, x => x.Name, StringComparer.OrdinalIgnoreCase);
        var reads = new Counter();
        var findings = new List<Finding>();
        foreach (var entry in await UntaggedTablesAsync(topology, nvas, reads, cancellationToken))
        {
            findings.Add(new Finding(FindingSeverity.Warning, entry.SubnetId, $"{entry.AddressPrefix} -> {entry.NextHopIpAddress}: {entry.Reason}"));
        }

        if (topology.RouteTables.Count > 0 && !ManagedSubnets(topology).Any())
        {
            findings.Add(new Finding(FindingSeverity.Info, $"cluster {topology.Cluster}",
                "no subnet uses the cluster's managed route tables (as read), so they carry no traffic yet and a failover's verification has no effective routes to read; it still looks for tables nobody tagged that send traffic to the old NVA."));
        }

        var asked = ManagedSubnets(topology).Select(subnet => (Subnet: subnet, Read: EffectiveRoutesOfAsync(subnet, reads, cancellationToken))).ToList();
        await Task.WhenAll(asked.Select(a => a.Read));
        foreach (var (subnetId, read) in asked)
        {
            var (routes, problem) = await read;
            if (routes is null)
            {
                findings.Add(new Finding(FindingSeverity.Info, subnetId, $"its effective routes could not be read, so routes it learns over BGP are not checked: {problem}"));
                continue;
            }

            foreach (var (route, prefix, hop) in InForce(routes).Where(r => r.Route.Source == "VirtualNetworkGateway" && nvas.ContainsKey(r.Hop)))
            {
                findings.Add(new Finding(FindingSeverity.Warning, subnetId,
                    $"{prefix} -> {hop}: learned over BGP (a gateway or Route Server) with NVA {nvas[hop]} as next hop; a failover cannot move a learned route, so traffic to {prefix} stays on {nvas[hop]}. Have the standby advertise it too, or disable BGP route propagation on this subnet's route table and give it a managed route."));
            }
        }

        return findings;
    }

    private async Task<(List<(Unverified Item, bool Lagging)> Entries, int Subnets)> CheckManagedSubnetsAsync(
        ClusterTopology topology, HashSet<string> good, Dictionary<string, string> old, Counter reads, CancellationToken cancellationToken)
    {
        var entries = new List<(Unverified, bool)>();
        var checkedSubnets = 0;
        var to = topology.OwnerOf(good.First()) ?? "the new NVA";

        // Every subnet is asked at once: an effective-route read takes seconds, and they are independent.
        var asked = topology.RouteTables.SelectMany(t => t.SubnetIds.Select(subnet => (Table: t, Subnet: subnet)))
            .Select(x => (x.Table, x.Subnet, Read: EffectiveRoutesOfAsync(x.Subnet, reads, cancellationToken))).ToList();
        await Task.WhenAll(asked.Select(a => a.Read));
        foreach (var table in topology.RouteTables)
        {
            var managed = table.Routes.Where(r => r.IsVirtualAppliance && r.AddressPrefix is not null && topology.TryFindSlotByIp(r.NextHopIpAddress, out _, out _) && !topology.IsProbeRoute(r))
                .Select(r => r.AddressPrefix!).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            foreach (var subnetId in table.SubnetIds)
            {
                var (routes, problem) = await asked.First(a => ReferenceEquals(a.Table, table) && a.Subnet == subnetId).Read;
                if (routes is null)
                {
                    entries.Add((new Unverified(subnetId, null, null, problem!), false));
                    continue;
                }

                checkedSubnets++;
                var inForce = InForce(routes).ToList();
                foreach (var prefix in managed)
                {
                    var carrier = inForce.FirstOrDefault(r => r.Prefix.Equals(prefix, StringComparison.OrdinalIgnoreCase));
                    if (carrier.Route is null)
                    {
                        entries.Add((new Unverified(subnetId, prefix, null, $"no route for it is in force, although route table {ArmId.Name(table.Id)} has one to {to}"), false));
                    }
                    else if (!good.Contains(carrier.Hop))
                    {
                        var owner = old.TryGetValue(carrier.Hop, out var o) ? o : topology.OwnerOf(carrier.Hop);
                        var lagging = carrier.Route.Source == "User" && owner is not null;
                        entries.Add((new Unverified(subnetId, prefix, carrier.Hop.Length == 0 ? null : carrier.Hop, Why(carrier.Route, owner, to, table)), lagging));
                    }
                }

                foreach (var (route, prefix, hop) in inForce.Where(r => old.ContainsKey(r.Hop) && !managed.Contains(r.Prefix, StringComparer.OrdinalIgnoreCase) && !topology.ProbeRoutes.ContainsKey(r.Prefix)))
                {
                    entries.Add((new Unverified(subnetId, prefix, hop, Why(route, old[hop], to, table)), false));
                }
            }
        }

        return (entries, checkedSubnets);
    }

    private static string Why(EffectiveRoute route, string? owner, string to, RouteTableSnapshot table)
    {
        var at = owner is { Length: > 0 } ? $"NVA {owner}" : "an address that is no interface of the new NVA";
        return route.Source switch
        {
            "VirtualNetworkGateway" => $"a route learned over BGP (a gateway or Route Server) sends it to {at}, and a failover cannot move a learned route: have {to} advertise it, or disable BGP route propagation on route table {ArmId.Name(table.Id)}",
            "User" => $"the route in force still sends it to {at}: Azure has not applied route table {ArmId.Name(table.Id)}'s new next hop to this subnet yet, or someone changed it",
            _ => $"Azure's system route ({route.NextHopType}) carries it, not {to}",
        };
    }

    /// <summary>Routes of tables nobody tagged for this cluster that send a subnet's traffic to one of <paramref name="hops"/>.</summary>
    private async Task<List<Unverified>> UntaggedTablesAsync(ClusterTopology topology, Dictionary<string, string> hops, Counter reads, CancellationToken cancellationToken)
    {
        var managed = topology.RouteTables.Select(t => t.Id).ToHashSet(ArmId.Comparer);
        // Where the cluster's tables are searched for, and wherever its tables and NVAs are.
        var subscriptions = topology.RouteTables.Select(t => t.Id).Concat(topology.Nvas.Select(n => n.VirtualMachineId))
            .Select(ArmId.SubscriptionId).OfType<string>().Concat(topology.SearchedSubscriptions)
            .Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase).ToList();
        var found = new List<Unverified>();
        foreach (var subscription in subscriptions)
        {
            IReadOnlyList<RouteTableSnapshot> all;
            reads.Add();
            try
            {
                all = await tables.ListAsync(subscription, cancellationToken);
            }
            catch (GatewayException ex)
            {
                found.Add(new Unverified($"/subscriptions/{subscription}", null, null,
                    $"its route tables could not be listed, so a table nobody tagged that still sends traffic to the old NVA would go unseen: {ex.Message}"));
                continue;
            }

            foreach (var table in all.Where(t => !managed.Contains(t.Id) && t.SubnetIds.Count > 0))
            {
                foreach (var route in table.Routes.Where(r => r.IsVirtualAppliance && r.NextHopIpAddress is not null && hops.ContainsKey(r.NextHopIpAddress) && !topology.IsProbeRoute(r)))
                {
                    found.AddRange(table.SubnetIds.Select(subnet => new Unverified(subnet, route.AddressPrefix, route.NextHopIpAddress,
                        $"route table {ArmId.Name(table.Id)} sends it to NVA {hops[route.NextHopIpAddress!]}, and it does not carry the tag {topology.Tag}, so no failover moves it: tag it {topology.Tag} (or point the route elsewhere)")));
                }
            }
        }

        return found;
    }

    /// <summary>The effective routes of the first NIC in the subnet that Azure answers for; or why there are none.</summary>
    private async Task<(IReadOnlyList<EffectiveRoute>? Routes, string? Problem)> EffectiveRoutesOfAsync(string subnetId, Counter reads, CancellationToken cancellationToken)
    {
        SubnetSnapshot? subnet;
        reads.Add();
        try
        {
            subnet = await networks.GetSubnetAsync(subnetId, cancellationToken);
        }
        catch (GatewayException ex)
        {
            return (null, $"the subnet could not be read ({ex.Message}), so its effective routes are unknown");
        }

        var nics = (subnet?.IpConfigurationIds ?? [])
            .Select(NetworkInterfaceOf).OfType<string>().Distinct(ArmId.Comparer).Take(NicsPerSubnet).ToList();
        foreach (var nic in nics)
        {
            reads.Add();
            try
            {
                if (await effectiveRoutes.GetEffectiveRoutesAsync(nic, cancellationToken) is { } routes)
                {
                    return (routes, null);
                }
            }
            catch (GatewayException ex)
            {
                return (null, $"the effective routes of {ArmId.Name(nic)} could not be read: {ex.Message}");
            }
        }

        return (null, nics.Count == 0
            ? "no NIC is in this subnet, so there is no one to ask for its effective routes (Azure answers only for a NIC of a running VM)"
            : $"none of its NICs ({string.Join(", ", nics.Select(ArmId.Name))}) belongs to a running VM, and Azure tells effective routes only for those");
    }

    /// <summary>The Active routes with a next hop, one entry per prefix, and the first next hop ("" for none).</summary>
    private static IEnumerable<(EffectiveRoute Route, string Prefix, string Hop)> InForce(IReadOnlyList<EffectiveRoute> routes) =>
        routes.Where(r => r.Active).SelectMany(r => r.AddressPrefixes.Select(p => (r, p, r.NextHopIpAddresses.Count > 0 ? r.NextHopIpAddresses[0] : "")));

    private static string? NetworkInterfaceOf(string ipConfigurationId)
    {
        var at = ipConfigurationId.IndexOf("/ipConfigurations/", StringComparison.OrdinalIgnoreCase);
        return at > 0 && ipConfigurationId.Contains("/Microsoft.Network/networkInterfaces/", StringComparison.OrdinalIgnoreCase) ? ipConfigurationId[..at] : null;
    }

    private static IEnumerable<string> ManagedSubnets(ClusterTopology topology) => topology.RouteTables.SelectMany(t => t.SubnetIds).Distinct(ArmId.Comparer);

    private sealed class Counter
    {
        private int _value;

        public int Value => _value;

        public void Add() => Interlocked.Increment(ref _value);
    }
}
