using System.Text.Json;
using System.Text.Json.Nodes;

namespace NvaFailover.Emulator.Arm;

/// <summary>Reading and shaping ARM JSON: the helpers the store, Azure's rules and the scenario shapes share.</summary>
internal static class ArmJson
{
    /// <summary>A resource's <c>properties</c> object (an empty one when it has none).</summary>
    public static JsonObject Props(JsonObject o) => o["properties"] as JsonObject ?? [];

    /// <summary>The string at <paramref name="path"/>, or null when any step is missing or not a string.</summary>
    public static string? Str(JsonObject? o, params string[] path)
    {
        JsonNode? node = o;
        foreach (var key in path)
        {
            node = node is JsonObject obj ? obj[key] : null;
        }

        return node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
    }

    /// <summary>The objects of an array property (none when absent).</summary>
    public static IEnumerable<JsonObject> Array(JsonObject o, string key) => (o[key] as JsonArray ?? []).OfType<JsonObject>();

    /// <summary>A NIC's ipconfigs.</summary>
    public static IEnumerable<JsonObject> IpConfigs(JsonObject nic) => Array(Props(nic), "ipConfigurations");

    /// <summary>Copies every property of <paramref name="from"/> that is not <paramref name="known"/> and not already in <paramref name="to"/>.</summary>
    public static void CopyUnknown(JsonObject from, JsonObject to, string[] known)
    {
        foreach (var (key, value) in from)
        {
            if (!known.Contains(key, StringComparer.Ordinal) && !to.ContainsKey(key))
            {
                to[key] = value?.DeepClone();
            }
        }
    }

    /// <summary>Copies one property when it is present (null included).</summary>
    public static void CopyIfPresent(JsonObject from, JsonObject to, string key)
    {
        if (from.TryGetPropertyValue(key, out var value))
        {
            to[key] = value?.DeepClone();
        }
    }

    /// <summary>The envelope every resource shares: name, id, a fresh ETag, type, location and tags.</summary>
    public static JsonObject Envelope(string id, string type, string location, JsonNode? tags)
    {
        var body = new JsonObject
        {
            ["name"] = id[(id.LastIndexOf('/') + 1)..],
            ["id"] = id,
            ["etag"] = NewETag(),
            ["type"] = type,
            ["location"] = location,
        };
        if (tags is not null)
        {
            body["tags"] = tags.DeepClone();
        }

        return body;
    }

    /// <summary>Sets the provisioning state of a resource and of its routes or ipconfigs.</summary>
    public static void SetProvisioningState(JsonObject body, string state)
    {
        Props(body)["provisioningState"] = state;
        foreach (var key in new[] { "routes", "ipConfigurations" })
        {
            foreach (var child in Array(Props(body), key))
            {
                Props(child)["provisioningState"] = state;
            }
        }
    }

    /// <summary>An ETag as Network writes them: <c>W/"guid"</c>.</summary>
    public static string NewETag() => $"W/\"{Guid.NewGuid()}\"";
}
