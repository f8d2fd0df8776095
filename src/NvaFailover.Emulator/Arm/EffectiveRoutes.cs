using System.Text.Json.Nodes;
using static NvaFailover.Emulator.Arm.ArmJson;

namespace NvaFailover.Emulator.Arm;

/// <summary>
/// The routes in force for a NIC, as Azure's effectiveRouteTable answers: the system routes, the routes its subnet learns
/// over BGP (unless its route table disables propagation) and its route table's routes, as Azure has applied them (the
/// committed state, not a write still running). Every route is listed; of those with the same prefix one is Active, a
/// user route before a learned one before a system one, and the others are Invalid. Which route carries a packet is
/// then the longest Active prefix that holds its address.
/// </summary>
internal static class EffectiveRoutes
{
    /// <summary>Azure's system routes for a virtual network with no peering or service endpoint.</summary>
    private static readonly (string Prefix, string Type)[] SystemRoutes =
        [("0.0.0.0/0", "Internet"), ("10.0.0.0/8", "None"), ("172.16.0.0/12", "None"), ("192.168.0.0/16", "None"), ("100.64.0.0/10", "None")];

    /// <summary>The rank of a source for routes of one prefix: lower wins.</summary>
    public static int Rank(string source) => source switch
    {
        "User" => 0,
        "VirtualNetworkGateway" => 1,
        _ => 2,
    };

    public static JsonObject Of(string nicId, IReadOnlyDictionary<string, ArmResource> resources)
    {
        var nic = resources[nicId];
        var configs = IpConfigs(nic.Committed).ToList();
        var primary = configs.FirstOrDefault(c => Props(c)["primary"]?.GetValue<bool>() == true) ?? configs.FirstOrDefault();
        var subnetId = primary is null ? null : Str(Props(primary), "subnet", "id");
        var subnet = subnetId is not null && resources.TryGetValue(subnetId, out var s) && s.Kind == "subnets" ? s : null;
        var tableId = subnet is null ? null : Str(Props(subnet.Body), "routeTable", "id");
        var table = tableId is not null && resources.TryGetValue(tableId, out var t) && t.Kind == "routeTables" && t.Committed.Count > 0 ? t.Committed : null;
        var propagate = table is null || Props(table)["disableBgpRoutePropagation"]?.GetValue<bool>() != true;

        var routes = new List<(string Source, string Prefix, string Type, string? Hop)>();
        routes.AddRange(SystemRoutes.Select(r => ("Default", r.Prefix, r.Type, (string?)null)));
        if (propagate)
        {
            routes.AddRange((subnet?.LearnedRoutes ?? []).OfType<JsonObject>()
                .Select(r => ("VirtualNetworkGateway", Str(r, "addressPrefix") ?? "", Str(r, "nextHopType") ?? "VirtualNetworkGateway", Str(r, "nextHopIpAddress"))));
        }

        if (table is not null)
        {
            routes.AddRange(Array(Props(table), "routes").Select(r => ("User", Str(Props(r), "addressPrefix") ?? "", Str(Props(r), "nextHopType") ?? "", Str(Props(r), "nextHopIpAddress"))));
        }

        var winners = routes.GroupBy(r => r.Prefix, StringComparer.OrdinalIgnoreCase)
            .Select(g => g.OrderBy(r => Rank(r.Source)).First())
            .ToHashSet();
        return new JsonObject
        {
            ["value"] = new JsonArray([.. routes.Select(r => (JsonNode)new JsonObject
            {
                ["disableBgpRoutePropagation"] = !propagate,
                ["source"] = r.Source,
                ["state"] = winners.Contains(r) ? "Active" : "Invalid",
                ["addressPrefix"] = new JsonArray(r.Prefix),
                ["nextHopIpAddress"] = r.Hop is null ? new JsonArray() : new JsonArray(r.Hop),
                ["nextHopType"] = r.Type,
            })]),
        };
    }
}
