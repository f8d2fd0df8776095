using System.Text.Json.Nodes;
using static NvaFailover.Azure.Tests.AdapterHarness;

namespace NvaFailover.Azure.Tests;

/// <summary>
/// The minimum role is exactly what the adapters use: the RBAC actions the emulator records during a discovery
/// across subscriptions, probing and a failover with a public IP move, of a load-balanced NVA pair (both NICs in an
/// internal load balancer's pool, one with an inbound NAT rule, one in an application gateway's pool), equal
/// infra/role-actions.json.
/// </summary>
public sealed class PermissionTests
{
    [Fact]
    public async Task RecordedActions_OfAFullFailover_AreExactlyTheDocumentedRole()
    {
        await using var h = await StartAsync();
        var file = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "role-actions.json")))!;
        var documented = file["resourceGroupActions"]!.AsArray().Concat(file["subscriptionActions"]!.AsArray()).Select(a => a!.GetValue<string>()).ToList();
        Assert.Contains("Microsoft.Network/loadBalancers/backendAddressPools/join/action", documented);

        var (_, failover, _, _, _) = await EndToEndTests.FailoverAsync(h);
        var recorded = h.Emulator.Requests.Where(r => r.Status < 400).SelectMany(r => r.Actions).Distinct().Order(StringComparer.Ordinal).ToList();

        Assert.False(failover.Failed);
        Assert.Equal(documented.Order(StringComparer.Ordinal), recorded);
    }

    [Fact]
    public async Task RecordedActions_OfSubscriptionScopedRequests_AreTheSubscriptionList()
    {
        await using var h = await StartAsync();

        await EndToEndTests.FailoverAsync(h);

        // A request on a path with no resource group is checked by ARM at subscription scope. The verification's reads go to
        // subnets and workload NICs in any resource group, which is why the role that grants them is the subscription's.
        var atSubscription = h.Emulator.Requests.Where(r => r.Status < 400 && !r.PathTemplate.Contains("/resourceGroups/", StringComparison.Ordinal))
            .SelectMany(r => r.Actions).Distinct();
        string[] verification = ["Microsoft.Network/networkInterfaces/effectiveRouteTable/action", "Microsoft.Network/virtualNetworks/subnets/read"];
        Assert.Equal(RequiredActions.AtSubscription.Order(StringComparer.Ordinal), atSubscription.Concat(verification).Distinct().Order(StringComparer.Ordinal));
        Assert.Contains(h.Emulator.Requests, r => r.Status < 400 && r.Operation == "POST effectiveRouteTable");
        Assert.Empty(RequiredActions.AtSubscription.Intersect(RequiredActions.AtResourceGroup));
    }

    [Fact]
    public async Task EveryWrite_IsConditional()
    {
        await using var h = await StartAsync();

        await EndToEndTests.FailoverAsync(h);

        var writes = h.Emulator.Requests.Where(r => r.Method == "PUT").ToList();
        Assert.Equal(3, writes.Count);
        Assert.All(writes, w => Assert.True(w.IfMatch, $"{w.Operation} was sent without If-Match"));
    }
}
