using System.Net;
using System.Text.Json.Nodes;
using NvaFailover.Emulator.Scenarios;
using static NvaFailover.Emulator.Arm.ArmJson;

namespace NvaFailover.Emulator.Arm;

/// <summary>
/// Azure's rules for a write: the If-Match precondition, "another operation in progress", the body as Azure stores it
/// (what the client sent plus the fields the server owns), and what a route table or NIC must satisfy.
/// </summary>
internal static class NetworkRules
{
    /// <summary>Refuses a write whose If-Match is stale (412) or that meets an operation still running (429 or 409).</summary>
    public static void CheckWritable(ArmResource? existing, string id, string? ifMatch, LongRunningOperations operations, DateTimeOffset now)
    {
        if (ifMatch is not null && ifMatch != "*")
        {
            var current = existing is null ? "(none)" : Str(existing.Body, "etag")!;
            if (current != ifMatch)
            {
                throw EtagMismatch(ifMatch, current, id);
            }
        }

        if (existing?.PendingOperation is { } pending)
        {
            var op = operations[pending];
            if (existing.Kind == "routeTables")
            {
                throw new ArmError((HttpStatusCode)429, "RetryableErrorDueToAnotherOperation",
                    $"Operation on {id} could not be completed because another operation on this or a dependent resource is in progress. Retry after some time.")
                { RetryAfter = op.CompletesAt - now };
            }

            throw new ArmError(HttpStatusCode.Conflict, "AnotherOperationInProgress",
                $"Another operation on this or dependent resource is in progress. To retrieve status of the operation use uri: {op.StatusUrl("https://management.azure.com")}.")
            { RetryAfter = op.CompletesAt - now };
        }
    }

    public static ArmError EtagMismatch(string sent, string current, string id) =>
        new(HttpStatusCode.PreconditionFailed, "PreconditionFailed", "Precondition failed.",
            [("PreconditionFailedEtagMismatch", $"Etag provided in if-match header {sent} does not match etag {current} of resource {id} in NRP data store.")]);

    /// <summary>The body as stored: what was sent, plus the fields the server owns.</summary>
    public static JsonObject Normalise(string id, string kind, JsonObject sent, ArmResource? existing)
    {
        var body = (JsonObject)sent.DeepClone();
        var name = id[(id.LastIndexOf('/') + 1)..];
        body["id"] = id;
        body["name"] = name;
        body["type"] = $"Microsoft.Network/{kind}";
        body["etag"] = NewETag();
        if (Str(body, "location") is null)
        {
            body["location"] = existing is null ? null : Str(existing.Body, "location");
        }

        if (body["location"] is null)
        {
            throw ArmError.BadRequest("LocationRequired", $"The location property is required for resource {id}.");
        }

        if (body["properties"] is not JsonObject props)
        {
            props = [];
            body["properties"] = props;
        }

        props["provisioningState"] = "Updating";
        props["resourceGuid"] = existing is null ? Guid.NewGuid().ToString() : Str(Props(existing.Body), "resourceGuid");
        var children = kind switch
        {
            "routeTables" => ("routes", "Microsoft.Network/routeTables/routes"),
            "networkInterfaces" => ("ipConfigurations", "Microsoft.Network/networkInterfaces/ipConfigurations"),
            _ => ((string, string)?)null,
        };
        if (children is var (key, childType) && props[key] is JsonArray array)
        {
            foreach (var child in array.OfType<JsonObject>())
            {
                var childName = Str(child, "name") ?? throw ArmError.BadRequest("InvalidRequestFormat", $"Every entry of properties.{key} of {id} needs a name.");
                child["id"] = $"{id}/{key}/{childName}";
                child["type"] = childType;
                child["etag"] = body["etag"]!.GetValue<string>();
                if (child["properties"] is not JsonObject childProps)
                {
                    childProps = [];
                    child["properties"] = childProps;
                }

                childProps["provisioningState"] = "Updating";
            }
        }

        if (kind == "networkInterfaces" && existing is not null)
        {
            // Read-only links Azure keeps whatever the client sends.
            props["virtualMachine"] = Props(existing.Body)["virtualMachine"]?.DeepClone();
        }

        return body;
    }

    /// <summary>Next hops of a route table; a NIC's public IPs (present, same region, not held elsewhere).</summary>
    public static void Validate(string id, string kind, JsonObject body, IReadOnlyDictionary<string, ArmResource> resources)
    {
        var props = Props(body);
        if (kind == "routeTables")
        {
            foreach (var route in Array(props, "routes"))
            {
                ValidateRoute(id, route);
            }
        }

        if (kind == "networkInterfaces")
        {
            var location = Str(body, "location");
            foreach (var config in IpConfigs(body))
            {
                if (Str(Props(config), "publicIPAddress", "id") is { } pipId)
                {
                    ValidatePublicIp(id, location, Str(config, "id"), pipId, resources);
                }
            }
        }
    }

    private static void ValidateRoute(string id, JsonObject route)
    {
        var rp = Props(route);
        var type = Str(rp, "nextHopType");
        var ip = Str(rp, "nextHopIpAddress");
        if (type is null || !Scenario.NextHopTypes.Contains(type, StringComparer.OrdinalIgnoreCase))
        {
            throw ArmError.BadRequest("InvalidRequestFormat", $"Route '{Str(route, "name")}' of {id}: nextHopType '{type}' is not one of {string.Join(", ", Scenario.NextHopTypes)}.");
        }

        var isAppliance = type.Equals("VirtualAppliance", StringComparison.OrdinalIgnoreCase);
        if (isAppliance && string.IsNullOrEmpty(ip))
        {
            throw ArmError.BadRequest("InvalidRequestFormat", $"Route '{Str(route, "name")}' of {id}: NextHopIpAddress cannot be null or empty when NextHopType is VirtualAppliance.");
        }

        if (!isAppliance && !string.IsNullOrEmpty(ip))
        {
            throw ArmError.BadRequest("InvalidRequestFormat", $"Route '{Str(route, "name")}' of {id}: NextHopIpAddress can only be set when NextHopType is VirtualAppliance, not {type}.");
        }
    }

    private static void ValidatePublicIp(string id, string? location, string? configId, string pipId, IReadOnlyDictionary<string, ArmResource> resources)
    {
        if (!resources.TryGetValue(pipId, out var pip) || pip.Kind != "publicIPAddresses"
            || !string.Equals(Str(pip.Body, "location"), location, StringComparison.OrdinalIgnoreCase))
        {
            throw ArmError.BadRequest("InvalidResourceReference", $"Resource {pipId} referenced by resource {id} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.");
        }

        var holder = Str(Props(pip.Committed), "ipConfiguration", "id");
        var pendingHolder = resources.Values
            .Where(r => r.Kind == "networkInterfaces" && r.PendingOperation is not null && !string.Equals(r.Id, id, StringComparison.OrdinalIgnoreCase))
            .SelectMany(r => IpConfigs(r.Body))
            .FirstOrDefault(c => string.Equals(Str(Props(c), "publicIPAddress", "id"), pipId, StringComparison.OrdinalIgnoreCase));
        if ((holder is not null && !string.Equals(holder, configId, StringComparison.OrdinalIgnoreCase)) || pendingHolder is not null)
        {
            throw ArmError.BadRequest("PublicIPAddressInUse", $"Resource {id} is referencing public IP address {pipId} that is already allocated to resource {holder ?? Str(pendingHolder!, "id")}.");
        }
    }
}
