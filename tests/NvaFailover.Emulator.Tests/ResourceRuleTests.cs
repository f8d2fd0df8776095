using System.Text.Json.Nodes;
using static NvaFailover.Emulator.Tests.EmulatorHarness;

namespace NvaFailover.Emulator.Tests;

/// <summary>ETags, replace-on-PUT, and the Azure rules that matter to a failover.</summary>
public sealed class ResourceRuleTests : IAsyncLifetime
{
    private EmulatorHarness _h = null!;

    public async Task InitializeAsync() => _h = await StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private static JsonObject Config(JsonObject nic) => (JsonObject)nic["properties"]!["ipConfigurations"]![0]!;

    [Fact]
    public async Task Put_WithCurrentETag_SucceedsAndRenewsETag()
    {
        var table = (await _h.GetAsync(RouteTable())).Json;
        var etag = table["etag"]!.GetValue<string>();

        var put = await _h.PutAsync(RouteTable(), table, ifMatch: etag);

        Assert.Equal(200, put.Status);
        Assert.NotEqual(etag, put.Body!["etag"]!.GetValue<string>());
        Assert.Matches("^W/\"[0-9a-f-]{36}\"$", put.Body!["etag"]!.GetValue<string>());
    }

    [Fact]
    public async Task Put_WithStaleETag_412PreconditionFailedEtagMismatch()
    {
        var table = (await _h.GetAsync(RouteTable())).Json;
        var stale = table["etag"]!.GetValue<string>();
        _h.Emulator.EditRoute("rt-spoke1", "default", "10.10.0.5");

        var put = await _h.PutAsync(RouteTable(), table, ifMatch: stale);

        Assert.Equal((412, "PreconditionFailed"), (put.Status, put.ErrorCode));
        Assert.Equal("PreconditionFailedEtagMismatch", put.Body!["error"]!["details"]![0]!["code"]!.GetValue<string>());
        Assert.Contains(stale, put.Body["error"]!["details"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_EtagInBodyIsIgnored()
    {
        var table = (await _h.GetAsync(RouteTable())).Json;
        _h.Emulator.EditRoute("rt-spoke1", "default", "10.10.0.5");

        var put = await _h.PutAsync(RouteTable(), table);

        Assert.Equal(200, put.Status);
    }

    [Fact]
    public async Task Put_LossyNic_LosesWhatItLeftOutExactlyAsAzureWould()
    {
        var nic = (await _h.GetAsync(Id("networkInterfaces", "fw-a-untrust"))).Json;
        var props = (JsonObject)nic["properties"]!;
        props.Remove("networkSecurityGroup");
        props.Remove("enableIPForwarding");
        nic.Remove("tags");

        await _h.PutAsync(Id("networkInterfaces", "fw-a-untrust"), nic);
        _h.Clock.Advance(TimeSpan.FromSeconds(15));
        var dumped = _h.Emulator.Dump()["networkInterfaces"]!.AsArray().Single(n => n!["id"]!.GetValue<string>().EndsWith("fw-a-untrust", StringComparison.Ordinal))!;

        Assert.Null(dumped["networkSecurityGroupId"]);
        Assert.Null(dumped["enableIPForwarding"]);
        Assert.Null(dumped["tags"]);
        Assert.NotNull(dumped["dnsSettings"]);
    }

    [Fact]
    public async Task Put_UnknownProperties_AreKeptAsSent()
    {
        var nic = (await _h.GetAsync(Id("networkInterfaces", "fw-a-untrust"))).Json;
        nic["properties"]!["futureFeature"] = new JsonObject { ["enabled"] = true };
        Config(nic)["properties"]!["futureIpSetting"] = 7;

        await _h.PutAsync(Id("networkInterfaces", "fw-a-untrust"), nic);
        var read = (await _h.GetAsync(Id("networkInterfaces", "fw-a-untrust"))).Json;

        Assert.True(read["properties"]!["futureFeature"]!["enabled"]!.GetValue<bool>());
        Assert.Equal(7, Config(read)["properties"]!["futureIpSetting"]!.GetValue<int>());
        Assert.Equal("None", read["properties"]!["auxiliaryMode"]!.GetValue<string>());
    }

    [Fact]
    public async Task AttachPublicIp_StillOnAnotherNic_400PublicIPAddressInUse()
    {
        var nic = (await _h.GetAsync(Id("networkInterfaces", "fw-b-untrust"))).Json;
        Config(nic)["properties"]!["publicIPAddress"] = new JsonObject { ["id"] = Id("publicIPAddresses", "pip-fw") };

        var put = await _h.PutAsync(Id("networkInterfaces", "fw-b-untrust"), nic);

        Assert.Equal((400, "PublicIPAddressInUse"), (put.Status, put.ErrorCode));
    }

    [Fact]
    public async Task AttachPublicIp_WhileDetachStillRuns_InUse_AfterItCompletes_Succeeds()
    {
        var a = (await _h.GetAsync(Id("networkInterfaces", "fw-a-untrust"))).Json;
        ((JsonObject)Config(a)["properties"]!).Remove("publicIPAddress");
        await _h.PutAsync(Id("networkInterfaces", "fw-a-untrust"), a);
        var b = (await _h.GetAsync(Id("networkInterfaces", "fw-b-untrust"))).Json;
        Config(b)["properties"]!["publicIPAddress"] = new JsonObject { ["id"] = Id("publicIPAddresses", "pip-fw") };

        var early = await _h.PutAsync(Id("networkInterfaces", "fw-b-untrust"), b);
        _h.Clock.Advance(TimeSpan.FromSeconds(15));
        var late = await _h.PutAsync(Id("networkInterfaces", "fw-b-untrust"), b);
        _h.Clock.Advance(TimeSpan.FromSeconds(15));
        var pip = (await _h.GetAsync(Id("publicIPAddresses", "pip-fw"))).Json;

        Assert.Equal((400, "PublicIPAddressInUse"), (early.Status, early.ErrorCode));
        Assert.Equal(200, late.Status);
        Assert.EndsWith("fw-b-untrust/ipConfigurations/ipconfig-untrust", pip["properties"]!["ipConfiguration"]!["id"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AttachPublicIp_FromAnotherRegion_400InvalidResourceReference()
    {
        var nic = (await _h.GetAsync(Id("networkInterfaces", "fw-dr-untrust", "rg-dr"))).Json;
        Config(nic)["properties"]!["publicIPAddress"] = new JsonObject { ["id"] = Id("publicIPAddresses", "pip-spare") };

        var put = await _h.PutAsync(Id("networkInterfaces", "fw-dr-untrust", "rg-dr"), nic);

        Assert.Equal((400, "InvalidResourceReference"), (put.Status, put.ErrorCode));
        Assert.Contains("same region", put.Body!["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("VnetLocal", "10.10.0.5")]
    [InlineData("VirtualAppliance", null)]
    [InlineData("Teleport", null)]
    public async Task PutRoute_NextHopIpOnlyWithVirtualAppliance_400(string type, string? ip)
    {
        var table = (await _h.GetAsync(RouteTable())).Json;
        var props = (JsonObject)table["properties"]!["routes"]![0]!["properties"]!;
        props["nextHopType"] = type;
        props["nextHopIpAddress"] = ip;

        var put = await _h.PutAsync(RouteTable(), table);

        Assert.Equal((400, "InvalidRequestFormat"), (put.Status, put.ErrorCode));
    }

    [Fact]
    public async Task PutNic_ThatDoesNotExist_404()
    {
        var put = await _h.PutAsync(Id("networkInterfaces", "nic-new"), new JsonObject { ["location"] = "westeurope" });

        Assert.Equal((404, "ResourceNotFound"), (put.Status, put.ErrorCode));
    }
}
