using NvaFailover.Planning;
using NvaFailover.Ports;
using NvaFailover.Probing;
using NvaFailover.Resources;
using NvaFailover.Settings;
using NvaFailover.Topology;
using NvaFailover.Verification;

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
    private readonly DataPlaneVerifier _dataPlane;

    internal PreflightCheck(NvaFailoverOptions options, TopologyCache topologies, IAccessGateway access, DataPlaneVerifier dataPlane)
    {
        _options = options;
        _topologies = topologies;
        _access = access;
        _dataPlane = dataPlane;
    }

    /// <summary>Runs every check; findings are ordered errors first.</summary>
    public async Task<IReadOnlyList<Finding>> RunAsync(CancellationToken cancellationToken = default)
    {
        var findings = new List<Finding>();
        var scopes = new SortedDictionary<string, AccessScope>(ArmId.Comparer);
        foreach (var cluster in _options.Clusters)
        {
            ClusterTopology topology;
            try
            {
                topology = await _topologies.RefreshAsync(cluster, cancellationToken);
            }
            catch (GatewayException ex)
            {
                // The cluster's route tables could not even be listed: say so, and check the others.
                findings.Add(new Finding(FindingSeverity.Error, ex.ResourceId, $"cluster {cluster.Name}: {ex.Message}"));
                continue;
            }

            findings.AddRange(topology.Findings);
            findings.AddRange(CheckRoutes(topology));
            findings.AddRange(CheckTargets(topology, cluster));
            if (cluster.Verification == VerificationMode.EffectiveRoutes)
            {
                findings.AddRange(await _dataPlane.InspectAsync(topology, cancellationToken));
            }

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

        foreach (var finding in CheckProbeKind(topology, cluster))
        {
            yield return finding;
        }
    }

    /// <summary>
    /// What the probe kind cannot see, and, for forwarding probes, that each one's path really runs through its own NVA:
    /// the host subnet's route table sends the endpoint's address to that NVA's interface.
    /// </summary>
    private static IEnumerable<Finding> CheckProbeKind(ClusterTopology topology, ClusterOptions cluster)
    {
        var scope = $"cluster {cluster.Name}";
        const string Configure = "set Probe:Kind Forwarding with a ForwardingProbeEndpoint per NVA: an address behind the NVA that the host subnet's route table sends through it (docs/forwarding-probe.md)";
        var forwarding = cluster.Nvas.Where(n => n.ForwardingProbeEndpoint is not null).ToList();
        if (forwarding.Count == 0 || cluster.Probe.Kind is not (ProbeKind.Forwarding or ProbeKind.All))
        {
            yield return cluster.Probe.Kind == ProbeKind.VmPowerState
                ? new Finding(FindingSeverity.Warning, scope,
                    $"probes only the VMs' power state: an appliance that hangs or stops forwarding while its VM runs is invisible to it, and traffic stays on it. To see it, {Configure}.")
                : new Finding(FindingSeverity.Info, scope,
                    $"probes the VMs and a port on each NVA: an appliance whose port answers while it forwards nothing (a hung dataplane) is invisible to it. To see it, {Configure}.");
            yield break;
        }

        if (topology.Host is not { } host)
        {
            yield return new Finding(FindingSeverity.Warning, scope,
                "cannot verify the forwarding probes' paths: HostSubnetId is not set, so which NVA each probe passes through is not known; set HostSubnetId to the subnet the host's traffic leaves from.");
            yield break;
        }

        foreach (var nva in forwarding)
        {
            var endpoint = nva.ForwardingProbeEndpoint!;
            var target = topology.FindNva(nva.Name);
            if (endpoint.HostRoute is not { } prefix || !System.Net.IPAddress.TryParse(prefix.Split('/')[0], out var address))
            {
                yield return new Finding(FindingSeverity.Info, scope,
                    $"{nva.Name}'s ForwardingProbeEndpoint {endpoint} names a host, not an address, so its path through {nva.Name} cannot be verified here; use the address, or make sure the host subnet's route table sends it to {nva.Name}.");
                continue;
            }

            if (System.Net.IPAddress.IsLoopback(address))
            {
                yield return new Finding(FindingSeverity.Info, scope,
                    $"{nva.Name}'s ForwardingProbeEndpoint {endpoint} is a loopback address (a rehearsal's emulated canary), which no route can send through an NVA; its path is not checked.");
                continue;
            }

            var expected = target is null ? "" : string.Join(" or ", target.Slots.Select(s => s.IpAddress));
            var fix = $"add the route {prefix} -> VirtualAppliance {(expected.Length > 0 ? expected : $"{nva.Name}'s interface IP")} to the host subnet's route table (infra parameter forwardingProbeRoutes does it)";
            var route = host.RouteTable is { } table ? HostEgress.RouteTo(table, address) : null;
            if (route is not { IsVirtualAppliance: true })
            {
                yield return new Finding(FindingSeverity.Error, host.RouteTable?.Id ?? host.SubnetId,
                    $"{nva.Name}'s forwarding probe ({endpoint}) passes through no NVA: {(route is null ? "no route of the host subnet covers it" : $"route '{route.Name}' ({route.AddressPrefix}) sends it to {route.NextHopType}")}, so it would answer even when {nva.Name} forwards nothing; {fix}.");
            }
            else if (target is not null && target.Slots.All(s => s.IpAddress != route.NextHopIpAddress))
            {
                var other = topology.TryFindSlotByIp(route.NextHopIpAddress, out var owner, out _) ? owner.Name : route.NextHopIpAddress;
                yield return new Finding(FindingSeverity.Error, host.RouteTable!.Id,
                    $"{nva.Name}'s forwarding probe ({endpoint}) passes through {other}, not {nva.Name}: route '{route.Name}' ({route.AddressPrefix}) points at {route.NextHopIpAddress}, so the probe would judge the wrong appliance; {fix}.");
            }
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
