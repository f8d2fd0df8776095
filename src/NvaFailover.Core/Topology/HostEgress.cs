using System.Net;
using System.Net.Sockets;
using NvaFailover.Ports;
using NvaFailover.Resources;

namespace NvaFailover.Topology;

/// <summary>
/// Whether the failover host's own traffic passes through an NVA of the cluster. The host needs Azure Resource Manager,
/// Entra ID (its tokens), Storage (the Functions timer's lease), Azure Monitor (its alerts) and DNS; if the way to any of
/// them passes through an NVA, the moment that NVA dies the host loses it and no failover happens (or nobody hears of
/// it). No NVA peer checks this for itself.
/// <para>
/// The way to a service is the most specific route of the host subnet's route table that covers the service's addresses:
/// a route for its own service tag (or a regional one, <c>Storage.WestEurope</c>), else one for <c>AzureCloud</c>, else
/// the split default routes (<c>0.0.0.0/1</c> and <c>128.0.0.0/1</c>), else <c>0.0.0.0/0</c>. A DNS server is matched by
/// longest prefix.
/// </para>
/// </summary>
public static class HostEgress
{
    /// <summary>Azure DNS: reached by the platform, never by a route.</summary>
    private const string AzureDns = "168.63.129.16";

    // Resource Manager first: CarriesHostTraffic protects its route.
    private static readonly (string Tag, string What)[] Dependencies =
    [
        ("AzureResourceManager", "Azure Resource Manager (every read and write)"),
        ("AzureActiveDirectory", "Entra ID (the identity's tokens)"),
        ("Storage", "Azure Storage (the Functions timer's lease: without it rounds stop)"),
        ("AzureMonitor", "Azure Monitor (Application Insights, where the alerts come from)"),
    ];

    /// <summary>The routes of <paramref name="table"/> that may carry the host's traffic to the service with <paramref name="serviceTag"/>; empty when Azure's own routes do.</summary>
    public static IReadOnlyList<RouteInfo> RoutesTo(RouteTableSnapshot table, string serviceTag)
    {
        ArgumentNullException.ThrowIfNull(table);
        foreach (var tag in new[] { serviceTag, "AzureCloud" })
        {
            if (table.Routes.Where(r => IsTag(r.AddressPrefix, tag)).ToList() is { Count: > 0 } tagged)
            {
                return tagged;
            }
        }

        // The split defaults: two /1 routes cover every address, so the default route is then never used.
        var halves = table.Routes.Where(r => Cidr.TryParse(r.AddressPrefix, out var c) && c.Length == 1).ToList();
        var whole = table.Routes.Where(r => Cidr.TryParse(r.AddressPrefix, out var c) && c.Length == 0).ToList();
        var bothHalves = halves.Select(r => Cidr.Parse(r.AddressPrefix!).FirstBit).Distinct().Count() == 2;
        return bothHalves ? halves : [.. halves, .. whole];
    }

    /// <summary>The route of <paramref name="table"/> that carries traffic to <paramref name="ip"/> (longest prefix), if any.</summary>
    public static RouteInfo? RouteTo(RouteTableSnapshot table, IPAddress ip)
    {
        ArgumentNullException.ThrowIfNull(table);
        return table.Routes
            .Select(r => (Route: r, Ok: Cidr.TryParse(r.AddressPrefix, out var c), Cidr: c))
            .Where(x => x.Ok && x.Cidr.Contains(ip))
            .OrderByDescending(x => x.Cidr.Length)
            .Select(x => x.Route)
            .FirstOrDefault();
    }

    /// <summary>
    /// True when <paramref name="route"/> of <paramref name="tableId"/> carries the host's own traffic to Azure Resource
    /// Manager: the planner never moves it, so a failover's own writes never change the way they travel.
    /// </summary>
    public static bool CarriesHostTraffic(ClusterTopology topology, string tableId, RouteInfo route)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(route);
        return topology.Host?.RouteTable is { } hostTable
            && ArmId.Comparer.Equals(hostTable.Id, tableId)
            && RoutesTo(hostTable, Dependencies[0].Tag).Any(r => string.Equals(r.Name, route.Name, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>What to tell the user about the host's own ways out (nothing when HostSubnetId is not set).</summary>
    public static IEnumerable<Finding> Check(ClusterTopology topology, string? hostSubnetReadError = null)
    {
        ArgumentNullException.ThrowIfNull(topology);
        if (topology.Host is not { } host)
        {
            return [];
        }

        if (hostSubnetReadError is not null)
        {
            return [new Finding(FindingSeverity.Warning, host.SubnetId,
                $"the host's subnet or its route table could not be read ({hostSubnetReadError}), so it is not known whether NvaFailover's own way to Azure passes through an NVA. Assign the host network reader role (infra/) on the resource groups of that subnet, its virtual network and its route table.")];
        }

        var findings = new List<Finding>();
        if (host.RouteTable is { } table)
        {
            findings.AddRange(CheckServices(topology, host, table));
        }
        else
        {
            findings.Add(new Finding(FindingSeverity.Info, host.SubnetId, "the host's subnet has no route table: its traffic to Azure takes Azure's own routes, through no NVA."));
        }

        findings.AddRange(CheckDns(topology, host, host.RouteTable));
        findings.AddRange(CheckLearnedRoutes(host));
        return findings;
    }

    private static IEnumerable<Finding> CheckServices(ClusterTopology topology, HostNetwork host, RouteTableSnapshot table)
    {
        var through = new List<(string Tag, string What, RouteInfo Route, string Nva)>();
        foreach (var (tag, what) in Dependencies)
        {
            foreach (var route in RoutesTo(table, tag).Where(r => r.IsVirtualAppliance))
            {
                if (topology.TryFindSlotByIp(route.NextHopIpAddress, out var nva, out _))
                {
                    through.Add((tag, what, route, nva.Name));
                }
                else
                {
                    yield return new Finding(FindingSeverity.Warning, host.SubnetId,
                        $"the host's traffic to {what} passes through the appliance at {route.NextHopIpAddress} (route '{route.Name}' of {table.Id}), which is no NVA of cluster {topology.Cluster}; make sure that appliance does not depend on this cluster.");
                }
            }
        }

        if (through.Count == 0)
        {
            yield return new Finding(FindingSeverity.Info, host.SubnetId,
                $"the host's traffic to Azure Resource Manager, Entra ID, Storage and Azure Monitor leaves through route table {table.Id} through no NVA.");
            yield break;
        }

        // One fix for all of them: a route per service tag to Internet is more specific than AzureCloud, the split
        // defaults and the default route, so it takes that service's traffic around the NVAs.
        var tags = through.Select(t => t.Tag).Distinct().ToList();
        var fix = $"Add to route table {table.Id} a route per service tag with next hop Internet: {string.Join(", ", tags.Select(t => $"{t} -> Internet"))} (or give the host's subnet a route table that does not send Azure's traffic through the cluster's NVAs). NvaFailover never moves those routes.";
        foreach (var group in through.GroupBy(t => t.Tag))
        {
            var first = group.First();
            var routes = string.Join(" and ", group.Select(g => $"'{g.Route.Name}' ({g.Route.AddressPrefix} -> {g.Route.NextHopIpAddress}, NVA {g.Nva})"));
            yield return new Finding(FindingSeverity.Error, host.SubnetId,
                $"the failover host's traffic to {first.What} leaves subnet {host.SubnetId} through route {routes} of cluster {topology.Cluster}: when that NVA dies, NvaFailover loses {first.Tag} and cannot fail over. {fix}");
        }
    }

    private static IEnumerable<Finding> CheckDns(ClusterTopology topology, HostNetwork host, RouteTableSnapshot? table)
    {
        foreach (var server in host.VirtualNetwork?.DnsServers ?? [])
        {
            if (!IPAddress.TryParse(server, out var ip) || server == AzureDns)
            {
                continue;
            }

            if (topology.TryFindSlotByIp(server, out var dnsNva, out _))
            {
                yield return new Finding(FindingSeverity.Error, host.SubnetId,
                    $"the virtual network's DNS server {server} is NVA {dnsNva.Name} of cluster {topology.Cluster}: when it dies, the host resolves no name (Azure's included) and cannot fail over. Use Azure DNS (no custom DNS servers) or a DNS server that is none of the cluster's NVAs, for the host's virtual network.");
                continue;
            }

            if (table is null || RouteTo(table, ip) is not { IsVirtualAppliance: true } route || !topology.TryFindSlotByIp(route.NextHopIpAddress, out var nva, out _))
            {
                continue;
            }

            // A public DNS server follows the route; a private one may be reached by a more specific route of the virtual
            // network itself or of a peering, which a route table does not show.
            var isPrivate = IsPrivate(ip);
            var prefixLength = Cidr.Parse(route.AddressPrefix!).Length;
            var certain = !isPrivate || prefixLength > 16;
            yield return new Finding(certain ? FindingSeverity.Error : FindingSeverity.Warning, host.SubnetId,
                $"the host reaches its DNS server {server} through route '{route.Name}' ({route.AddressPrefix} -> {route.NextHopIpAddress}) of {table.Id}, which is NVA {nva.Name} of cluster {topology.Cluster}{(certain ? "" : ", unless a route of the virtual network or a peering is more specific (the subnet's effective routes tell)")}: when it dies, the host resolves no name and cannot fail over. Take {server} out of that route (a more specific route {server}/32 to that table, with a next hop that avoids the cluster's NVAs{(isPrivate ? "" : ": Internet")}), or use Azure DNS.");
        }
    }

    private static IEnumerable<Finding> CheckLearnedRoutes(HostNetwork host)
    {
        var gateways = (host.VirtualNetwork?.SubnetNames ?? [])
            .Where(n => n.Equals("GatewaySubnet", StringComparison.OrdinalIgnoreCase) || n.Equals("RouteServerSubnet", StringComparison.OrdinalIgnoreCase)).ToList();
        if (gateways.Count > 0 && host.RouteTable is not { DisableBgpRoutePropagation: true })
        {
            yield return new Finding(FindingSeverity.Warning, host.SubnetId,
                $"the host's virtual network has a {string.Join(" and a ", gateways)} and the host's subnet takes routes learned over BGP: a learned route more specific than its route table's could send the host's traffic through an NVA, which no route table shows. Set 'Propagate gateway routes' to No (disableBgpRoutePropagation) on the host subnet's route table{(host.RouteTable is null ? " (give the subnet one)" : "")}.");
        }
    }

    private static bool IsTag(string? prefix, string tag) =>
        prefix is not null && (prefix.Equals(tag, StringComparison.OrdinalIgnoreCase) || prefix.StartsWith(tag + ".", StringComparison.OrdinalIgnoreCase));

    private static bool IsPrivate(IPAddress ip)
    {
        if (ip.AddressFamily != AddressFamily.InterNetwork)
        {
            return ip.IsIPv6UniqueLocal || ip.IsIPv6LinkLocal;
        }

        var b = ip.GetAddressBytes();
        return b[0] == 10 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168) || (b[0] == 100 && b[1] is >= 64 and <= 127);
    }

    /// <summary>An IPv4 or IPv6 CIDR block.</summary>
    private readonly record struct Cidr(IPAddress Network, int Length)
    {
        /// <summary>The first bit of the block (0 or 1): which half of the address space a /1 covers.</summary>
        public int FirstBit => Network.GetAddressBytes()[0] >> 7;

        public static bool TryParse(string? text, out Cidr cidr)
        {
            cidr = default;
            var slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
            if (slash <= 0 || !IPAddress.TryParse(text![..slash], out var network) || !int.TryParse(text[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture, out var length)
                || length < 0 || length > (network.AddressFamily == AddressFamily.InterNetwork ? 32 : 128))
            {
                return false;
            }

            cidr = new Cidr(network, length);
            return true;
        }

        public static Cidr Parse(string text) => TryParse(text, out var cidr) ? cidr : throw new FormatException($"'{text}' is not a CIDR block");

        public bool Contains(IPAddress ip)
        {
            if (ip.AddressFamily != Network.AddressFamily)
            {
                return false;
            }

            var (a, b) = (Network.GetAddressBytes(), ip.GetAddressBytes());
            for (var bit = 0; bit < Length; bit++)
            {
                var mask = 0x80 >> (bit % 8);
                if ((a[bit / 8] & mask) != (b[bit / 8] & mask))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
