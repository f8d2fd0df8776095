using System.Text.Json.Nodes;
using Azure;
using Azure.Core;
using Azure.ResourceManager.Compute;
using Azure.ResourceManager.Compute.Models;
using NvaFailover.Emulator.Scenarios;
using static NvaFailover.Emulator.Tests.EmulatorHarness;

namespace NvaFailover.Emulator.Tests;

public sealed class LongRunningOperationTests : IAsyncLifetime
{
    private EmulatorHarness _h = null!;

    public async Task InitializeAsync() => _h = await StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private async Task<JsonObject> TableWithNextHop(string ip)
    {
        var table = (await _h.GetAsync(RouteTable())).Json;
        table["properties"]!["routes"]![0]!["properties"]!["nextHopIpAddress"] = ip;
        return table;
    }

    [Fact]
    public async Task PutRouteTable_IsLongRunning_UpdatingUntilLatencyPassesThenSucceeded()
    {
        var put = await _h.PutAsync(RouteTable(), await TableWithNextHop("10.10.0.5"));
        var operationUrl = new Uri(put.Header("Azure-AsyncOperation")!);

        var pollEarly = await _h.SendAsync("GET", operationUrl.PathAndQuery);
        var readEarly = await _h.GetAsync(RouteTable());
        _h.Clock.Advance(TimeSpan.FromSeconds(5));
        var pollLate = await _h.SendAsync("GET", operationUrl.PathAndQuery);
        var readLate = await _h.GetAsync(RouteTable());

        Assert.Equal(200, put.Status);
        Assert.Equal("Updating", put.Body!["properties"]!["provisioningState"]!.GetValue<string>());
        Assert.Equal("5", put.Header("Retry-After"));
        Assert.Contains("/providers/Microsoft.Network/locations/westeurope/operations/", operationUrl.AbsolutePath, StringComparison.Ordinal);
        Assert.Equal("InProgress", pollEarly.Body!["status"]!.GetValue<string>());
        Assert.Equal("Updating", readEarly.Body!["properties"]!["provisioningState"]!.GetValue<string>());
        Assert.Equal("Succeeded", pollLate.Body!["status"]!.GetValue<string>());
        Assert.Equal("Succeeded", readLate.Body!["properties"]!["provisioningState"]!.GetValue<string>());
        Assert.Equal("10.10.0.5", readLate.Body!["properties"]!["routes"]![0]!["properties"]!["nextHopIpAddress"]!.GetValue<string>());
    }

    private static string AppsNic => Id("networkInterfaces", "app-1-nic", "rg-apps");

    /// <summary>The fixture, with routes the apps subnet learns over BGP: one with the prefix of a route of its table, one of its own.</summary>
    private void LoadWithLearnedRoutes(bool disablePropagation)
    {
        var topology = Scenario.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "topology.json")).Topology;
        var apps = topology["subnets"]!.AsArray().Single(s => s!["id"]!.GetValue<string>().EndsWith("/apps", StringComparison.Ordinal))!;
        apps["learnedRoutes"] = new JsonArray(
            new JsonObject { ["addressPrefix"] = "0.0.0.0/0", ["nextHopType"] = "VirtualNetworkGateway", ["nextHopIpAddress"] = "10.9.9.9" },
            new JsonObject { ["addressPrefix"] = "10.50.0.0/16", ["nextHopType"] = "VirtualNetworkGateway", ["nextHopIpAddress"] = "10.9.9.9" });
        topology["routeTables"]![0]!["disableBgpRoutePropagation"] = disablePropagation;
        _h.Emulator.Load(topology);
    }

    private async Task<JsonArray> EffectiveRoutesAsync()
    {
        var post = await _h.SendAsync("POST", $"{AppsNic}/effectiveRouteTable?{NetworkApi}");
        Assert.Equal(202, post.Status);
        var location = new Uri(post.Header("Location")!);
        var early = await _h.SendAsync("GET", location.PathAndQuery);
        Assert.Equal(202, early.Status);
        _h.Clock.Advance(TimeSpan.FromSeconds(5));
        var done = await _h.SendAsync("GET", location.PathAndQuery);
        Assert.Equal(200, done.Status);
        return done.Body!["value"]!.AsArray();
    }

    private static (string State, string Type, string? Hop) Route(JsonArray routes, string source, string prefix) =>
        routes.Select(r => r!.AsObject()).Where(r => r["source"]!.GetValue<string>() == source && r["addressPrefix"]![0]!.GetValue<string>() == prefix)
            .Select(r => (r["state"]!.GetValue<string>(), r["nextHopType"]!.GetValue<string>(), r["nextHopIpAddress"]!.AsArray().FirstOrDefault()?.GetValue<string>()))
            .Single();

    [Fact]
    public async Task EffectiveRoutes_LongRunning_SamePrefixUserOverLearnedOverSystem_OthersActive()
    {
        LoadWithLearnedRoutes(disablePropagation: false);

        var routes = await EffectiveRoutesAsync();

        Assert.Equal("Active", Route(routes, "User", "0.0.0.0/0").State);
        Assert.Equal(("Invalid", "VirtualNetworkGateway", "10.9.9.9"), Route(routes, "VirtualNetworkGateway", "0.0.0.0/0"));
        Assert.Equal(("Invalid", "Internet", null), Route(routes, "Default", "0.0.0.0/0"));
        Assert.Equal(("Active", "VirtualNetworkGateway", "10.9.9.9"), Route(routes, "VirtualNetworkGateway", "10.50.0.0/16"));
        Assert.Equal(("Active", "None", null), Route(routes, "Default", "10.0.0.0/8"));
    }

    [Fact]
    public async Task EffectiveRoutes_TableDisablesBgpPropagation_NoLearnedRoute()
    {
        LoadWithLearnedRoutes(disablePropagation: true);

        var routes = await EffectiveRoutesAsync();

        Assert.DoesNotContain(routes, r => r!["source"]!.GetValue<string>() == "VirtualNetworkGateway");
        Assert.All(routes, r => Assert.True(r!["disableBgpRoutePropagation"]!.GetValue<bool>()));
    }

    [Fact]
    public async Task EffectiveRoutes_ShowWhatAzureApplied_NotAWriteStillRunning()
    {
        LoadWithLearnedRoutes(disablePropagation: false);
        var before = Route(await EffectiveRoutesAsync(), "User", "0.0.0.0/0").Hop;
        await _h.PutAsync(RouteTable(), await TableWithNextHop("10.10.0.99"));

        var post = await _h.SendAsync("POST", $"{AppsNic}/effectiveRouteTable?{NetworkApi}");
        _h.Clock.Advance(TimeSpan.FromSeconds(4.9));
        var during = await _h.SendAsync("GET", new Uri(post.Header("Location")!).PathAndQuery);
        _h.Clock.Advance(TimeSpan.FromSeconds(0.2));
        var after = await _h.SendAsync("GET", new Uri(post.Header("Location")!).PathAndQuery);

        Assert.Equal(202, during.Status);
        Assert.NotEqual("10.10.0.99", before);
        Assert.Equal("10.10.0.99", Route(after.Body!["value"]!.AsArray(), "User", "0.0.0.0/0").Hop);
    }

    [Fact]
    public async Task EffectiveRoutes_OfAStoppedVmsNic_400SayingWhy()
    {
        _h.Emulator.PowerAction("app-1", "powerOff");

        var stopped = await _h.SendAsync("POST", $"{AppsNic}/effectiveRouteTable?{NetworkApi}");

        Assert.Equal(400, stopped.Status);
        Assert.Contains("running virtual machine", stopped.Body!["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutNewRouteTable_201Created()
    {
        var body = new JsonObject { ["location"] = "westeurope", ["properties"] = new JsonObject { ["routes"] = new JsonArray() } };

        var reply = await _h.PutAsync(RouteTable("rt-new"), body);

        Assert.Equal(201, reply.Status);
    }

    [Fact]
    public async Task PutRouteTable_WhileItsOperationRuns_429RetryableErrorDueToAnotherOperation()
    {
        await _h.PutAsync(RouteTable(), await TableWithNextHop("10.10.0.5"));

        var second = await _h.PutAsync(RouteTable(), await TableWithNextHop("10.10.0.4"));

        Assert.Equal((429, "RetryableErrorDueToAnotherOperation"), (second.Status, second.ErrorCode));
        Assert.NotNull(second.Header("Retry-After"));
    }

    [Fact]
    public async Task PutNic_WhileItsOperationRuns_409AnotherOperationInProgress()
    {
        var nic = (await _h.GetAsync(Id("networkInterfaces", "fw-b-untrust"))).Json;
        await _h.PutAsync(Id("networkInterfaces", "fw-b-untrust"), nic);

        var second = await _h.PutAsync(Id("networkInterfaces", "fw-b-untrust"), nic);

        Assert.Equal((409, "AnotherOperationInProgress"), (second.Status, second.ErrorCode));
        Assert.Contains("/operations/", second.Body!["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutRoute_SubResource_UpdatesTheTable()
    {
        var route = new JsonObject { ["properties"] = new JsonObject { ["addressPrefix"] = "192.168.0.0/16", ["nextHopType"] = "VirtualAppliance", ["nextHopIpAddress"] = "10.10.0.5" } };

        var put = await _h.PutAsync($"{RouteTable()}/routes/branches", route);
        _h.Clock.Advance(TimeSpan.FromSeconds(5));
        var got = await _h.GetAsync($"{RouteTable()}/routes/branches");

        Assert.Equal(201, put.Status);
        Assert.Equal("Succeeded", got.Body!["properties"]!["provisioningState"]!.GetValue<string>());
        Assert.Equal(3, (await _h.GetAsync(RouteTable())).Body!["properties"]!["routes"]!.AsArray().Count);
    }

    [Fact]
    public async Task OperationFailureFault_OperationEndsFailedWithErrorAndResourceReverts()
    {
        _h.Emulator.AddFaults(500, 1.0, TimeSpan.FromMinutes(1), failOperations: true);

        var put = await _h.PutAsync(RouteTable(), await TableWithNextHop("10.10.0.5"));
        _h.Clock.Advance(TimeSpan.FromSeconds(5));
        var poll = await _h.SendAsync("GET", new Uri(put.Header("Azure-AsyncOperation")!).PathAndQuery);
        var table = await _h.GetAsync(RouteTable());

        Assert.Equal("Failed", poll.Body!["status"]!.GetValue<string>());
        Assert.Equal("InternalServerError", poll.Body["error"]!["code"]!.GetValue<string>());
        Assert.Equal("Failed", table.Body!["properties"]!["provisioningState"]!.GetValue<string>());
        Assert.Equal("10.10.0.4", table.Body["properties"]!["routes"]![0]!["properties"]!["nextHopIpAddress"]!.GetValue<string>());
    }

    [Fact]
    public async Task ComputeSdk_ReadsPowerStateFromInstanceView()
    {
        var vm = _h.ArmClient().GetVirtualMachineResource(new ResourceIdentifier(Id("virtualMachines", "fw-a", ns: "Microsoft.Compute")));

        var expanded = await vm.GetAsync(InstanceViewType.InstanceView);
        var view = await vm.InstanceViewAsync();

        Assert.Contains(expanded.Value.Data.InstanceView.Statuses, s => s.Code == "PowerState/running");
        Assert.Contains(view.Value.Statuses, s => s.Code == "PowerState/running");
        Assert.Equal("westeurope", expanded.Value.Data.Location.Name);
        Assert.Single(expanded.Value.Data.NetworkProfile.NetworkInterfaces);
    }

    [Fact]
    public async Task ComputeSdk_PowerOff_StoppingUntilTheActionCompletesThenStopped()
    {
        var vm = _h.ArmClient().GetVirtualMachineResource(new ResourceIdentifier(Id("virtualMachines", "fw-a", ns: "Microsoft.Compute")));

        var operation = await vm.PowerOffAsync(WaitUntil.Started);
        var during = (await vm.InstanceViewAsync()).Value.Statuses.Single(s => s.Code.StartsWith("PowerState/", StringComparison.Ordinal)).Code;
        _h.Clock.Advance(TimeSpan.FromSeconds(30));
        await operation.UpdateStatusAsync();
        var after = (await vm.InstanceViewAsync()).Value.Statuses.Single(s => s.Code.StartsWith("PowerState/", StringComparison.Ordinal)).Code;

        Assert.Equal("PowerState/stopping", during);
        Assert.True(operation.HasCompleted);
        Assert.Equal("PowerState/stopped", after);
    }

    [Fact]
    public async Task ComputeSdk_Start_DeallocatedVmRunsAgain()
    {
        var vm = _h.ArmClient().GetVirtualMachineResource(new ResourceIdentifier(Id("virtualMachines", "fw-dr", "rg-dr", ns: "Microsoft.Compute")));

        var operation = await vm.PowerOnAsync(WaitUntil.Started);
        _h.Clock.Advance(TimeSpan.FromSeconds(30));
        await operation.UpdateStatusAsync();

        Assert.Contains((await vm.InstanceViewAsync()).Value.Statuses, s => s.Code == "PowerState/running");
    }
}
