using System.Text.Json.Nodes;
using static NvaFailover.Emulator.ArmJson;

namespace NvaFailover.Emulator;

/// <summary>A resource of a scenario's topology in its ARM shape, as the emulator serves it.</summary>
/// <param name="Id">ARM id.</param>
/// <param name="Kind">Resource type's last segment.</param>
/// <param name="Body">The ARM JSON.</param>
/// <param name="Power">A VM's power state.</param>
/// <param name="ProbeUp">Whether a VM's probe endpoint answers.</param>
internal sealed record ShapedResource(string Id, string Kind, JsonObject Body, string Power = "running", bool ProbeUp = true);

/// <summary>
/// The scenario file's topology shape and ARM's, both ways: the emulator loads a scenario into ARM JSON, and its dump
/// and <c>nvafo export</c> turn ARM JSON back into the scenario's shape, so a live network exported from Azure and a
/// scenario replayed on the emulator read the same way. Every property the shape does not name is carried over as it is.
/// </summary>
public static class TopologyShapes
{
    private static readonly string[] ServerProperties = ["provisioningState", "resourceGuid"];

    /// <summary>A route table's ARM JSON in the scenario's shape.</summary>
    public static JsonObject RouteTable(JsonObject body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var props = Props(body);
        var table = new JsonObject { ["id"] = Str(body, "id"), ["location"] = Str(body, "location") };
        CopyIfPresent(body, table, "tags");
        CopyIfPresent(props, table, "disableBgpRoutePropagation");
        table["routes"] = new JsonArray([.. Array(props, "routes").Select(r =>
        {
            var rp = Props(r);
            var route = new JsonObject { ["name"] = Str(r, "name") };
            CopyIfPresent(rp, route, "addressPrefix");
            CopyIfPresent(rp, route, "nextHopType");
            CopyIfPresent(rp, route, "nextHopIpAddress");
            CopyUnknown(rp, route, [.. ServerProperties, "addressPrefix", "nextHopType", "nextHopIpAddress", "hasBgpOverride"]);
            return (JsonNode)route;
        })]);
        CopyUnknown(props, table, [.. ServerProperties, "disableBgpRoutePropagation", "routes", "subnets"]);
        return table;
    }

    /// <summary>A NIC's ARM JSON in the scenario's shape.</summary>
    public static JsonObject NetworkInterface(JsonObject body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var props = Props(body);
        var nic = new JsonObject { ["id"] = Str(body, "id"), ["location"] = Str(body, "location") };
        CopyIfPresent(body, nic, "tags");
        CopyIfPresent(props, nic, "enableIPForwarding");
        CopyIfPresent(props, nic, "enableAcceleratedNetworking");
        if (Str(props, "networkSecurityGroup", "id") is { } nsg)
        {
            nic["networkSecurityGroupId"] = nsg;
        }

        CopyIfPresent(props, nic, "dnsSettings");
        nic["ipConfigurations"] = new JsonArray([.. Array(props, "ipConfigurations").Select(c =>
        {
            var cp = Props(c);
            var config = new JsonObject { ["name"] = Str(c, "name") };
            CopyIfPresent(cp, config, "privateIPAddress");
            if (Str(cp, "subnet", "id") is { } subnet)
            {
                config["subnetId"] = subnet;
            }

            if (Str(cp, "publicIPAddress", "id") is { } pip)
            {
                config["publicIPAddressId"] = pip;
            }

            CopyIfPresent(cp, config, "primary");
            if (cp["applicationSecurityGroups"] is JsonArray asgs)
            {
                config["applicationSecurityGroupIds"] = new JsonArray([.. asgs.OfType<JsonObject>().Select(a => (JsonNode?)a["id"]?.DeepClone())]);
            }

            CopyUnknown(cp, config, [.. ServerProperties, "privateIPAddress", "privateIPAllocationMethod", "privateIPAddressVersion", "subnet", "publicIPAddress", "primary", "applicationSecurityGroups"]);
            return (JsonNode)config;
        })]);
        CopyUnknown(props, nic, [.. ServerProperties, "ipConfigurations", "enableIPForwarding", "enableAcceleratedNetworking", "networkSecurityGroup", "dnsSettings", "virtualMachine", "macAddress", "primary"]);
        return nic;
    }

    /// <summary>A public IP's ARM JSON in the scenario's shape.</summary>
    public static JsonObject PublicIpAddress(JsonObject body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var props = Props(body);
        var pip = new JsonObject { ["id"] = Str(body, "id"), ["location"] = Str(body, "location") };
        CopyIfPresent(props, pip, "ipAddress");
        if (Str(body, "sku", "name") is { } sku)
        {
            pip["sku"] = sku;
        }

        CopyIfPresent(body, pip, "tags");
        CopyUnknown(props, pip, [.. ServerProperties, "ipAddress", "publicIPAddressVersion", "publicIPAllocationMethod", "idleTimeoutInMinutes", "ipConfiguration"]);
        return pip;
    }

    /// <summary>A scenario's topology as ARM resources: each VM, then its NICs, then public IPs, then route tables.</summary>
    internal static IReadOnlyList<ShapedResource> ToArm(JsonObject topology)
    {
        var resources = new List<ShapedResource>();
        foreach (var vm in Array(topology, "virtualMachines"))
        {
            var vmId = Str(vm, "id")!;
            var location = Str(vm, "location") ?? "westeurope";
            var nics = Array(vm, "networkInterfaces").ToList();
            resources.Add(new ShapedResource(vmId, "virtualMachines", VirtualMachineToArm(vm, vmId, location, nics), Str(vm, "powerState") ?? "running", vm["probeUp"]?.GetValue<bool>() ?? true));
            resources.AddRange(nics.Select(nic => new ShapedResource(Str(nic, "id")!, "networkInterfaces", NicToArm(nic, location, vmId))));
        }

        var nicBodies = resources.Where(r => r.Kind == "networkInterfaces").Select(r => r.Body).ToList();
        resources.AddRange(Array(topology, "publicIPAddresses").Select(pip => new ShapedResource(Str(pip, "id")!, "publicIPAddresses", PublicIpToArm(pip, nicBodies))));
        resources.AddRange(Array(topology, "routeTables").Select(table => new ShapedResource(Str(table, "id")!, "routeTables", RouteTableToArm(table))));
        return resources;
    }

    private static JsonObject VirtualMachineToArm(JsonObject vm, string vmId, string location, List<JsonObject> nics)
    {
        var body = Envelope(vmId, "Microsoft.Compute/virtualMachines", location, vm["tags"]);
        var props = new JsonObject
        {
            ["vmId"] = Guid.NewGuid().ToString(),
            ["hardwareProfile"] = new JsonObject { ["vmSize"] = "Standard_D2s_v5" },
            ["provisioningState"] = "Succeeded",
            ["networkProfile"] = new JsonObject
            {
                ["networkInterfaces"] = new JsonArray([.. nics.Select((n, i) => (JsonNode)new JsonObject
                {
                    ["id"] = Str(n, "id"),
                    ["properties"] = new JsonObject { ["primary"] = i == 0 },
                })]),
            },
        };
        CopyUnknown(vm, props, ["id", "location", "powerState", "probeUp", "networkInterfaces", "tags"]);
        body["properties"] = props;
        return body;
    }

    private static JsonObject NicToArm(JsonObject nic, string vmLocation, string vmId)
    {
        var id = Str(nic, "id")!;
        var body = Envelope(id, "Microsoft.Network/networkInterfaces", Str(nic, "location") ?? vmLocation, nic["tags"]);
        var props = new JsonObject
        {
            ["provisioningState"] = "Succeeded",
            ["resourceGuid"] = Guid.NewGuid().ToString(),
            ["ipConfigurations"] = new JsonArray([.. Array(nic, "ipConfigurations").Select((c, i) => (JsonNode)IpConfigToArm(id, c, i == 0))]),
            ["enableIPForwarding"] = nic["enableIPForwarding"]?.DeepClone() ?? false,
            ["virtualMachine"] = new JsonObject { ["id"] = vmId },
        };
        if (nic["enableAcceleratedNetworking"] is { } accelerated)
        {
            props["enableAcceleratedNetworking"] = accelerated.DeepClone();
        }

        if (Str(nic, "networkSecurityGroupId") is { } nsg)
        {
            props["networkSecurityGroup"] = new JsonObject { ["id"] = nsg };
        }

        if (nic["dnsSettings"] is { } dns)
        {
            props["dnsSettings"] = dns.DeepClone();
        }

        CopyUnknown(nic, props, ["id", "location", "tags", "ipConfigurations", "enableIPForwarding", "enableAcceleratedNetworking", "networkSecurityGroupId", "dnsSettings"]);
        body["properties"] = props;
        return body;
    }

    private static JsonObject IpConfigToArm(string nicId, JsonObject c, bool first)
    {
        var name = Str(c, "name")!;
        var props = new JsonObject
        {
            ["provisioningState"] = "Succeeded",
            ["privateIPAddress"] = Str(c, "privateIPAddress"),
            ["privateIPAllocationMethod"] = "Static",
            ["privateIPAddressVersion"] = "IPv4",
            ["primary"] = c["primary"]?.DeepClone() ?? first,
        };
        if (Str(c, "subnetId") is { } subnet)
        {
            props["subnet"] = new JsonObject { ["id"] = subnet };
        }

        if (Str(c, "publicIPAddressId") is { } pip)
        {
            props["publicIPAddress"] = new JsonObject { ["id"] = pip };
        }

        if (c["applicationSecurityGroupIds"] is JsonArray asgs)
        {
            props["applicationSecurityGroups"] = new JsonArray([.. asgs.Select(a => (JsonNode)new JsonObject { ["id"] = a?.DeepClone() })]);
        }

        CopyUnknown(c, props, ["name", "privateIPAddress", "subnetId", "publicIPAddressId", "primary", "applicationSecurityGroupIds"]);
        return new JsonObject
        {
            ["name"] = name,
            ["id"] = $"{nicId}/ipConfigurations/{name}",
            ["etag"] = NewETag(),
            ["type"] = "Microsoft.Network/networkInterfaces/ipConfigurations",
            ["properties"] = props,
        };
    }

    private static JsonObject PublicIpToArm(JsonObject pip, IReadOnlyList<JsonObject> nics)
    {
        var id = Str(pip, "id")!;
        var holder = nics.SelectMany(n => IpConfigs(n).Select(c => (Nic: n, Config: c)))
            .FirstOrDefault(x => string.Equals(Str(Props(x.Config), "publicIPAddress", "id"), id, StringComparison.OrdinalIgnoreCase));
        var location = Str(pip, "location") ?? (holder.Nic is null ? "westeurope" : Str(holder.Nic, "location")!);
        var body = Envelope(id, "Microsoft.Network/publicIPAddresses", location, pip["tags"]);
        body["sku"] = new JsonObject { ["name"] = Str(pip, "sku") ?? "Standard", ["tier"] = "Regional" };
        var props = new JsonObject
        {
            ["provisioningState"] = "Succeeded",
            ["resourceGuid"] = Guid.NewGuid().ToString(),
            ["ipAddress"] = Str(pip, "ipAddress"),
            ["publicIPAddressVersion"] = "IPv4",
            ["publicIPAllocationMethod"] = "Static",
            ["idleTimeoutInMinutes"] = 4,
        };
        if (holder.Config is not null)
        {
            props["ipConfiguration"] = new JsonObject { ["id"] = Str(holder.Config, "id") };
        }

        CopyUnknown(pip, props, ["id", "location", "ipAddress", "sku", "tags"]);
        body["properties"] = props;
        return body;
    }

    private static JsonObject RouteTableToArm(JsonObject table)
    {
        var id = Str(table, "id")!;
        var body = Envelope(id, "Microsoft.Network/routeTables", Str(table, "location") ?? "westeurope", table["tags"]);
        var props = new JsonObject
        {
            ["provisioningState"] = "Succeeded",
            ["resourceGuid"] = Guid.NewGuid().ToString(),
            ["disableBgpRoutePropagation"] = table["disableBgpRoutePropagation"]?.DeepClone() ?? false,
            ["routes"] = new JsonArray([.. Array(table, "routes").Select(r => (JsonNode)RouteToArm(id, r))]),
        };
        CopyUnknown(table, props, ["id", "location", "tags", "disableBgpRoutePropagation", "routes"]);
        body["properties"] = props;
        return body;
    }

    private static JsonObject RouteToArm(string tableId, JsonObject r)
    {
        var name = Str(r, "name")!;
        var props = new JsonObject
        {
            ["provisioningState"] = "Succeeded",
            ["addressPrefix"] = Str(r, "addressPrefix"),
            ["nextHopType"] = Str(r, "nextHopType"),
        };
        if (Str(r, "nextHopIpAddress") is { } ip)
        {
            props["nextHopIpAddress"] = ip;
        }

        CopyUnknown(r, props, ["name", "addressPrefix", "nextHopType", "nextHopIpAddress"]);
        return new JsonObject
        {
            ["name"] = name,
            ["id"] = $"{tableId}/routes/{name}",
            ["etag"] = NewETag(),
            ["type"] = "Microsoft.Network/routeTables/routes",
            ["properties"] = props,
        };
    }
}
