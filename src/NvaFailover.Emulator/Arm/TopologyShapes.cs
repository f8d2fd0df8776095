using System.Text.Json.Nodes;
using static NvaFailover.Emulator.Arm.ArmJson;

namespace NvaFailover.Emulator.Arm;

/// <summary>A resource of a scenario's topology in its ARM shape, as the emulator serves it.</summary>
/// <param name="Id">ARM id.</param>
/// <param name="Kind">Resource type's last segment.</param>
/// <param name="Body">The ARM JSON.</param>
/// <param name="Power">A VM's power state.</param>
/// <param name="ProbeUp">Whether a VM's probe endpoint answers.</param>
/// <param name="Forwarding">Whether a VM's appliance forwards traffic.</param>
/// <param name="Given">The properties Azure would fill in by itself that the scenario gave (they come back in the dump).</param>
internal sealed record ShapedResource(string Id, string Kind, JsonObject Body, string Power = "running", bool ProbeUp = true, IReadOnlySet<string>? Given = null, bool Forwarding = true)
{
    /// <summary>A subnet's learned routes.</summary>
    public JsonArray? LearnedRoutes { get; init; }
}

/// <summary>
/// The scenario file's topology shape and ARM's, both ways: the emulator loads a scenario into ARM JSON, and its dump
/// and <c>nvafo export</c> turn ARM JSON back into the scenario's shape, so a live network exported from Azure and a
/// scenario replayed on the emulator read the same way. Every property the shape does not name is carried over as it is.
/// </summary>
public static class TopologyShapes
{
    private static readonly string[] ServerProperties = ["provisioningState", "resourceGuid"];

    // Properties Azure fills in by itself: left out of an export (they would only clutter it), but kept in a rehearsal's
    // dump when the scenario gave them, so that every property a scenario gives comes back.
    private static readonly string[] RouteDefaults = ["hasBgpOverride"];
    private static readonly string[] IpConfigurationDefaults = ["privateIPAllocationMethod", "privateIPAddressVersion"];
    private static readonly string[] NicDefaults = ["virtualMachine", "macAddress", "primary"];
    private static readonly string[] PublicIpDefaults = ["publicIPAddressVersion", "publicIPAllocationMethod", "idleTimeoutInMinutes"];
    private static readonly HashSet<string> AllDefaults = [.. RouteDefaults, .. IpConfigurationDefaults, .. NicDefaults, .. PublicIpDefaults];

    /// <summary>A route table's ARM JSON in the scenario's shape.</summary>
    public static JsonObject RouteTable(JsonObject body) => RouteTable(body, null);

    /// <summary>A route table in the scenario's shape, with the Azure-filled properties in <paramref name="given"/> kept.</summary>
    internal static JsonObject RouteTable(JsonObject body, IReadOnlySet<string>? given)
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
            CopyUnknown(rp, route, [.. ServerProperties, "addressPrefix", "nextHopType", "nextHopIpAddress", .. Hidden(RouteDefaults, given)]);
            return (JsonNode)route;
        })]);
        CopyUnknown(props, table, [.. ServerProperties, "disableBgpRoutePropagation", "routes", "subnets"]);
        return table;
    }

    /// <summary>A NIC's ARM JSON in the scenario's shape.</summary>
    public static JsonObject NetworkInterface(JsonObject body) => NetworkInterface(body, null);

    /// <summary>A NIC in the scenario's shape, with the Azure-filled properties in <paramref name="given"/> kept.</summary>
    internal static JsonObject NetworkInterface(JsonObject body, IReadOnlySet<string>? given)
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

            CopyUnknown(cp, config, [.. ServerProperties, "privateIPAddress", .. Hidden(IpConfigurationDefaults, given), "subnet", "publicIPAddress", "primary", "applicationSecurityGroups"]);
            return (JsonNode)config;
        })]);
        CopyUnknown(props, nic, [.. ServerProperties, "ipConfigurations", "enableIPForwarding", "enableAcceleratedNetworking", "networkSecurityGroup", "dnsSettings", .. Hidden(NicDefaults, given)]);
        return nic;
    }

    /// <summary>A public IP's ARM JSON in the scenario's shape.</summary>
    public static JsonObject PublicIpAddress(JsonObject body) => PublicIpAddress(body, null);

    /// <summary>A public IP in the scenario's shape, with the Azure-filled properties in <paramref name="given"/> kept.</summary>
    internal static JsonObject PublicIpAddress(JsonObject body, IReadOnlySet<string>? given)
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
        CopyUnknown(props, pip, [.. ServerProperties, "ipAddress", .. Hidden(PublicIpDefaults, given), "ipConfiguration"]);
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
            resources.Add(new ShapedResource(vmId, "virtualMachines", VirtualMachineToArm(vm, vmId, location, nics), Str(vm, "powerState") ?? "running", vm["probeUp"]?.GetValue<bool>() ?? true)
            {
                Forwarding = vm["forwarding"]?.GetValue<bool>() ?? true,
            });
            resources.AddRange(nics.Select(nic => new ShapedResource(Str(nic, "id")!, "networkInterfaces", NicToArm(nic, location, vmId), Given: Given(nic))));
        }

        var nicBodies = resources.Where(r => r.Kind == "networkInterfaces").Select(r => r.Body).ToList();
        resources.AddRange(Array(topology, "publicIPAddresses").Select(pip => new ShapedResource(Str(pip, "id")!, "publicIPAddresses", PublicIpToArm(pip, nicBodies), Given: Given(pip))));
        var subnets = Array(topology, "subnets").ToList();
        resources.AddRange(Array(topology, "routeTables").Select(table => new ShapedResource(Str(table, "id")!, "routeTables", RouteTableToArm(table, subnets), Given: Given(table))));
        resources.AddRange(subnets.Select(subnet => new ShapedResource(Str(subnet, "id")!, "subnets", SubnetToArm(subnet))
        {
            LearnedRoutes = subnet["learnedRoutes"]?.DeepClone() as JsonArray,
        }));
        resources.AddRange(VirtualNetworksToArm(topology, subnets));
        return resources;
    }

    /// <summary>
    /// Every virtual network the scenario declares (<c>topology.virtualNetworks</c>: id, optional <c>dnsServers</c>) or
    /// implies by a subnet, with its DNS servers and its subnets, as <c>GET .../virtualNetworks/{v}</c> answers.
    /// </summary>
    private static IEnumerable<ShapedResource> VirtualNetworksToArm(JsonObject topology, IReadOnlyList<JsonObject> subnets)
    {
        static string NetworkOf(string subnetId) => subnetId[..Math.Max(0, subnetId.LastIndexOf("/subnets/", StringComparison.OrdinalIgnoreCase))];
        var declared = Array(topology, "virtualNetworks").Where(v => Str(v, "id") is not null).ToDictionary(v => Str(v, "id")!, StringComparer.OrdinalIgnoreCase);
        var ids = declared.Keys.Concat(subnets.Select(n => NetworkOf(Str(n, "id")!)).Where(id => id.Length > 0)).Distinct(StringComparer.OrdinalIgnoreCase);
        foreach (var id in ids)
        {
            var given = declared.GetValueOrDefault(id);
            var props = new JsonObject
            {
                ["provisioningState"] = "Succeeded",
                ["dhcpOptions"] = new JsonObject { ["dnsServers"] = given?["dnsServers"]?.DeepClone() ?? new JsonArray() },
                ["subnets"] = new JsonArray([.. subnets.Where(n => NetworkOf(Str(n, "id")!).Equals(id, StringComparison.OrdinalIgnoreCase)).Select(n => (JsonNode)SubnetToArm(n))]),
            };
            if (given is not null)
            {
                CopyUnknown(given, props, ["id", "location", "dnsServers", "tags"]);
            }

            var body = Envelope(id, "Microsoft.Network/virtualNetworks", given is null ? "westeurope" : Str(given, "location") ?? "westeurope", given?["tags"]);
            body["properties"] = props;
            yield return new ShapedResource(id, "virtualNetworks", body);
        }
    }

    /// <summary>The Azure-filled properties a scenario resource gives, at any depth.</summary>
    private static HashSet<string> Given(JsonNode? node)
    {
        var given = new HashSet<string>(StringComparer.Ordinal);
        void Walk(JsonNode? n)
        {
            switch (n)
            {
                case JsonObject o:
                    foreach (var (key, value) in o)
                    {
                        if (AllDefaults.Contains(key))
                        {
                            given.Add(key);
                        }

                        Walk(value);
                    }

                    break;
                case JsonArray a:
                    foreach (var item in a)
                    {
                        Walk(item);
                    }

                    break;
                default:
                    break;
            }
        }

        Walk(node);
        return given;
    }

    private static string[] Hidden(string[] defaults, IReadOnlySet<string>? given) =>
        given is null ? defaults : [.. defaults.Where(d => !given.Contains(d))];

    private static JsonObject SubnetToArm(JsonObject subnet)
    {
        var id = Str(subnet, "id")!;
        var props = new JsonObject { ["provisioningState"] = "Succeeded" };
        if (Str(subnet, "routeTableId") is { } table)
        {
            props["routeTable"] = new JsonObject { ["id"] = table };
        }

        CopyUnknown(subnet, props, ["id", "routeTableId", "learnedRoutes"]);
        return new JsonObject
        {
            ["name"] = id[(id.LastIndexOf('/') + 1)..],
            ["id"] = id,
            ["etag"] = NewETag(),
            ["type"] = "Microsoft.Network/virtualNetworks/subnets",
            ["properties"] = props,
        };
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
        CopyUnknown(vm, props, ["id", "location", "powerState", "probeUp", "forwarding", "networkInterfaces", "tags"]);
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
            ["privateIPAllocationMethod"] = c["privateIPAllocationMethod"]?.DeepClone() ?? "Static",
            ["privateIPAddressVersion"] = c["privateIPAddressVersion"]?.DeepClone() ?? "IPv4",
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
            ["publicIPAddressVersion"] = pip["publicIPAddressVersion"]?.DeepClone() ?? "IPv4",
            ["publicIPAllocationMethod"] = pip["publicIPAllocationMethod"]?.DeepClone() ?? "Static",
            ["idleTimeoutInMinutes"] = pip["idleTimeoutInMinutes"]?.DeepClone() ?? 4,
        };
        if (holder.Config is not null)
        {
            props["ipConfiguration"] = new JsonObject { ["id"] = Str(holder.Config, "id") };
        }

        CopyUnknown(pip, props, ["id", "location", "ipAddress", "sku", "tags"]);
        body["properties"] = props;
        return body;
    }

    private static JsonObject RouteTableToArm(JsonObject table, IReadOnlyList<JsonObject> subnets)
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
        var users = subnets.Where(n => string.Equals(Str(n, "routeTableId"), id, StringComparison.OrdinalIgnoreCase)).ToList();
        if (users.Count > 0)
        {
            props["subnets"] = new JsonArray([.. users.Select(n => (JsonNode)new JsonObject { ["id"] = Str(n, "id") })]);
        }

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
