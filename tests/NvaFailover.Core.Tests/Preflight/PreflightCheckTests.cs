using Microsoft.Extensions.DependencyInjection;
using NvaFailover.Ports;
using NvaFailover.Preflight;
using NvaFailover.Tests.Fakes;
using NvaFailover.Topology;
using static NvaFailover.Tests.Fakes.World;

namespace NvaFailover.Tests.Preflight;

public sealed class PreflightCheckTests
{
    private const string HostVnet = $"/subscriptions/{Sub}/resourceGroups/rg-host/providers/Microsoft.Network/virtualNetworks/vnet-host";
    private const string HostSubnet = $"{HostVnet}/subnets/functions";

    private static Task<IReadOnlyList<Finding>> CheckAsync(World world) =>
        world.Services().GetRequiredService<PreflightCheck>().RunAsync();

    /// <summary>The host's subnet, using a route table (tagged for no cluster) with these routes.</summary>
    private static void HostSubnetRoutes(World world, params RouteInfo[] routes)
    {
        world.AddTable("rt-host", null, Sub, routes);
        world.Azure.Subnets[HostSubnet] = new SubnetSnapshot(HostSubnet, Rt("rt-host"));
        world.Settings["NvaFailover:HostSubnetId"] = HostSubnet;
    }

    [Fact]
    public async Task Check_HealthyEdgePair_NoErrorsAndEachScopeAsked()
    {
        var world = EdgePair();

        var findings = await CheckAsync(world);

        Assert.DoesNotContain(findings, f => f.Severity == FindingSeverity.Error);
        Assert.Contains($"ACCESS Subscription /subscriptions/{Sub}", world.Azure.Calls);
        Assert.Contains($"ACCESS ResourceGroup /subscriptions/{Sub}/resourceGroups/rg-nva", world.Azure.Calls);
        Assert.Contains($"ACCESS ResourceGroup /subscriptions/{Sub}/resourceGroups/rg-spoke", world.Azure.Calls);
        Assert.Equal(0, world.Azure.Writes);
    }

    [Fact]
    public async Task Check_MistypedVmId_RootCauseIsTheErrorAndNoKnockOnFindingAdvisesAChangeToProduction()
    {
        // The active NVA's id is mistyped: its routes and public IP then point at "no NVA". The advice must be to fix the
        // id, never to re-point the routes or detach the production public IP.
        var world = EdgePair();
        world.Settings["NvaFailover:Clusters:0:Nvas:0:VirtualMachineId"] = Vm("edge-a-typo");

        var findings = await CheckAsync(world);

        var root = Assert.Single(findings, f => f.ResourceId == Vm("edge-a-typo"));
        Assert.Equal(FindingSeverity.Error, root.Severity);
        Assert.Contains("Nvas:0:VirtualMachineId", root.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(findings, f => f.Message.Contains("point it at", StringComparison.Ordinal) || f.Message.Contains("point their routes", StringComparison.Ordinal)
            || f.Message.Contains("Detach it", StringComparison.Ordinal));
        Assert.All(findings.Where(f => f.ResourceId.Contains("/routeTables/", StringComparison.Ordinal) || f.ResourceId == Pip("pip-edge")),
            f => Assert.Contains("NVA edge-a-typo could not be discovered", f.Message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(GatewayFailure.Unreachable, "could not be reached from this host", "permission")]
    [InlineData(GatewayFailure.Forbidden, "lacks a permission", "network path")]
    public async Task Check_VmUnreadable_AdviceMatchesTheCause(GatewayFailure failure, string advice, string notAdvice)
    {
        var world = EdgePair();
        world.Azure.VmReadFaults[Vm("edge-b")] = new GatewayException(failure, Vm("edge-b"), null, "the request failed");

        var findings = await CheckAsync(world);

        var root = Assert.Single(findings, f => f.ResourceId == Vm("edge-b"));
        Assert.Contains(advice, root.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(notAdvice, root.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_TagQueryRefused_AnErrorForTheClusterNotACrash()
    {
        var world = EdgePair();
        world.Azure.TagQueryFault = new GatewayException(GatewayFailure.Forbidden, $"/subscriptions/{Sub}", "AuthorizationFailed", "the request failed");

        var findings = await CheckAsync(world);

        var error = Assert.Single(findings, f => f.Message.Contains("could not be listed and none are known yet", StringComparison.Ordinal));
        Assert.Equal(FindingSeverity.Error, error.Severity);
        Assert.Contains("cluster edge", error.Message, StringComparison.Ordinal);
        Assert.Contains("lacks a permission", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_MicrosoftAppNotRegisteredWhereTheHostSubnetIs_ErrorWithTheRegisterCommand()
    {
        var world = EdgePair();
        HostSubnetRoutes(world, HostServices.Select(ToInternet).ToArray());
        world.Azure.ProviderStates["Microsoft.App"] = "NotRegistered";

        var findings = await CheckAsync(world);

        var error = Assert.Single(findings, f => f.Severity == FindingSeverity.Error);
        Assert.Equal($"/subscriptions/{Sub}", error.ResourceId);
        Assert.Contains($"az provider register --namespace Microsoft.App --subscription {Sub} --wait", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_NoHostSubnet_ProviderNotAsked()
    {
        var world = EdgePair();
        world.Azure.ProviderStates["Microsoft.App"] = "NotRegistered";

        var findings = await CheckAsync(world);

        Assert.DoesNotContain(findings, f => f.Severity == FindingSeverity.Error);
        Assert.DoesNotContain("GET providers Microsoft.App", world.Azure.Calls);
    }

    [Fact]
    public async Task Check_MissingPermission_ErrorNamingTheActionTheScopeAndTheRole()
    {
        var world = EdgePair();
        world.Azure.MissingActions[AccessScope.ResourceGroup] = ["Microsoft.Network/routeTables/write"];

        var findings = await CheckAsync(world);

        Assert.Contains(findings, f => f.Severity == FindingSeverity.Error && f.ResourceId.EndsWith("/resourceGroups/rg-spoke", StringComparison.Ordinal)
            && f.Message.Contains("Microsoft.Network/routeTables/write", StringComparison.Ordinal) && f.Message.Contains("operator role", StringComparison.Ordinal));
    }

    private static readonly string[] HostServices = ["AzureResourceManager", "AzureActiveDirectory", "Storage", "AzureMonitor"];

    private static RouteInfo ToInternet(string tag) => new($"to-{tag}", tag, "Internet", null);

    [Fact]
    public async Task Check_HostDefaultRouteThroughTheActiveNva_AnErrorPerServiceWithOneCompleteFix()
    {
        var world = EdgePair();
        HostSubnetRoutes(world, Va("default", "0.0.0.0/0", "172.20.1.4"));

        var findings = await CheckAsync(world);

        var errors = findings.Where(f => f.Severity == FindingSeverity.Error && f.ResourceId == HostSubnet).ToList();
        Assert.Equal(4, errors.Count);
        Assert.All(errors, e => Assert.Contains("NVA edge-a", e.Message, StringComparison.Ordinal));
        // The fix each one suggests is complete: every service tag the host needs, so applying it clears every error.
        Assert.All(errors, e => Assert.All(HostServices, tag => Assert.Contains($"{tag} -> Internet", e.Message, StringComparison.Ordinal)));
        Assert.Contains($"ACCESS HostNetwork /subscriptions/{Sub}/resourceGroups/rg-host", world.Azure.Calls);
    }

    [Theory]
    [InlineData("AzureResourceManager", "Azure Resource Manager")]
    [InlineData("AzureActiveDirectory", "Entra ID")]
    [InlineData("Storage", "Azure Storage")]
    [InlineData("AzureMonitor", "Azure Monitor")]
    public async Task Check_OneServiceStillThroughTheNva_ErrorNamingThatServiceOnly(string missingTag, string service)
    {
        var world = EdgePair();
        HostSubnetRoutes(world, [Va("default", "0.0.0.0/0", "172.20.1.4"), .. HostServices.Where(t => t != missingTag).Select(ToInternet)]);

        var findings = await CheckAsync(world);

        var error = Assert.Single(findings, f => f.Severity == FindingSeverity.Error && f.ResourceId == HostSubnet);
        Assert.Contains(service, error.Message, StringComparison.Ordinal);
        Assert.Contains($"{missingTag} -> Internet", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_EveryServiceByItsTagRoute_NoErrorEvenWithADefaultRouteThroughTheNva()
    {
        var world = EdgePair();
        HostSubnetRoutes(world, [Va("default", "0.0.0.0/0", "172.20.1.4"), .. HostServices.Select(ToInternet)]);

        var findings = await CheckAsync(world);

        Assert.DoesNotContain(findings, f => f.Severity == FindingSeverity.Error);
        Assert.Contains(findings, f => f.ResourceId == HostSubnet && f.Message.Contains("through no NVA", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Check_SplitDefaultRoutesThroughTheNva_ErrorsLikeADefaultRoute_AndAzureCloudRouteFixesThem()
    {
        var world = EdgePair();
        HostSubnetRoutes(world, Va("low", "0.0.0.0/1", "172.20.1.4"), Va("high", "128.0.0.0/1", "172.20.1.4"), new RouteInfo("default", "0.0.0.0/0", "Internet", null));
        var split = await CheckAsync(world);

        var fixedWorld = EdgePair();
        HostSubnetRoutes(fixedWorld, Va("low", "0.0.0.0/1", "172.20.1.4"), Va("high", "128.0.0.0/1", "172.20.1.4"), new RouteInfo("azure", "AzureCloud", "Internet", null));
        var covered = await CheckAsync(fixedWorld);

        Assert.Equal(4, split.Count(f => f.Severity == FindingSeverity.Error && f.ResourceId == HostSubnet && f.Message.Contains("'low'", StringComparison.Ordinal)));
        Assert.DoesNotContain(covered, f => f.Severity == FindingSeverity.Error);
    }

    [Fact]
    public async Task Check_VnetDnsServerIsAnNva_Error()
    {
        var world = EdgePair();
        HostSubnetRoutes(world, HostServices.Select(ToInternet).ToArray());
        world.Azure.VirtualNetworks[HostVnet] = new VirtualNetworkSnapshot(HostVnet, ["172.20.1.4"], ["functions"]);

        var findings = await CheckAsync(world);

        var error = Assert.Single(findings, f => f.Severity == FindingSeverity.Error);
        Assert.Contains("DNS server 172.20.1.4 is NVA edge-a", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_VnetDnsServerReachedThroughAnNva_ErrorWithA32RouteFix()
    {
        var world = EdgePair();
        HostSubnetRoutes(world, [.. HostServices.Select(ToInternet), Va("dns", "10.60.0.0/24", "172.20.1.5")]);
        world.Azure.VirtualNetworks[HostVnet] = new VirtualNetworkSnapshot(HostVnet, ["10.60.0.4"], ["functions"]);

        var findings = await CheckAsync(world);

        var error = Assert.Single(findings, f => f.Severity == FindingSeverity.Error);
        Assert.Contains("DNS server 10.60.0.4 through route 'dns'", error.Message, StringComparison.Ordinal);
        Assert.Contains("NVA edge-b", error.Message, StringComparison.Ordinal);
        Assert.Contains("10.60.0.4/32", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_GatewayInTheHostVnetWithPropagation_WarnsOfLearnedRoutes_UnlessPropagationIsOff()
    {
        var world = EdgePair();
        HostSubnetRoutes(world, HostServices.Select(ToInternet).ToArray());
        world.Azure.VirtualNetworks[HostVnet] = new VirtualNetworkSnapshot(HostVnet, [], ["functions", "GatewaySubnet"]);
        var propagating = await CheckAsync(world);
        world.Azure.Tables[Rt("rt-host")] = world.Azure.Tables[Rt("rt-host")] with { DisableBgpRoutePropagation = true };
        var off = await CheckAsync(world);

        Assert.Contains(propagating, f => f.Severity == FindingSeverity.Warning && f.Message.Contains("routes learned over BGP", StringComparison.Ordinal) && f.Message.Contains("GatewaySubnet", StringComparison.Ordinal));
        Assert.DoesNotContain(off, f => f.Message.Contains("routes learned over BGP", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Check_HostRouteInAManagedTable_PlannerLeavesItAlone()
    {
        var world = EdgePair();
        world.Azure.Subnets[HostSubnet] = new SubnetSnapshot(HostSubnet, Rt("rt-apps"));
        world.Settings["NvaFailover:HostSubnetId"] = HostSubnet;
        world.Azure.SetPower(Vm("edge-a"), PowerState.Stopped);

        var report = await world.RoundAsync(world.Monitor());

        // rt-apps 'default' (0.0.0.0/0) is the host's way to ARM: it stays where it is; the other routes move.
        Assert.Equal("172.20.1.4", world.Azure.NextHop(Rt("rt-apps"), "default"));
        Assert.Equal("172.20.1.5", world.Azure.NextHop(Rt("rt-db"), "default"));
        Assert.Contains(report.Findings, f => f.Severity == FindingSeverity.Error && f.ResourceId == HostSubnet);
    }

    [Fact]
    public async Task Check_NextHopIpsMatchingNoNic_ErrorBeforeAnOutage()
    {
        var world = EdgePair();
        world.Settings["NvaFailover:Clusters:0:Nvas:0:NextHopIps:0"] = "172.20.1.4";
        world.Settings["NvaFailover:Clusters:0:Nvas:1:NextHopIps:0"] = "172.20.9.9";

        var findings = await CheckAsync(world);

        Assert.Contains(findings, f => f.Severity == FindingSeverity.Error && f.Message.Contains("172.20.9.9", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Check_PublicIpThatCannotFollowAcrossRegions_ErrorNamingTheTarget()
    {
        var world = new World();
        world.AddNva("edge-a", "eastus2", [("edge-a-outside", "172.20.0.4")]);
        world.AddNva("edge-b", "westeurope", [("edge-b-outside", "10.2.0.4")]);
        world.AddPublicIp("pip-edge", "eastus2", IpConfig("edge-a-outside"));
        world.AddTable("rt-apps", "edge", Va("default", "0.0.0.0/0", "172.20.0.4"));
        world.Cluster(0, "edge", "edge", ["edge-a", "edge-b"]);
        world.Settings["NvaFailover:Clusters:0:PublicIpAddressIds:0"] = Pip("pip-edge");

        var findings = await CheckAsync(world);

        Assert.Contains(findings, f => f.ResourceId == Pip("pip-edge") && f.Message.Contains("on a failover to edge-b", StringComparison.Ordinal));
    }
}
