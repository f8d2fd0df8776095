using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using NvaFailover.Emulator;
using NvaFailover.Ports;
using static NvaFailover.Azure.Tests.AdapterHarness;

namespace NvaFailover.Azure.Tests;

public sealed class NetworkGatewayTests
{
    private static JsonObject Dumped(ArmEmulator emulator, string collection, string id) =>
        (JsonObject)emulator.Dump()[collection]!.AsArray().Single(r => r!["id"]!.GetValue<string>() == id)!;

    [Fact]
    public async Task FindTagged_ConfiguredSubscriptions_SearchesEach()
    {
        await using var h = await StartAsync();

        var both = await h.RouteTables.FindTaggedAsync([Sub, Sub2], "nva_ha_udr", "fw");
        var first = await h.RouteTables.FindTaggedAsync([Sub], "nva_ha_udr", "fw");

        Assert.Equal([RouteTable(), RouteTable("rt-spoke2", "rg-spoke2", Sub2)], both);
        Assert.Equal([RouteTable()], first);
    }

    [Fact]
    public async Task FindTagged_NoSubscriptionsConfigured_EverySubscriptionTheIdentitySees()
    {
        await using var h = await StartAsync();

        var found = await h.RouteTables.FindTaggedAsync([], "nva_ha_udr", "fw");

        Assert.Equal(2, found.Count);
        Assert.Contains(h.Emulator.Requests, r => r.Operation == "GET subscriptions");
    }

    [Fact]
    public async Task FindTagged_ManyPages_FollowsNextLink()
    {
        await using var h = await StartAsync(emulatorOptions: new EmulatorOptions { PageSize = 1 });

        var found = await h.RouteTables.FindTaggedAsync([Sub, Sub2], "nva_ha_udr", "fw");

        Assert.Equal(2, found.Count);
    }

    [Fact]
    public async Task GetRouteTable_SnapshotWithTagsRoutesAndETag()
    {
        await using var h = await StartAsync();

        var table = await h.RouteTables.GetAsync(RouteTable());
        var missing = await h.RouteTables.GetAsync(RouteTable("rt-missing"));

        Assert.NotNull(table);
        Assert.Equal("fw", table.Tags["nva_ha_udr"]);
        Assert.Equal(new RouteInfo("default", "0.0.0.0/0", "VirtualAppliance", "10.10.0.4"), table.Routes[0]);
        Assert.StartsWith("W/\"", table.ETag, StringComparison.Ordinal);
        Assert.Null(missing);
    }

    [Fact]
    public async Task SetNextHops_ChangesOnlyTheNextHop_EveryOtherPropertySurvives()
    {
        await using var h = await StartAsync();
        var before = Dumped(h.Emulator, "routeTables", RouteTable());
        var table = await h.RouteTables.GetAsync(RouteTable());

        var result = await h.RouteTables.SetNextHopsAsync(table!, new Dictionary<string, string> { ["default"] = "10.10.0.5" });

        Assert.Equal(WriteStatus.Succeeded, result.Status);
        Assert.Equal("10.10.0.5", result.Resource!.Routes[0].NextHopIpAddress);
        Assert.NotEqual(table!.ETag, result.Resource.ETag);
        var after = Dumped(h.Emulator, "routeTables", RouteTable());
        before["routes"]![0]!["nextHopIpAddress"] = "10.10.0.5";
        Assert.Equal(before.ToJsonString(), after.ToJsonString());
        Assert.All(h.Emulator.Requests.Where(r => r.Method == "PUT"), r => Assert.True(r.IfMatch));
    }

    [Fact]
    public async Task SetPublicIps_DetachAndAttach_NsgAsgDnsForwardingTagsAndUnknownPropertiesSurvive()
    {
        await using var h = await StartAsync();
        var nicId = Id("networkInterfaces", "fw-a-untrust");
        var before = Dumped(h.Emulator, "networkInterfaces", nicId);
        var nic = await h.Nics.GetAsync(nicId);

        var detached = await h.Nics.SetPublicIpAddressesAsync(nic!, new Dictionary<string, string?> { ["ipconfig-untrust"] = null });
        var attached = await h.Nics.SetPublicIpAddressesAsync(detached.Resource!, new Dictionary<string, string?> { ["ipconfig-untrust"] = Id("publicIPAddresses", "pip-fw") });

        Assert.Equal((WriteStatus.Succeeded, WriteStatus.Succeeded), (detached.Status, attached.Status));
        Assert.Null(detached.Resource!.IpConfigurations[0].PublicIpAddressId);
        Assert.Equal(before.ToJsonString(), Dumped(h.Emulator, "networkInterfaces", nicId).ToJsonString());
    }

    [Fact]
    public async Task SetNextHops_StaleETag_IsAConflict()
    {
        await using var h = await StartAsync();
        var table = await h.RouteTables.GetAsync(RouteTable());
        h.Emulator.EditRoute("rt-spoke1", "default", "10.10.0.9");

        var result = await h.RouteTables.SetNextHopsAsync(table!, new Dictionary<string, string> { ["default"] = "10.10.0.5" });

        Assert.Equal(WriteStatus.Conflict, result.Status);
        Assert.Equal("PreconditionFailedEtagMismatch", result.ErrorCode);
    }

    [Fact]
    public async Task Write_ThrottledThenRecovered_RetriesAfterRetryAfterAndSucceeds()
    {
        await using var h = await StartAsync(new() { ["NvaFailover:ArmRetries"] = "20" });
        var table = await h.RouteTables.GetAsync(RouteTable());
        h.Emulator.AddFaults(429, 1.0, TimeSpan.FromHours(1));

        var write = h.RouteTables.SetNextHopsAsync(table!, new Dictionary<string, string> { ["default"] = "10.10.0.5" });
        await h.WaitForRequestAsync(r => r.Status == 429);
        h.Emulator.ClearFaults();
        var result = await write;

        Assert.Equal(WriteStatus.Succeeded, result.Status);
    }

    [Fact]
    public async Task Write_ThrottledBeyondRetries_ReportsThrottledWithArmCode()
    {
        await using var h = await StartAsync(new() { ["NvaFailover:ArmRetries"] = "1" });
        var table = await h.RouteTables.GetAsync(RouteTable());
        h.Emulator.AddFaults(429, 1.0, TimeSpan.FromHours(1));

        var result = await h.RouteTables.SetNextHopsAsync(table!, new Dictionary<string, string> { ["default"] = "10.10.0.5" });

        Assert.Equal((WriteStatus.Throttled, "TooManyRequests"), (result.Status, result.ErrorCode));
        Assert.Contains(RouteTable(), result.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Write_AnotherOperationInProgress_RetriedUntilFree()
    {
        await using var h = await StartAsync();
        var nic = await h.Nics.GetAsync(Id("networkInterfaces", "fw-b-untrust"));
        h.Emulator.AddFaults(409, 1.0, TimeSpan.FromHours(1));

        var write = h.Nics.SetPublicIpAddressesAsync(nic!, new Dictionary<string, string?> { ["ipconfig-untrust"] = Id("publicIPAddresses", "pip-spare") });
        await h.WaitForRequestAsync(r => r.Status == 409, count: 2);
        h.Emulator.ClearFaults();
        var result = await write;

        Assert.True(result.Status == WriteStatus.Succeeded, $"{result.Status} {result.ErrorCode}: {result.ErrorMessage}");
    }

    [Fact]
    public async Task Write_LongRunningOperationFails_FailedWithArmCodeMessageAndResource()
    {
        await using var h = await StartAsync();
        var table = await h.RouteTables.GetAsync(RouteTable());
        h.Emulator.AddFaults(500, 1.0, TimeSpan.FromMinutes(1), failOperations: true);

        var result = await h.RouteTables.SetNextHopsAsync(table!, new Dictionary<string, string> { ["default"] = "10.10.0.5" });

        Assert.Equal((WriteStatus.Failed, "InternalServerError"), (result.Status, result.ErrorCode));
        Assert.Contains("long-running operation failed", result.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains(RouteTable(), result.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Write_RefusedByAzure_FailedWithArmCode()
    {
        await using var h = await StartAsync();
        var nic = await h.Nics.GetAsync(Id("networkInterfaces", "fw-b-untrust"));

        var result = await h.Nics.SetPublicIpAddressesAsync(nic!, new Dictionary<string, string?> { ["ipconfig-untrust"] = Id("publicIPAddresses", "pip-fw") });

        Assert.Equal((WriteStatus.Failed, "PublicIPAddressInUse"), (result.Status, result.ErrorCode));
    }

    [Fact]
    public async Task Write_NeverAnswered_FailsAfterArmOperationTimeout()
    {
        await using var h = await StartAsync(new() { ["NvaFailover:ArmOperationTimeout"] = "00:00:01", ["NvaFailover:ArmRetries"] = "0" });
        var table = await h.RouteTables.GetAsync(RouteTable());
        h.Emulator.AddFaults(0, 1.0, TimeSpan.FromHours(1));

        var result = await h.RouteTables.SetNextHopsAsync(table!, new Dictionary<string, string> { ["default"] = "10.10.0.5" });

        Assert.Equal((WriteStatus.Failed, "OperationTimedOut"), (result.Status, result.ErrorCode));
    }

    [Fact]
    public async Task Read_Cancelled_ThrowsOperationCanceled()
    {
        await using var h = await StartAsync();
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => h.RouteTables.GetAsync(RouteTable(), cts.Token));
    }

    [Fact]
    public async Task GetPublicIp_HolderLocationAndSku()
    {
        await using var h = await StartAsync();

        var pip = await h.PublicIps.GetAsync(Id("publicIPAddresses", "pip-fw"));

        Assert.Equal(("westeurope", "Standard", "20.30.40.50"), (pip!.Location, pip.Sku, pip.IpAddress));
        Assert.EndsWith("fw-a-untrust/ipConfigurations/ipconfig-untrust", pip.IpConfigurationId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_ServiceKeepsFailing_GatewayExceptionWithCodeAndResource()
    {
        await using var h = await StartAsync(new() { ["NvaFailover:ArmRetries"] = "0" });
        h.Emulator.AddFaults(503, 1.0, TimeSpan.FromHours(1));

        var ex = await Assert.ThrowsAsync<GatewayException>(() => h.RouteTables.GetAsync(RouteTable()));

        Assert.Equal((GatewayFailure.Failed, "ServiceUnavailable", RouteTable()), (ex.Failure, ex.ErrorCode, ex.ResourceId));
    }

    [Fact]
    public async Task EffectiveRoutes_OfARunningVmsNic_TheSubnetsTableOverTheSystemRoutes_AndNullForAStoppedVm()
    {
        var apps = $"/subscriptions/{Sub}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-spoke/subnets/apps";
        var nic = $"/subscriptions/{Sub}/resourceGroups/rg-apps/providers/Microsoft.Network/networkInterfaces/app-1-nic";
        await using var h = await StartAsync();
        var effective = h.Services.GetRequiredService<IEffectiveRouteGateway>();
        var network = h.Services.GetRequiredService<IVirtualNetworkGateway>();

        var subnet = await network.GetSubnetAsync(apps);
        var routes = await effective.GetEffectiveRoutesAsync(nic);
        h.Emulator.PowerAction("app-1", "deallocate");
        var stopped = await effective.GetEffectiveRoutesAsync(nic);

        Assert.Equal([$"{nic}/ipConfigurations/ipconfig1"], subnet!.IpConfigurationIds);
        Assert.NotNull(routes);
        var user = Assert.Single(routes, r => r.Source == "User" && r.AddressPrefixes.SequenceEqual(["0.0.0.0/0"]));
        Assert.True(user.Active);
        Assert.Equal("VirtualAppliance", user.NextHopType);
        Assert.False(Assert.Single(routes, r => r.Source == "Default" && r.AddressPrefixes.SequenceEqual(["0.0.0.0/0"])).Active);
        Assert.Null(stopped);
        Assert.Contains(h.Emulator.Requests, r => r.Operation == "POST effectiveRouteTable" && r.Status == 202);
    }

    [Fact]
    public async Task ListRouteTables_EverySubscriptionTable_TaggedOrNot_WithTheSubnetsThatUseThem()
    {
        await using var h = await StartAsync();
        var tables = h.Services.GetRequiredService<IRouteTableGateway>();

        var all = await tables.ListAsync(Sub);

        Assert.Contains(all, t => t.Id.EndsWith("/rt-untagged", StringComparison.Ordinal));
        Assert.Equal(2, all.Single(t => t.Id == RouteTable()).SubnetIds.Count);
    }

    [Fact]
    public async Task GetSubnet_ItsRouteTable_AndNullWhenAbsent()
    {
        var subnet = $"/subscriptions/{Sub}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/functions";
        await using var h = await StartAsync();
        var network = h.Services.GetRequiredService<IVirtualNetworkGateway>();

        var found = await network.GetSubnetAsync(subnet);
        var absent = await network.GetSubnetAsync(subnet.Replace("functions", "nope", StringComparison.Ordinal));

        Assert.Equal((subnet, RouteTable()), (found!.Id, found.RouteTableId));
        Assert.Empty(found.IpConfigurationIds);
        Assert.Null(absent);
    }

    [Fact]
    public async Task Discover_HostSubnetWhoseDefaultRouteIsTheActiveNva_ErrorFinding()
    {
        var subnet = $"/subscriptions/{Sub}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/functions";
        await using var h = await StartAsync(new Dictionary<string, string?> { ["NvaFailover:HostSubnetId"] = subnet });

        var topology = await h.Monitor.DiscoverAsync("fw");

        Assert.Equal(RouteTable(), topology.Host?.RouteTable?.Id);
        Assert.Contains(topology.Findings, f => f.Severity == NvaFailover.Topology.FindingSeverity.Error && f.ResourceId == subnet && f.Message.Contains("NVA fw-a", StringComparison.Ordinal));
    }
}
