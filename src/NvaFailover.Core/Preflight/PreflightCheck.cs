using NvaFailover.Planning;
using NvaFailover.Ports;
using NvaFailover.Probing;
using NvaFailover.Resources;
using NvaFailover.Settings;
using NvaFailover.Topology;

namespace NvaFailover.Preflight;

/// <summary>
/// Everything that would stop a failover from being complete, found before one is needed: unreadable resources,
/// missing permissions, clusters without tagged tables, routes no NVA owns, mismatched slots, NICs without IP
/// forwarding, public IPs that cannot follow the standby, and a host whose own way to Azure passes through an NVA.
/// Reads only.
/// </summary>
public sealed class PreflightCheck
{
    private readonly NvaFailoverOptions _options;
    private readonly TopologyCache _topologies;
    private readonly IAccessGateway _access;

    internal PreflightCheck(NvaFailoverOptions options, TopologyCache topologies, IAccessGateway access)
    {
        _options = options;
        _topologies = topologies;
        _access = access;
    }

    /// <summary>Runs every check; findings are ordered errors first.</summary>
    public async Task<IReadOnlyList<Finding>> RunAsync(CancellationToken cancellationToken = default)
    {
        var findings = new List<Finding>();
        var scopes = new SortedDictionary<string, AccessScope>(ArmId.Comparer);
        foreach (var cluster in _options.Clusters)
        {
            var topology = await _topologies.RefreshAsync(cluster, cancellationToken);
            findings.AddRange(topology.Findings);
            findings.AddRange(CheckRoutes(topology));
            findings.AddRange(CheckTargets(topology, cluster));
            foreach (var id in cluster.Nvas.Select(n => n.VirtualMachineId)
                .Concat(topology.Nvas.SelectMany(n => n.NetworkInterfaces).Select(n => n.Id))
                .Concat(topology.RouteTables.Select(t => t.Id))
                .Concat(cluster.PublicIpAddressIds))
            {
                if (ArmId.SubscriptionId(id) is { } sub && ArmId.ResourceGroup(id) is { } group)
                {
                    scopes[$"/subscriptions/{sub}"] = AccessScope.Subscription;
                    scopes[$"/subscriptions/{sub}/resourceGroups/{group}"] = AccessScope.ResourceGroup;
                }
            }
        }

        if (_options.HostSubnetId is { } subnet && ArmId.SubscriptionId(subnet) is { } hostSub && ArmId.ResourceGroup(subnet) is { } hostGroup)
        {
            scopes.TryAdd($"/subscriptions/{hostSub}/resourceGroups/{hostGroup}", AccessScope.HostNetwork);
        }

        foreach (var (scope, kind) in scopes)
        {
            findings.AddRange(await CheckAccessAsync(scope, kind, cancellationToken));
        }

        if (_options.HostSubnetId is { } hostSubnet && ArmId.SubscriptionId(hostSubnet) is { } subnetSubscription)
        {
            findings.AddRange(await CheckVnetIntegrationProviderAsync(subnetSubscription, cancellationToken));
        }

        return TopologyDiscovery.Order(findings);
    }

    private static IEnumerable<Finding> CheckRoutes(ClusterTopology topology)
    {
        var managed = 0;
        foreach (var table in topology.RouteTables)
        {
            foreach (var route in table.Routes.Where(r => r.IsVirtualAppliance))
            {
                if (topology.TryFindSlotByIp(route.NextHopIpAddress, out _, out _))
                {
                    managed++;
                    continue;
                }

                yield return new Finding(FindingSeverity.Warning, table.Id, topology.UndiscoveredCause() is { } cause
                    ? $"route '{route.Name}' ({route.AddressPrefix}) points at {route.NextHopIpAddress}, which is no interface of the NVAs that could be read; {cause}."
                    : $"route '{route.Name}' ({route.AddressPrefix}) points at {route.NextHopIpAddress}, which is no interface of cluster {topology.Cluster}'s NVAs, so it will never be moved. If it should follow the active NVA, point it at one of {string.Join(", ", topology.Nvas.SelectMany(n => n.Slots).Select(s => s.IpAddress).Distinct())}.");
            }
        }

        if (topology.RouteTables.Count > 0 && managed == 0)
        {
            yield return new Finding(FindingSeverity.Error, $"cluster {topology.Cluster}", topology.UndiscoveredCause() is { } cause
                ? $"the tagged route tables have no VirtualAppliance route to an NVA that could be read; {cause}."
                : $"the tagged route tables have no VirtualAppliance route to an NVA of this cluster ({string.Join(", ", topology.Nvas.SelectMany(n => n.Slots).Select(s => $"{s.IpAddress}"))}), so a failover would change nothing and the cluster never fails over; point their routes at the active NVA's interface IPs (or correct NextHopIps).");
        }
    }

    /// <summary>What a failover to each other NVA would leave behind (public IPs that cannot follow, slots it lacks).</summary>
    private static IEnumerable<Finding> CheckTargets(ClusterTopology topology, ClusterOptions cluster)
    {
        var active = topology.ActiveNva();
        foreach (var nva in topology.Nvas.Where(n => n.Name != active && n.Slots.Count > 0))
        {
            foreach (var finding in FailoverPlanner.Plan(topology, nva.Name).NotMoved)
            {
                yield return finding with { Message = $"on a failover to {nva.Name}: {finding.Message}" };
            }
        }

        foreach (var pip in topology.PublicIps.Where(p => string.Equals(p.Sku, "Basic", StringComparison.OrdinalIgnoreCase)))
        {
            yield return new Finding(FindingSeverity.Warning, pip.Id, "is a Basic SKU public IP; Azure retired Basic public IPs on 2025-09-30. Upgrade it to Standard (its address is kept when it is upgraded while static).");
        }

        if (cluster.Probe.Kind == ProbeKind.VmPowerState)
        {
            yield return new Finding(FindingSeverity.Info, $"cluster {cluster.Name}",
                "probes only the VMs' power state, which misses a hung appliance; consider Probe:Kind All with Probe:Port (or a ProbeEndpoint per NVA).");
        }
    }

    /// <summary>
    /// Flex Consumption's VNet integration needs the Microsoft.App resource provider, and ARM registers it only for
    /// templates that create a Microsoft.App resource (infra/ creates none): checked in the integration subnet's subscription.
    /// </summary>
    private async Task<IEnumerable<Finding>> CheckVnetIntegrationProviderAsync(string subscriptionId, CancellationToken cancellationToken)
    {
        const string Provider = "Microsoft.App";
        var scope = $"/subscriptions/{subscriptionId}";
        var register = $"az provider register --namespace {Provider} --subscription {subscriptionId} --wait";
        try
        {
            var state = await _access.GetProviderRegistrationStateAsync(subscriptionId, Provider, cancellationToken);
            return string.Equals(state, "Registered", StringComparison.OrdinalIgnoreCase)
                ? []
                : [new Finding(FindingSeverity.Error, scope,
                    $"the resource provider {Provider} is {state ?? "not known"} in the subscription of HostSubnetId; the Function App's VNet integration needs it (a deployment fails without it). Register it: {register}")];
        }
        catch (GatewayException ex)
        {
            return [new Finding(FindingSeverity.Warning, scope,
                $"could not read whether the resource provider {Provider} is registered here ({ex.Message}); the Function App's VNet integration needs it. Check it by hand (az provider show --namespace {Provider} --subscription {subscriptionId} --query registrationState), and if it is not Registered: {register}")];
        }
    }

    private async Task<IEnumerable<Finding>> CheckAccessAsync(string scope, AccessScope kind, CancellationToken cancellationToken)
    {
        try
        {
            var missing = await _access.FindMissingActionsAsync(scope, kind, cancellationToken);
            var role = kind switch
            {
                AccessScope.Subscription => "discovery",
                AccessScope.HostNetwork => "host network reader",
                _ => "operator",
            };
            return missing.Count == 0
                ? []
                : [new Finding(FindingSeverity.Error, scope,
                    $"the identity lacks {string.Join(", ", missing)} here; assign NvaFailover's {role} role (infra/role-actions.json) at this scope.")];
        }
        catch (GatewayException ex)
        {
            return [new Finding(FindingSeverity.Warning, scope, $"could not read the identity's permissions here ({ex.Message}); check them by hand against infra/role-actions.json.")];
        }
    }
}
