using System.Text.Json.Nodes;

namespace NvaFailover.Emulator;

/// <summary>
/// ARM JSON in the scenario file's topology shape: the emulator's dump and <c>nvafo export</c> both use it, so a
/// live network exported from Azure and a scenario replayed on the emulator read the same way. Every property the
/// shape does not name is carried over as it is.
/// </summary>
public static class TopologyShapes
{
    private static readonly string[] ServerProperties = ["provisioningState", "resourceGuid"];

    /// <summary>A route table's ARM JSON in the scenario's shape.</summary>
    public static JsonObject RouteTable(JsonObject body)
    {
        var props = ArmStore.Props(body);
        var table = new JsonObject { ["id"] = ArmStore.Str(body, "id"), ["location"] = ArmStore.Str(body, "location") };
        ArmStore.CopyIfPresent(body, table, "tags");
        ArmStore.CopyIfPresent(props, table, "disableBgpRoutePropagation");
        table["routes"] = new JsonArray([.. (props["routes"] as JsonArray ?? []).OfType<JsonObject>().Select(r =>
        {
            var rp = ArmStore.Props(r);
            var route = new JsonObject { ["name"] = ArmStore.Str(r, "name") };
            ArmStore.CopyIfPresent(rp, route, "addressPrefix");
            ArmStore.CopyIfPresent(rp, route, "nextHopType");
            ArmStore.CopyIfPresent(rp, route, "nextHopIpAddress");
            ArmStore.CopyUnknown(rp, route, [.. ServerProperties, "addressPrefix", "nextHopType", "nextHopIpAddress", "hasBgpOverride"]);
            return (JsonNode)route;
        })]);
        ArmStore.CopyUnknown(props, table, [.. ServerProperties, "disableBgpRoutePropagation", "routes", "subnets"]);
        return table;
    }

    /// <summary>A NIC's ARM JSON in the scenario's shape.</summary>
    public static JsonObject NetworkInterface(JsonObject body)
    {
        var props = ArmStore.Props(body);
        var nic = new JsonObject { ["id"] = ArmStore.Str(body, "id"), ["location"] = ArmStore.Str(body, "location") };
        ArmStore.CopyIfPresent(body, nic, "tags");
        ArmStore.CopyIfPresent(props, nic, "enableIPForwarding");
        ArmStore.CopyIfPresent(props, nic, "enableAcceleratedNetworking");
        if (ArmStore.Str(props, "networkSecurityGroup", "id") is { } nsg)
        {
            nic["networkSecurityGroupId"] = nsg;
        }

        ArmStore.CopyIfPresent(props, nic, "dnsSettings");
        nic["ipConfigurations"] = new JsonArray([.. (props["ipConfigurations"] as JsonArray ?? []).OfType<JsonObject>().Select(c =>
        {
            var cp = ArmStore.Props(c);
            var config = new JsonObject { ["name"] = ArmStore.Str(c, "name") };
            ArmStore.CopyIfPresent(cp, config, "privateIPAddress");
            if (ArmStore.Str(cp, "subnet", "id") is { } subnet)
            {
                config["subnetId"] = subnet;
            }

            if (ArmStore.Str(cp, "publicIPAddress", "id") is { } pip)
            {
                config["publicIPAddressId"] = pip;
            }

            ArmStore.CopyIfPresent(cp, config, "primary");
            if (cp["applicationSecurityGroups"] is JsonArray asgs)
            {
                config["applicationSecurityGroupIds"] = new JsonArray([.. asgs.OfType<JsonObject>().Select(a => (JsonNode?)a["id"]?.DeepClone())]);
            }

            ArmStore.CopyUnknown(cp, config, [.. ServerProperties, "privateIPAddress", "privateIPAllocationMethod", "privateIPAddressVersion", "subnet", "publicIPAddress", "primary", "applicationSecurityGroups"]);
            return (JsonNode)config;
        })]);
        ArmStore.CopyUnknown(props, nic, [.. ServerProperties, "ipConfigurations", "enableIPForwarding", "enableAcceleratedNetworking", "networkSecurityGroup", "dnsSettings", "virtualMachine", "macAddress", "primary"]);
        return nic;
    }

    /// <summary>A public IP's ARM JSON in the scenario's shape.</summary>
    public static JsonObject PublicIpAddress(JsonObject body)
    {
        var props = ArmStore.Props(body);
        var pip = new JsonObject { ["id"] = ArmStore.Str(body, "id"), ["location"] = ArmStore.Str(body, "location") };
        ArmStore.CopyIfPresent(props, pip, "ipAddress");
        if (ArmStore.Str(body, "sku", "name") is { } sku)
        {
            pip["sku"] = sku;
        }

        ArmStore.CopyIfPresent(body, pip, "tags");
        ArmStore.CopyUnknown(props, pip, [.. ServerProperties, "ipAddress", "publicIPAddressVersion", "publicIPAllocationMethod", "idleTimeoutInMinutes", "ipConfiguration"]);
        return pip;
    }
}
