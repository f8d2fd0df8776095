using System.Net;
using NvaFailover.Ports;
using NvaFailover.Resources;

namespace NvaFailover.Topology;

/// <summary>
/// Whether the failover host's own way to Azure Resource Manager passes through an NVA of the cluster. If it does,
/// the moment that NVA dies the host loses Azure and no failover can happen; no NVA peer checks this for itself.
/// The way to ARM is the most specific route of the host subnet's route table that covers ARM's addresses: one for
/// the service tag <c>AzureResourceManager</c>, else <c>AzureCloud</c>, else the default route <c>0.0.0.0/0</c>.
/// </summary>
public static class HostEgress
{
    private static readonly string[] ArmPrefixesBySpecificity = ["AzureResourceManager", "AzureCloud", "0.0.0.0/0"];

    /// <summary>The route the host's traffic to ARM takes in <paramref name="table"/>, if the table has one.</summary>
    public static RouteInfo? RouteToArm(RouteTableSnapshot table)
    {
        ArgumentNullException.ThrowIfNull(table);
        foreach (var prefix in ArmPrefixesBySpecificity)
        {
            if (table.Routes.FirstOrDefault(r => string.Equals(r.AddressPrefix, prefix, StringComparison.OrdinalIgnoreCase)
                || (prefix.StartsWith("Azure", StringComparison.Ordinal) && r.AddressPrefix?.StartsWith(prefix + ".", StringComparison.OrdinalIgnoreCase) == true)) is { } route)
            {
                return route;
            }
        }

        return null;
    }

    /// <summary>
    /// True when <paramref name="route"/> of <paramref name="tableId"/> carries the host's traffic to ARM: the planner never
    /// points it at an NVA, so a failover cannot create the dependency.
    /// </summary>
    public static bool CarriesHostTraffic(ClusterTopology topology, string tableId, RouteInfo route)
    {
        ArgumentNullException.ThrowIfNull(topology);
        return topology.Host?.RouteTable is { } hostTable
            && ArmId.Comparer.Equals(hostTable.Id, tableId)
            && RouteToArm(hostTable) is { } armRoute
            && string.Equals(armRoute.Name, route.Name, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>What to tell the user about the host's way to ARM (nothing when HostSubnetId is not set).</summary>
    public static IEnumerable<Finding> Check(ClusterTopology topology, string? hostSubnetReadError = null)
    {
        ArgumentNullException.ThrowIfNull(topology);
        if (topology.Host is not { } host)
        {
            yield break;
        }

        if (hostSubnetReadError is not null)
        {
            yield return new Finding(FindingSeverity.Warning, host.SubnetId,
                $"the host's subnet or its route table could not be read ({hostSubnetReadError}), so it is not known whether NvaFailover's own way to Azure passes through an NVA. Assign the host network reader role (infra/) on the resource groups of that subnet and its route table.");
            yield break;
        }

        if (host.RouteTable is not { } table)
        {
            yield return new Finding(FindingSeverity.Info, host.SubnetId, "the host's subnet has no route table: its traffic to Azure Resource Manager takes Azure's own routes, through no NVA.");
            yield break;
        }

        var route = RouteToArm(table);
        if (route is not { IsVirtualAppliance: true })
        {
            yield return new Finding(FindingSeverity.Info, host.SubnetId,
                $"the host's traffic to Azure Resource Manager leaves through route table {table.Id}{(route is null ? " by Azure's own routes" : $", route '{route.Name}' ({route.AddressPrefix} -> {route.NextHopType})")}, through no NVA.");
            yield break;
        }

        if (topology.TryFindSlotByIp(route.NextHopIpAddress, out var nva, out _))
        {
            yield return new Finding(FindingSeverity.Error, host.SubnetId,
                $"the failover host's traffic to Azure Resource Manager leaves subnet {host.SubnetId} through route table {table.Id}, route '{route.Name}' ({route.AddressPrefix} -> {route.NextHopIpAddress}), which is NVA {nva.Name} of cluster {topology.Cluster}: when that NVA dies, NvaFailover loses Azure and cannot fail over. Add a route 'AzureResourceManager' (service tag) -> Internet to that table, or give the host's subnet a route table that does not send Azure's traffic through the cluster's NVAs. NvaFailover never moves that route.");
            yield break;
        }

        var ip = IPAddress.TryParse(route.NextHopIpAddress, out var address) ? address.ToString() : route.NextHopIpAddress;
        yield return new Finding(FindingSeverity.Warning, host.SubnetId,
            $"the host's traffic to Azure Resource Manager passes through the appliance at {ip} (route '{route.Name}' of {table.Id}), which is no NVA of cluster {topology.Cluster}; make sure that appliance does not depend on this cluster.");
    }
}
