using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using NvaFailover.Emulator.Scenarios;
using static NvaFailover.Emulator.Tests.EmulatorHarness;

namespace NvaFailover.Emulator.Tests;

public sealed class ControlAndProbeTests : IAsyncLifetime
{
    private EmulatorHarness _h = null!;

    public async Task InitializeAsync() => _h = await StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private static async Task<bool> ConnectsAsync(string endpoint)
    {
        var port = int.Parse(endpoint.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    [Fact]
    public void Dump_RightAfterLoad_GivesBackEveryPropertyOfTheScenario()
    {
        var scenario = Scenario.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "topology.json"));
        var given = scenario.Topology;

        var dump = _h.Emulator.Dump();

        foreach (var table in given["routeTables"]!.AsArray())
        {
            var dumped = dump["routeTables"]!.AsArray().Single(t => t!["id"]!.GetValue<string>() == table!["id"]!.GetValue<string>());
            AssertContains(table!, dumped!);
        }

        foreach (var nic in given["virtualMachines"]!.AsArray().SelectMany(v => v!["networkInterfaces"]!.AsArray()))
        {
            var dumped = dump["networkInterfaces"]!.AsArray().Single(n => n!["id"]!.GetValue<string>() == nic!["id"]!.GetValue<string>());
            AssertContains(nic!, dumped!);
        }

        foreach (var pip in given["publicIPAddresses"]!.AsArray())
        {
            AssertContains(pip!, dump["publicIPAddresses"]!.AsArray().Single(p => p!["id"]!.GetValue<string>() == pip!["id"]!.GetValue<string>())!);
        }

        Assert.Equal("westeurope", dump["networkInterfaces"]![0]!["location"]!.GetValue<string>());
        Assert.Equal("westeurope", dump["publicIPAddresses"]![0]!["location"]!.GetValue<string>());
    }

    [Fact]
    public async Task ProbeEndpoint_AnswersTcpAndHttpWhileRunning()
    {
        var endpoint = _h.Emulator.ProbeEndpoint("fw-a");
        using var http = new HttpClient();

        var health = await http.GetAsync(new Uri($"http://{endpoint}/health"));

        Assert.True(await ConnectsAsync(endpoint));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.False(await ConnectsAsync(_h.Emulator.ProbeEndpoint("fw-dr")));
    }

    [Fact]
    public async Task ProbeEndpoint_StopsWhenProbeSetDownAndComesBackOnTheSamePort()
    {
        var endpoint = _h.Emulator.ProbeEndpoint("fw-a");

        _h.Emulator.SetProbe("fw-a", up: false);
        var down = await ConnectsAsync(endpoint);
        _h.Emulator.SetProbe("fw-a", up: true);
        var up = await ConnectsAsync(endpoint);

        Assert.False(down);
        Assert.True(up);
        Assert.Equal(endpoint, _h.Emulator.ProbeEndpoint("fw-a"));
        Assert.Equal("running", _h.Emulator.Dump()["virtualMachines"]![0]!["powerState"]!.GetValue<string>());
    }

    /// <summary>An HTTP GET with a short real-time budget: the status, or null when nothing came back in time.</summary>
    private static async Task<HttpStatusCode?> AnswerAsync(string url)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromMilliseconds(700) };
        try
        {
            return (await http.GetAsync(new Uri(url))).StatusCode;
        }
        catch (TaskCanceledException)
        {
            return null;
        }
    }

    [Fact]
    public async Task ForwardingProbe_AnswersWhileTheNvaRunsAndForwards_SilentOtherwise_AndItsOwnProbeStillAnswers()
    {
        var url = _h.Emulator.ForwardingProbeEndpoint("fw-a");
        var forwarding = await AnswerAsync(url);

        _h.Emulator.SetForwarding("fw-a", forwarding: false);
        var gray = await AnswerAsync(url);
        var managementPort = await ConnectsAsync(_h.Emulator.ProbeEndpoint("fw-a"));
        var otherNva = await AnswerAsync(_h.Emulator.ForwardingProbeEndpoint("fw-b"));
        _h.Emulator.SetForwarding("fw-a", forwarding: true);
        var again = await AnswerAsync(url);

        Assert.Equal(HttpStatusCode.OK, forwarding);
        Assert.Null(gray);
        Assert.True(managementPort);
        Assert.Equal(HttpStatusCode.OK, otherNva);
        Assert.Equal(HttpStatusCode.OK, again);
        Assert.Equal(url, _h.Emulator.ForwardingProbeEndpoint("fw-a"));
    }

    [Fact]
    public async Task ForwardingProbe_CanaryDownSilencesEveryNva_AndAStoppedVmForwardsNothing()
    {
        _h.Emulator.SetCanary(up: false);
        var a = await AnswerAsync(_h.Emulator.ForwardingProbeEndpoint("fw-a"));
        var b = await AnswerAsync(_h.Emulator.ForwardingProbeEndpoint("fw-b"));
        _h.Emulator.SetCanary(up: true);
        _h.Emulator.PowerAction("fw-a", "powerOff");
        var stopped = await AnswerAsync(_h.Emulator.ForwardingProbeEndpoint("fw-a"));
        var running = await AnswerAsync(_h.Emulator.ForwardingProbeEndpoint("fw-b"));

        Assert.Equal((null, null), (a, b));
        Assert.Null(stopped);
        Assert.Equal(HttpStatusCode.OK, running);
    }

    [Fact]
    public async Task UntagRouteTable_RemovesOnlyTheNamedTags_WithANewETag_SoAWriteFromBeforeGets412()
    {
        var before = (await _h.GetAsync(RouteTable())).Json;
        var etag = before["etag"]!.GetValue<string>();
        Assert.NotNull(before["tags"]!["nva_ha_udr"]);

        _h.Emulator.UntagRouteTable("rt-spoke1", ["nva_ha_udr"]);
        var after = (await _h.GetAsync(RouteTable())).Json;
        var stale = await _h.PutAsync(RouteTable(), before, etag);

        Assert.Null(after["tags"]!["nva_ha_udr"]);
        Assert.NotEqual(etag, after["etag"]!.GetValue<string>());
        Assert.Equal(412, stale.Status);
    }

    [Fact]
    public async Task DeleteRouteTable_GoneAtOnce_AConditionalWriteGets412AndAReadGets404()
    {
        var before = (await _h.GetAsync(RouteTable())).Json;

        _h.Emulator.DeleteRouteTable("rt-spoke1");
        var write = await _h.PutAsync(RouteTable(), before, before["etag"]!.GetValue<string>());
        var read = await _h.GetAsync(RouteTable());

        Assert.Equal((412, 404), (write.Status, read.Status));
        Assert.Throws<ArgumentException>(() => _h.Emulator.DeleteRouteTable("rt-spoke1"));
    }

    [Fact]
    public async Task PowerOff_ProbeEndpointStopsAtOnce_PowerStateStopsAfterTheAction()
    {
        var endpoint = _h.Emulator.ProbeEndpoint("fw-a");

        _h.Emulator.PowerAction("fw-a", "powerOff");
        var during = await ConnectsAsync(endpoint);
        _h.Clock.Advance(TimeSpan.FromSeconds(30));
        var view = await _h.GetAsync($"{Id("virtualMachines", "fw-a", ns: "Microsoft.Compute")}/instanceView", "api-version=2024-11-01");

        Assert.False(during);
        Assert.Contains(view.Body!["statuses"]!.AsArray(), s => s!["code"]!.GetValue<string>() == "PowerState/stopped");
    }

    [Fact]
    public async Task PowerPost_ThroughArm_202WithLocationThatPollsToDone()
    {
        var post = await _h.SendAsync("POST", $"{Id("virtualMachines", "fw-a", ns: "Microsoft.Compute")}/powerOff?api-version=2024-11-01");
        var location = new Uri(post.Header("Location")!);

        var early = await _h.SendAsync("GET", location.PathAndQuery);
        _h.Clock.Advance(TimeSpan.FromSeconds(30));
        var late = await _h.SendAsync("GET", location.PathAndQuery);

        Assert.Equal(202, post.Status);
        Assert.Equal(202, early.Status);
        Assert.Equal(200, late.Status);
        Assert.Equal(["Microsoft.Compute/virtualMachines/powerOff/action"], _h.Emulator.Requests.First(r => r.Method == "POST").Actions);
        Assert.Equal("Microsoft.Compute/locations/operations/read", _h.Emulator.Requests.Last().Actions.Single());
    }

    [Fact]
    public async Task ControlState_PostedBackToTopology_LoadsTheSameTopology()
    {
        using var http = new HttpClient(_h.Emulator.CreateHttpHandler()) { BaseAddress = _h.Emulator.Endpoint };
        var state = await http.GetStringAsync(new Uri("_emulator/state", UriKind.Relative));

        var loaded = await http.PostAsync(new Uri("_emulator/topology", UriKind.Relative), new StringContent(state));
        var again = await http.GetStringAsync(new Uri("_emulator/state", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, loaded.StatusCode);
        Assert.Equal(JsonNode.Parse(state)!.ToJsonString(), JsonNode.Parse(again)!.ToJsonString());
        Assert.NotEmpty(JsonNode.Parse(again)!["virtualMachines"]![0]!["networkInterfaces"]!.AsArray());
    }

    [Fact]
    public async Task ControlTopology_AReportShapedOrDuplicatedBody_Refused400NamingThePath()
    {
        using var http = new HttpClient(_h.Emulator.CreateHttpHandler()) { BaseAddress = _h.Emulator.Endpoint };

        var reportShape = await http.PostAsync(new Uri("_emulator/topology", UriKind.Relative), new StringContent("""{"routeTables":[],"networkInterfaces":[]}"""));
        var duplicate = await http.PostAsync(new Uri("_emulator/topology", UriKind.Relative), new StringContent("""{"routeTables":[],"routeTables":[]}"""));

        Assert.Equal(HttpStatusCode.BadRequest, reportShape.StatusCode);
        Assert.Contains("$.networkInterfaces", await reportShape.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, duplicate.StatusCode);
        Assert.NotEmpty(JsonNode.Parse(await http.GetStringAsync(new Uri("_emulator/state", UriKind.Relative)))!["virtualMachines"]![0]!["networkInterfaces"]!.AsArray());
    }

    [Fact]
    public async Task ControlEndpoints_StateProbesAndOutsideEdit()
    {
        using var http = new HttpClient(_h.Emulator.CreateHttpHandler()) { BaseAddress = _h.Emulator.Endpoint };

        var edit = await http.PostAsync(new Uri("_emulator/routeTables/rt-spoke1/routes/default?nextHopIpAddress=10.10.0.9", UriKind.Relative), null);
        var probe = await http.PostAsync(new Uri("_emulator/vms/fw-b/probe?up=false", UriKind.Relative), null);
        var state = JsonNode.Parse(await http.GetStringAsync(new Uri("_emulator/state", UriKind.Relative)))!;
        var probes = JsonNode.Parse(await http.GetStringAsync(new Uri("_emulator/probes", UriKind.Relative)))!;
        var unknown = await http.PostAsync(new Uri("_emulator/vms/nope/probe", UriKind.Relative), null);
        var notAppliance = await http.PostAsync(new Uri("_emulator/routeTables/rt-spoke1/routes/local?nextHopIpAddress=10.10.0.9", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.OK, edit.StatusCode);
        Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
        Assert.Equal("10.10.0.9", state["routeTables"]![0]!["routes"]![0]!["nextHopIpAddress"]!.GetValue<string>());
        Assert.False(probes["fw-b"]!["answering"]!.GetValue<bool>());
        Assert.True(probes["fw-a"]!["answering"]!.GetValue<bool>());
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, notAppliance.StatusCode);
        Assert.DoesNotContain(_h.Emulator.Requests, r => r.PathTemplate.Contains("_emulator", StringComparison.Ordinal));
    }

    private static void AssertContains(JsonNode expected, JsonNode actual)
    {
        if (expected is JsonObject eo)
        {
            var ao = Assert.IsType<JsonObject>(actual);
            foreach (var (key, value) in eo)
            {
                Assert.True(ao.ContainsKey(key), $"'{key}' is missing from {ao.ToJsonString()}");
                if (value is not null)
                {
                    AssertContains(value, ao[key]!);
                }
            }
        }
        else if (expected is JsonArray ea)
        {
            var aa = Assert.IsType<JsonArray>(actual);
            Assert.Equal(ea.Count, aa.Count);
            for (var i = 0; i < ea.Count; i++)
            {
                AssertContains(ea[i]!, aa[i]!);
            }
        }
        else
        {
            Assert.Equal(expected.ToJsonString(), actual.ToJsonString());
        }
    }
}
