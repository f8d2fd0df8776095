using System.Text.Json.Nodes;
using NvaFailover.Resources;

namespace NvaFailover.Cli.Simulation;

/// <summary>What a rehearsal changed: each property of a route table, NIC or public IP that differs between two dumps.</summary>
internal static class TopologyDiff
{
    /// <summary>One changed property.</summary>
    /// <param name="Resource">The resource's name.</param>
    /// <param name="Path">Where in it, for example <c>routes[branches].nextHopIpAddress</c>.</param>
    /// <param name="Before">The value at the start (null when absent).</param>
    /// <param name="After">The value at the end (null when absent).</param>
    public sealed record Change(string Resource, string Path, string? Before, string? After);

    public static List<Change> Between(JsonObject before, JsonObject after)
    {
        var changes = new List<Change>();
        foreach (var collection in new[] { "routeTables", "networkInterfaces", "publicIPAddresses" })
        {
            var start = Index(before, collection);
            foreach (var (id, end) in Index(after, collection))
            {
                Compare(ArmId.Name(id), "", start.GetValueOrDefault(id), end, changes);
            }
        }

        return changes;
    }

    private static Dictionary<string, JsonObject> Index(JsonObject dump, string collection) =>
        (dump[collection] as JsonArray ?? []).OfType<JsonObject>().ToDictionary(r => r["id"]!.GetValue<string>(), ArmId.Comparer);

    private static void Compare(string resource, string path, JsonNode? before, JsonNode? after, List<Change> changes)
    {
        switch (before, after)
        {
            case (JsonObject b, JsonObject a):
                foreach (var key in b.Select(p => p.Key).Union(a.Select(p => p.Key), StringComparer.Ordinal))
                {
                    Compare(resource, path.Length == 0 ? key : $"{path}.{key}", b[key], a[key], changes);
                }

                break;
            case (JsonArray b, JsonArray a) when b.All(i => i is JsonObject o && o["name"] is not null) && a.All(i => i is JsonObject o && o["name"] is not null):
                // Named items (routes, ipconfigs) are compared by name, so a reordering is no change.
                var names = b.Select(Name).Union(a.Select(Name), StringComparer.OrdinalIgnoreCase);
                foreach (var name in names)
                {
                    Compare(resource, $"{path}[{name}]", b.FirstOrDefault(i => Name(i) == name), a.FirstOrDefault(i => Name(i) == name), changes);
                }

                break;
            default:
                var was = before?.ToJsonString();
                var now = after?.ToJsonString();
                if (was != now)
                {
                    changes.Add(new Change(resource, path, Plain(before), Plain(after)));
                }

                break;
        }
    }

    private static string? Name(JsonNode? item) => item?["name"]?.GetValue<string>();

    private static string? Plain(JsonNode? value) => value switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var text) => text,
        _ => value.ToJsonString(),
    };
}
