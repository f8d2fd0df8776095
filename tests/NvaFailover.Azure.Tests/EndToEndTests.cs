using System.Text.Json.Nodes;
using NvaFailover.Decisions;
using NvaFailover.Emulator;
using NvaFailover.Monitoring;
using NvaFailover.Probing;
using static NvaFailover.Azure.Tests.AdapterHarness;

namespace NvaFailover.Azure.Tests;

/// <summary>The real monitor, through the real adapters, against the emulator over HTTPS.</summary>
public sealed class EndToEndTests
{
    private static string NextHop(JsonObject dump, string table, string route = "default") =>
        dump["routeTables"]!.AsArray().Single(t => t!["id"]!.GetValue<string>().EndsWith(table, StringComparison.Ordinal))!["routes"]!.AsArray()
            .Single(r => r!["name"]!.GetValue<string>() == route)!["nextHopIpAddress"]!.GetValue<string>();

    private static JsonObject Nic(JsonObject dump, string name) =>
        (JsonObject)dump["networkInterfaces"]!.AsArray().Single(n => n!["id"]!.GetValue<string>().EndsWith(name, StringComparison.Ordinal))!;

    /// <summary>Probe, decide, plan, write, converge; and everything the failover did not have to change is unchanged.</summary>
    internal static async Task<(RoundReport Healthy, RoundReport Failover, RoundReport After, JsonObject Before, JsonObject End)> FailoverAsync(AdapterHarness h)
    {
        var healthy = await h.Monitor.RunRoundAsync("fw", RoundRequest.Timer);
        var before = h.Emulator.Dump();
        await h.PowerOffAsync("fw-a");
        var failover = await h.Monitor.RunRoundAsync("fw", RoundRequest.Timer);
        var after = await h.Monitor.RunRoundAsync("fw", RoundRequest.Timer);
        return (healthy, failover, after, before, h.Emulator.Dump());
    }

    [Fact]
    public async Task Monitor_PrimaryPoweredOff_FailsOverRoutesAndPublicIpAndChangesNothingElse()
    {
        await using var h = await StartAsync();

        var (healthy, failover, after, before, end) = await FailoverAsync(h);

        Assert.Equal((RoundAction.None, "fw-a"), (healthy.Action, healthy.Active));
        Assert.Equal((RoundAction.Failover, "fw-b", false), (failover.Action, failover.Active, failover.Failed));
        Assert.Equal((1, 1), (failover.RoutesChanged, failover.PublicIpsMoved));
        Assert.Equal((RoundAction.None, 0), (after.Action, after.Writes));
        Assert.Equal("10.10.0.5", NextHop(end, "rt-spoke1"));
        Assert.Equal("10.10.0.4", NextHop(end, "rt-spoke2"));
        Assert.Contains(failover.Findings, f => f.ResourceId.EndsWith("rt-spoke2", StringComparison.Ordinal));
        Assert.EndsWith("pip-fw", Nic(end, "fw-b-untrust")["ipConfigurations"]![0]!["publicIPAddressId"]!.GetValue<string>(), StringComparison.Ordinal);

        // Nothing else moved: put the two intended changes back and the whole topology matches.
        Nic(end, "fw-b-untrust")["ipConfigurations"]![0]!.AsObject().Remove("publicIPAddressId");
        Nic(before, "fw-a-untrust")["ipConfigurations"]![0]!.AsObject().Remove("publicIPAddressId");
        end["routeTables"]![0]!["routes"]![0]!["nextHopIpAddress"] = "10.10.0.4";
        end.Remove("virtualMachines");
        before.Remove("virtualMachines");
        Assert.Equal(before.ToJsonString(), end.ToJsonString());
    }

    [Fact]
    public async Task Monitor_TableChangedSinceDiscovery_ConflictRereadReplanAlsoMovesTheRouteAddedMeanwhile()
    {
        await using var h = await StartAsync();
        await h.Monitor.RunRoundAsync("fw", RoundRequest.Timer);
        await AddRouteAsOutsiderAsync(h, "branches", "192.168.0.0/16", "10.10.0.4");
        await h.PowerOffAsync("fw-a");

        var failover = await h.Monitor.RunRoundAsync("fw", RoundRequest.Timer);

        Assert.Equal(RoundAction.Failover, failover.Action);
        Assert.False(failover.Failed);
        Assert.Equal(2, failover.Outcomes.Single(o => o.ResourceId == RouteTable()).Writes);
        Assert.Contains(h.Emulator.Requests, r => r.Status == 412);
        var end = h.Emulator.Dump();
        Assert.Equal("10.10.0.5", NextHop(end, "rt-spoke1"));
        Assert.Equal("10.10.0.5", NextHop(end, "rt-spoke1", "branches"));
    }

    [Fact]
    public async Task Monitor_TcpProbesOnEmulatorEndpoints_HungApplianceFailsOver()
    {
        await using var h = await StartAsync(configure: (emulator, settings) =>
        {
            settings["NvaFailover:Clusters:0:Probe:Kind"] = "Tcp";
            settings["NvaFailover:Clusters:0:Nvas:0:ProbeEndpoint"] = emulator.ProbeEndpoint("fw-a");
            settings["NvaFailover:Clusters:0:Nvas:1:ProbeEndpoint"] = emulator.ProbeEndpoint("fw-b");
        });

        var healthy = await h.Monitor.RunRoundAsync("fw", RoundRequest.Timer);
        h.Emulator.SetProbe("fw-a", up: false);
        var failover = await h.Monitor.RunRoundAsync("fw", RoundRequest.Timer);

        Assert.Equal(RoundAction.None, healthy.Action);
        Assert.Equal((RoundAction.Failover, "fw-b"), (failover.Action, failover.Active));
        Assert.DoesNotContain(h.Emulator.Requests, r => r.Operation == "GET instanceView");
    }

    [Fact]
    public async Task Monitor_HttpsProbesToSelfSignedAppliances_ReadUp_AndAHungOneFailsOver()
    {
        // Appliances answer HTTPS with self-signed certificates; a health probe, like Azure Load Balancer's, does not
        // validate the chain, so a healthy NVA reads up.
        await using var h = await StartAsync(configure: (emulator, settings) =>
        {
            settings["NvaFailover:Clusters:0:Probe:Kind"] = "Http";
            settings["NvaFailover:Clusters:0:Nvas:0:ProbeEndpoint"] = $"https://{emulator.ProbeEndpoint("fw-a")}/health";
            settings["NvaFailover:Clusters:0:Nvas:1:ProbeEndpoint"] = $"https://{emulator.ProbeEndpoint("fw-b")}/health";
        });

        var healthy = await h.Monitor.RunRoundAsync("fw", RoundRequest.Timer);
        h.Emulator.SetProbe("fw-a", up: false);
        var failover = await h.Monitor.RunRoundAsync("fw", RoundRequest.Timer);

        Assert.All(healthy.Health, n => Assert.Equal(HealthState.Up, n.State));
        Assert.Equal(RoundAction.None, healthy.Action);
        Assert.Equal((RoundAction.Failover, "fw-b"), (failover.Action, failover.Active));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Monitor_HttpsProbeWithAPinnedThumbprint_UpOnlyForThatCertificate_DownSayingWhyOtherwise(bool rightPin)
    {
        var pin = rightPin ? ArmEmulator.ProbeCertificateThumbprint : new string('A', 40);
        await using var h = await StartAsync(configure: (emulator, settings) =>
        {
            settings["NvaFailover:Clusters:0:Probe:Kind"] = "Http";
            settings["NvaFailover:Clusters:0:Nvas:0:ProbeEndpoint"] = $"https://{emulator.ProbeEndpoint("fw-a")}/health";
            settings["NvaFailover:Clusters:0:Nvas:0:ProbeCertificateThumbprint"] = pin;
            settings["NvaFailover:Clusters:0:Nvas:1:ProbeEndpoint"] = $"https://{emulator.ProbeEndpoint("fw-b")}/health";
        });

        var report = await h.Monitor.RunRoundAsync("fw", RoundRequest.Timer);

        var a = report.Health.Single(n => n.Nva == "fw-a");
        Assert.Equal(rightPin ? HealthState.Up : HealthState.Down, a.State);
        if (!rightPin)
        {
            Assert.Contains($"not the pinned ProbeCertificateThumbprint {pin}", a.Reason, StringComparison.Ordinal);
            Assert.Contains(ArmEmulator.ProbeCertificateThumbprint, a.Reason, StringComparison.Ordinal);
        }
    }

    /// <summary>Someone adds a route in the portal: a PUT of the route sub-resource, outside NvaFailover.</summary>
    private static async Task AddRouteAsOutsiderAsync(AdapterHarness h, string name, string prefix, string nextHop)
    {
        using var http = new HttpClient(h.Emulator.CreateHttpHandler());
        http.DefaultRequestHeaders.Authorization = new("Bearer", "portal-user");
        var body = new JsonObject { ["properties"] = new JsonObject { ["addressPrefix"] = prefix, ["nextHopType"] = "VirtualAppliance", ["nextHopIpAddress"] = nextHop } };
        using var response = await http.PutAsync(new Uri(h.Emulator.Endpoint, $"{RouteTable().TrimStart('/')}/routes/{name}?api-version=2024-07-01"),
            new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();

        // Wait for the portal's write to finish (its table is Updating until then), as the portal's own poll would.
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (JsonNode.Parse(await http.GetStringAsync(new Uri(h.Emulator.Endpoint, $"{RouteTable().TrimStart('/')}?api-version=2024-07-01"), patience.Token))!["properties"]!["provisioningState"]!.GetValue<string>() != "Succeeded")
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), patience.Token);
        }
    }
}
