using NvaFailover.Ports;
using NvaFailover.Resources;
using NvaFailover.Topology;

namespace NvaFailover.Planning;

/// <summary>
/// Plans the writes that make an NVA active. A route is managed only when its next hop type is
/// VirtualAppliance and its next hop IP is a slot of one of the cluster's NVAs; it moves to the same slot of
/// the target. Everything else is left exactly as it is. A table already right gets no write.
/// </summary>
internal static class FailoverPlanner
{
    public static FailoverPlan Plan(ClusterTopology topology, string target)
    {
        var nva = topology.FindNva(target) ?? throw new ArgumentException($"NVA {target} is not part of cluster {topology.Cluster}.", nameof(target));
        var findings = new List<Finding>();
        var tables = new List<RouteTablePlan>();
        foreach (var table in topology.RouteTables)
        {
            if (PlanRouteTable(topology, table, nva, findings) is { } plan)
            {
                tables.Add(plan);
            }
        }

        var moves = new List<PublicIpMove>();
        foreach (var pip in topology.PublicIps)
        {
            if (PlanPublicIp(topology, pip, nva, findings) is { } move)
            {
                moves.Add(move);
            }
        }

        return new FailoverPlan(topology.Cluster, nva.Name, tables, moves, findings);
    }

    /// <summary>The changes one table needs; null when it is already right.</summary>
    public static RouteTablePlan? PlanRouteTable(ClusterTopology topology, RouteTableSnapshot table, NvaTopology target, List<Finding> findings)
    {
        var changes = new List<RouteChange>();
        foreach (var route in table.Routes)
        {
            if (!route.IsVirtualAppliance || !topology.TryFindSlotByIp(route.NextHopIpAddress, out var owner, out var slot) || (owner.Name == target.Name && !table.InDoubt))
            {
                continue;
            }

            // A forwarding probe's path stays on its NVA (discovery reports it once).
            if (topology.IsProbeRoute(route))
            {
                continue;
            }

            if (HostEgress.CarriesHostTraffic(topology, table.Id, route))
            {
                findings.Add(new Finding(FindingSeverity.Error, table.Id,
                    $"route '{route.Name}' ({route.AddressPrefix}) carries NvaFailover's own traffic to Azure Resource Manager (HostSubnetId uses this table), so it is never pointed at an NVA; it stays on {owner.Name}. Route Azure Resource Manager's traffic around the NVAs (nvafo check)."));
                continue;
            }

            if (slot.Index >= target.Slots.Count)
            {
                findings.Add(new Finding(FindingSeverity.Error, table.Id,
                    $"route '{route.Name}' points at slot {slot.Index} of {owner.Name} ({slot.IpAddress}), but {target.Name} has only {target.Slots.Count} slots; the route is left as it is. Give the NVAs matching interfaces or set NextHopIps."));
                continue;
            }

            changes.Add(new RouteChange(route.Name, route.AddressPrefix, route.NextHopIpAddress!, target.Slots[slot.Index].IpAddress));
        }

        return changes.Count == 0 ? null : new RouteTablePlan(table, changes);
    }

    /// <summary>The move that puts <paramref name="pip"/> on <paramref name="target"/>'s interface in the IP's own slot; null when none is needed or possible.</summary>
    public static PublicIpMove? PlanPublicIp(ClusterTopology topology, PublicIpSnapshot pip, NvaTopology target, List<Finding> findings)
    {
        int slotIndex;
        if (pip.IpConfigurationId is null)
        {
            // Detached (a move that was interrupted): it goes back only to the slot it is known to have been on. A guess
            // could put it on a management interface.
            if (topology.SlotOf(pip) is not { } known)
            {
                findings.Add(new Finding(FindingSeverity.Error, pip.Id,
                    $"is attached to no interface, and which interface slot of the NVAs it belongs to is not known (its move was interrupted before this process started), so it is not attached to a guessed one: a wrong guess could expose a management interface. Attach it to {target.Name}'s interface that should hold it (az network nic ip-config update --public-ip-address {pip.Id} ...); NvaFailover moves it from there on."));
                return null;
            }

            slotIndex = known;
        }
        else if (topology.TryFindSlotByIpConfiguration(pip.IpConfigurationId, out var holder, out var slot))
        {
            if (holder.Name == target.Name)
            {
                return null;
            }

            slotIndex = slot.Index;
        }
        else
        {
            findings.Add(new Finding(FindingSeverity.Warning, pip.Id, topology.UndiscoveredCause() is { } cause
                ? $"held by {pip.IpConfigurationId}, which is no interface slot of the NVAs that could be read; it is left there. {cause}."
                : $"held by {pip.IpConfigurationId}, which is not an interface slot of this cluster's NVAs; it is left there. Detach it or remove it from PublicIpAddressIds."));
            return null;
        }

        if (slotIndex >= target.Slots.Count || target.Slots[slotIndex] is not { IpConfigurationId: not null } to)
        {
            findings.Add(new Finding(FindingSeverity.Error, pip.Id,
                $"cannot follow {target.Name}: it has no NIC ipconfig in slot {slotIndex}. Check the NVA's NICs (and NextHopIps)."));
            return null;
        }

        if (!SameRegion(pip.Location, to.Location))
        {
            findings.Add(new Finding(FindingSeverity.Error, pip.Id,
                $"is in {pip.Location} and {target.Name}'s NIC is in {to.Location}; Azure cannot attach a public IP across regions, so it stays. Use a public IP per region (or a cross-region load balancer)."));
            return null;
        }

        var targetNic = topology.FindNetworkInterface(to.NetworkInterfaceId!);
        var occupant = targetNic?.IpConfigurations.FirstOrDefault(c => c.Name.Equals(to.IpConfigurationName, StringComparison.OrdinalIgnoreCase))?.PublicIpAddressId;
        if (occupant is not null && !ArmId.Comparer.Equals(occupant, pip.Id))
        {
            findings.Add(new Finding(FindingSeverity.Error, pip.Id,
                $"cannot follow {target.Name}: its ipconfig {to.IpConfigurationId} already holds public IP {occupant}, which would be detached. Free that ipconfig or list the other public IP too."));
            return null;
        }

        return new PublicIpMove(pip, pip.IpConfigurationId, to);
    }

    private static bool SameRegion(string? a, string? b) =>
        a is null || b is null || Normalize(a) == Normalize(b);

    private static string Normalize(string region) => region.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
}
