using System.Text.Json.Nodes;
using NvaFailover.Ports;
using NvaFailover.Resources;

namespace NvaFailover.Azure;

/// <summary>
/// Route tables, NICs and public IPs over ARM (Network 2024-07-01). Resources are kept as the JSON Azure returned and
/// patched, not re-modelled: a write changes only the fields the plan changes (a route's next hop, an ipconfig's
/// public IP) and sends every other property back exactly as it came, including ones this code has never heard of.
/// </summary>
internal sealed class NetworkGateway(ArmHttpClient arm) : IRouteTableGateway, INetworkInterfaceGateway, IPublicIpGateway, IVirtualNetworkGateway, IEffectiveRouteGateway, IResourceDocuments
{
    public const string NetworkApiVersion = "2024-07-01";
    public const string ResourcesApiVersion = "2021-04-01";

    public async Task<IReadOnlyList<string>> FindTaggedAsync(IReadOnlyCollection<string> subscriptionIds, string tagName, string tagValue, CancellationToken cancellationToken = default)
    {
        var subscriptions = subscriptionIds.Count > 0
            ? subscriptionIds
            : (await arm.ListAsync($"subscriptions?api-version={ResourcesApiVersion}", "the subscriptions this identity can see", cancellationToken))
                .Select(s => s["subscriptionId"]?.GetValue<string>()).OfType<string>().ToList();
        var filter = Uri.EscapeDataString($"tagName eq '{Quote(tagName)}' and tagValue eq '{Quote(tagValue)}'");
        var found = await Task.WhenAll(subscriptions.Select(sub => arm.ListAsync(
            $"subscriptions/{sub}/resources?$filter={filter}&api-version={ResourcesApiVersion}",
            $"tagged resources in subscription {sub}",
            cancellationToken)));
        return [.. found.SelectMany(page => page)
            .Where(r => string.Equals(r["type"]?.GetValue<string>(), "Microsoft.Network/routeTables", StringComparison.OrdinalIgnoreCase))
            .Select(r => r["id"]!.GetValue<string>())
            .Distinct(ArmId.Comparer)];
    }

    public async Task<RouteTableSnapshot?> GetAsync(string routeTableId, CancellationToken cancellationToken = default) =>
        await arm.GetAsync(routeTableId, NetworkApiVersion, cancellationToken) is { } body ? ToRouteTable(body) : null;

    public async Task<IReadOnlyList<RouteTableSnapshot>> ListAsync(string subscriptionId, CancellationToken cancellationToken = default) =>
        [.. (await arm.ListAsync($"subscriptions/{subscriptionId}/providers/Microsoft.Network/routeTables?api-version={NetworkApiVersion}", $"the route tables of subscription {subscriptionId}", cancellationToken))
            .Where(t => Str(t, "id") is not null)
            .Select(ToRouteTable)];

    public async Task<IReadOnlyList<EffectiveRoute>?> GetEffectiveRoutesAsync(string networkInterfaceId, CancellationToken cancellationToken = default)
    {
        if (await arm.PostForResultAsync($"{networkInterfaceId}/effectiveRouteTable", NetworkApiVersion, networkInterfaceId, cancellationToken) is not { } body)
        {
            return null;
        }

        static IReadOnlyList<string> Strings(JsonNode? node) => [.. (node as JsonArray ?? []).Select(n => n?.GetValue<string>()).OfType<string>()];
        return [.. Array(body, "value").Select(r => new EffectiveRoute(
            Str(r, "source") ?? "Unknown",
            !string.Equals(Str(r, "state"), "Invalid", StringComparison.OrdinalIgnoreCase),
            Strings(r["addressPrefix"]),
            Str(r, "nextHopType") ?? "",
            Strings(r["nextHopIpAddress"])))];
    }

    public async Task<WriteResult<RouteTableSnapshot>> SetNextHopsAsync(RouteTableSnapshot table, IReadOnlyDictionary<string, string> nextHopIpByRouteName, CancellationToken cancellationToken = default)
    {
        var body = Raw(table.AdapterState, table.Id);
        foreach (var route in Array(Properties(body), "routes"))
        {
            if (route["name"]?.GetValue<string>() is { } name && nextHopIpByRouteName.TryGetValue(name, out var ip))
            {
                Properties(route)["nextHopIpAddress"] = ip;
            }
        }

        var result = await arm.PutAsync(table.Id, NetworkApiVersion, body, table.ETag, urgent: false, cancellationToken);
        return result.Status == WriteStatus.Succeeded
            ? WriteResult.Success(ToRouteTable(result.Resource!))
            : WriteResult.Failure<RouteTableSnapshot>(result.Status, result.ErrorCode, result.ErrorMessage);
    }

    async Task<NetworkInterfaceSnapshot?> INetworkInterfaceGateway.GetAsync(string networkInterfaceId, CancellationToken cancellationToken) =>
        await arm.GetAsync(networkInterfaceId, NetworkApiVersion, cancellationToken) is { } body ? ToNetworkInterface(body) : null;

    public async Task<WriteResult<NetworkInterfaceSnapshot>> SetPublicIpAddressesAsync(NetworkInterfaceSnapshot networkInterface, IReadOnlyDictionary<string, string?> publicIpIdByIpConfigurationName, CancellationToken cancellationToken = default)
    {
        var body = Raw(networkInterface.AdapterState, networkInterface.Id);
        foreach (var config in Array(Properties(body), "ipConfigurations"))
        {
            if (config["name"]?.GetValue<string>() is { } name && publicIpIdByIpConfigurationName.TryGetValue(name, out var pip))
            {
                if (pip is null)
                {
                    Properties(config).Remove("publicIPAddress");
                }
                else
                {
                    Properties(config)["publicIPAddress"] = new JsonObject { ["id"] = pip };
                }
            }
        }

        // The public IP chain is a failover's longest: it may spend the budget's reserve and does not queue behind route tables.
        var result = await arm.PutAsync(networkInterface.Id, NetworkApiVersion, body, networkInterface.ETag, urgent: true, cancellationToken);
        return result.Status == WriteStatus.Succeeded
            ? WriteResult.Success(ToNetworkInterface(result.Resource!))
            : WriteResult.Failure<NetworkInterfaceSnapshot>(result.Status, result.ErrorCode, result.ErrorMessage);
    }

    async Task<PublicIpSnapshot?> IPublicIpGateway.GetAsync(string publicIpId, CancellationToken cancellationToken)
    {
        if (await arm.GetAsync(publicIpId, NetworkApiVersion, cancellationToken) is not { } body)
        {
            return null;
        }

        var props = Properties(body);
        return new PublicIpSnapshot(
            Str(body, "id") ?? publicIpId,
            Str(body, "location") ?? "",
            body["sku"]?["name"]?.GetValue<string>(),
            Str(props, "ipAddress"),
            props["ipConfiguration"]?["id"]?.GetValue<string>(),
            body);
    }

    public async Task<SubnetSnapshot?> GetSubnetAsync(string subnetId, CancellationToken cancellationToken = default) =>
        await arm.GetAsync(subnetId, NetworkApiVersion, cancellationToken) is { } body
            ? new SubnetSnapshot(Str(body, "id") ?? subnetId, Properties(body)["routeTable"]?["id"]?.GetValue<string>())
            {
                IpConfigurationIds = [.. Array(Properties(body), "ipConfigurations").Select(c => Str(c, "id")).OfType<string>()],
            }
            : null;

    public async Task<VirtualNetworkSnapshot?> GetVirtualNetworkAsync(string virtualNetworkId, CancellationToken cancellationToken = default) =>
        await arm.GetAsync(virtualNetworkId, NetworkApiVersion, cancellationToken) is { } body
            ? new VirtualNetworkSnapshot(
                Str(body, "id") ?? virtualNetworkId,
                [.. (Properties(body)["dhcpOptions"]?["dnsServers"] as JsonArray ?? []).Select(d => d?.GetValue<string>()).OfType<string>()],
                [.. Array(Properties(body), "subnets").Select(n => Str(n, "name")).OfType<string>()])
            : null;

    public JsonObject Document(RouteTableSnapshot table) => Raw(table.AdapterState, table.Id);

    public JsonObject Document(NetworkInterfaceSnapshot networkInterface) => Raw(networkInterface.AdapterState, networkInterface.Id);

    public JsonObject Document(PublicIpSnapshot publicIp) => Raw(publicIp.AdapterState, publicIp.Id);

    private static RouteTableSnapshot ToRouteTable(JsonObject body)
    {
        var tags = (body["tags"] as JsonObject ?? [])
            .Where(t => t.Value is JsonValue)
            .ToDictionary(t => t.Key, t => t.Value!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
        var routes = Array(Properties(body), "routes").Select(r =>
        {
            var p = Properties(r);
            return new RouteInfo(Str(r, "name") ?? "", Str(p, "addressPrefix"), Str(p, "nextHopType") ?? "", Str(p, "nextHopIpAddress"));
        }).ToList();
        return new RouteTableSnapshot(Str(body, "id")!, Str(body, "location") ?? "", Str(body, "etag") ?? "", tags, routes, body)
        {
            DisableBgpRoutePropagation = Properties(body)["disableBgpRoutePropagation"]?.GetValue<bool>() ?? false,
            SubnetIds = [.. Array(Properties(body), "subnets").Select(n => Str(n, "id")).OfType<string>()],
        };
    }

    private static NetworkInterfaceSnapshot ToNetworkInterface(JsonObject body)
    {
        var props = Properties(body);
        var configs = Array(props, "ipConfigurations").Select(c =>
        {
            var p = Properties(c);
            return new IpConfigurationInfo(Str(c, "name") ?? "", Str(p, "privateIPAddress"), p["publicIPAddress"]?["id"]?.GetValue<string>(), p["primary"]?.GetValue<bool>() ?? false);
        }).ToList();
        return new NetworkInterfaceSnapshot(Str(body, "id")!, Str(body, "location") ?? "", Str(body, "etag") ?? "", props["enableIPForwarding"]?.GetValue<bool>() ?? false, configs, body)
        {
            Updating = string.Equals(Str(props, "provisioningState"), "Updating", StringComparison.OrdinalIgnoreCase),
        };
    }

    /// <summary>A private copy of the JSON the resource was read as, to patch and send back.</summary>
    private static JsonObject Raw(object? state, string id) =>
        state is JsonObject json
            ? (JsonObject)json.DeepClone()
            : throw new ArgumentException($"The snapshot of {id} was not read through the Azure adapter, so it cannot be written back losslessly.", nameof(state));

    private static JsonObject Properties(JsonObject o) => o["properties"] as JsonObject ?? throw new InvalidOperationException($"{Str(o, "id")} has no properties object.");

    private static IEnumerable<JsonObject> Array(JsonObject o, string key) => (o[key] as JsonArray ?? []).OfType<JsonObject>();

    private static string? Str(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static string Quote(string value) => value.Replace("'", "''", StringComparison.Ordinal);
}
