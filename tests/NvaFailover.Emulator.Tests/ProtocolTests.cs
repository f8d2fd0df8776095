using System.Security.Authentication;
using System.Text.Json;
using System.Text.Json.Nodes;
using static NvaFailover.Emulator.Tests.EmulatorHarness;

namespace NvaFailover.Emulator.Tests;

public sealed class ProtocolTests : IAsyncLifetime
{
    private EmulatorHarness _h = null!;

    public async Task InitializeAsync() => _h = await StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Endpoint_IsHttpsOnLoopback_AndItsCertificateIsNotTrustedByDefault()
    {
        using var plain = new HttpClient();

        var ex = await Record.ExceptionAsync(() => plain.GetAsync(new Uri(_h.Emulator.Endpoint, "subscriptions?api-version=2021-04-01")));

        Assert.Equal("https", _h.Emulator.Endpoint.Scheme);
        Assert.Equal("127.0.0.1", _h.Emulator.Endpoint.Host);
        Assert.IsType<HttpRequestException>(ex);
        Assert.IsAssignableFrom<AuthenticationException>(ex.InnerException);
    }

    [Fact]
    public async Task Request_WithoutBearerToken_401AuthenticationFailed()
    {
        var reply = await _h.SendAsync("GET", $"{RouteTable()}?{NetworkApi}", authenticate: false);

        Assert.Equal((401, "AuthenticationFailed"), (reply.Status, reply.ErrorCode));
        Assert.NotNull(reply.Header("WWW-Authenticate"));
    }

    [Fact]
    public async Task Request_WithoutApiVersion_400MissingApiVersionParameter()
    {
        var reply = await _h.SendAsync("GET", RouteTable());

        Assert.Equal((400, "MissingApiVersionParameter"), (reply.Status, reply.ErrorCode));
    }

    [Fact]
    public async Task Get_UnknownResource_404ResourceNotFoundWithErrorShape()
    {
        var reply = await _h.GetAsync(RouteTable("rt-missing"));

        Assert.Equal((404, "ResourceNotFound"), (reply.Status, reply.ErrorCode));
        Assert.Contains("rt-missing", reply.Body!["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.IsType<JsonArray>(reply.Body["error"]!["details"]);
    }

    [Fact]
    public async Task Request_UnsupportedPath_SaysSoInsteadOfPretending()
    {
        var reply = await _h.SendAsync("GET", $"/subscriptions/{Sub}/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb?{NetworkApi}");

        Assert.Equal((404, "NotSupportedByEmulator"), (reply.Status, reply.ErrorCode));
    }

    [Fact]
    public async Task Put_MalformedJson_400InvalidRequestContent()
    {
        using var message = _h.Pipeline.CreateMessage();
        message.Request.Method = Azure.Core.RequestMethod.Put;
        message.Request.Uri.Reset(new Uri(_h.Emulator.Endpoint, $"{RouteTable().TrimStart('/')}?{NetworkApi}"));
        message.Request.Content = Azure.Core.RequestContent.Create("{\"location\": \"westeurope\", ");

        await _h.Pipeline.SendAsync(message, CancellationToken.None);

        Assert.Equal(400, message.Response.Status);
        Assert.Contains("InvalidRequestContent", message.Response.Content.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListSubscriptions_EverySubscriptionOfTheTopology()
    {
        var reply = await _h.SendAsync("GET", "/subscriptions?api-version=2021-04-01");

        Assert.Equal([Sub, Sub2], reply.Body!["value"]!.AsArray().Select(s => s!["subscriptionId"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData("routeTable.json", "routeTables", "rt-spoke1", "rg-spoke", "Microsoft.Network", NetworkApi)]
    [InlineData("networkInterface.json", "networkInterfaces", "fw-a-untrust", "rg-fw", "Microsoft.Network", NetworkApi)]
    [InlineData("publicIpAddress.json", "publicIPAddresses", "pip-fw", "rg-fw", "Microsoft.Network", NetworkApi)]
    [InlineData("virtualMachineInstanceView.json", "virtualMachines", "fw-a", "rg-fw", "Microsoft.Compute", "api-version=2024-11-01&$expand=instanceView")]
    public async Task Get_ResponseShape_HasEveryPropertyOfTheArmFixture(string fixture, string kind, string name, string group, string ns, string query)
    {
        var expected = Paths(JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "shapes", fixture)))!);

        var reply = await _h.GetAsync(Id(kind, name, group, ns: ns), query);

        Assert.Equal(200, reply.Status);
        var actual = Paths(reply.Body!);
        Assert.Empty(expected.Except(actual));
        Assert.Matches("^W/\"[0-9a-f-]{36}\"$", reply.Body!["etag"]?.GetValue<string>() ?? "W/\"00000000-0000-0000-0000-000000000000\"");
    }

    [Fact]
    public async Task ListRouteTables_PerSubscription()
    {
        var reply = await _h.SendAsync("GET", $"/subscriptions/{Sub}/providers/Microsoft.Network/routeTables?{NetworkApi}");

        Assert.Equal(["rt-spoke1", "rt-untagged"], reply.Body!["value"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()));
    }

    /// <summary>Every property path with its JSON kind; array elements collapse to [].</summary>
    private static HashSet<string> Paths(JsonNode node, string prefix = "$")
    {
        var paths = new HashSet<string>();
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    if (value is not null)
                    {
                        paths.UnionWith(Paths(value, $"{prefix}.{key}"));
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array.Where(i => i is not null))
                {
                    paths.UnionWith(Paths(item!, $"{prefix}[]"));
                }

                break;
            default:
                paths.Add($"{prefix}:{(node.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? "bool" : node.GetValueKind().ToString())}");
                break;
        }

        return paths;
    }

    [Fact]
    public async Task Subnet_GetServesItsRouteTable_AndTheTableListsTheSubnetsUsingIt()
    {
        var subnet = "/subscriptions/aaaaaaaa-1111-1111-1111-000000000001/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/functions";

        var reply = await _h.GetAsync(subnet);
        var table = await _h.GetAsync(RouteTable());
        var missing = await _h.GetAsync(subnet.Replace("functions", "nope", StringComparison.Ordinal));

        Assert.Equal(200, reply.Status);
        Assert.Equal(RouteTable(), reply.Body!["properties"]!["routeTable"]!["id"]!.GetValue<string>());
        Assert.Equal("10.10.9.0/27", reply.Body!["properties"]!["addressPrefix"]!.GetValue<string>());
        Assert.Equal(subnet, table.Body!["properties"]!["subnets"]![0]!["id"]!.GetValue<string>());
        Assert.Equal(404, missing.Status);
        Assert.Contains(_h.Emulator.Requests, r => r.Operation == "GET subnets" && r.Actions.Contains("Microsoft.Network/virtualNetworks/subnets/read"));
    }
}
