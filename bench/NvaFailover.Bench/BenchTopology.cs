using System.Globalization;
using System.Text.Json.Nodes;

namespace NvaFailover.Bench;

/// <summary>
/// The benchmarks' network: two NVAs (nva-a preferred, nva-b) with an outside and an inside interface, N spoke route
/// tables in one subscription (three managed routes and one local route each), and optionally the public IP on
/// nva-a's outside interface. As a scenario for 'nvafo simulate', and as what the ha-nva-fo baseline needs to know.
/// </summary>
internal static class BenchTopology
{
    public const string Sub = "bbbbbbbb-0000-4000-8000-00000000000a";
    public const string Tag = "bench";
    public static readonly string[] NvaA = ["10.0.1.4", "10.0.2.4"];
    public static readonly string[] NvaB = ["10.0.1.5", "10.0.2.5"];

    public static string Vm(string name) => $"/subscriptions/{Sub}/resourceGroups/rg-nva/providers/Microsoft.Compute/virtualMachines/{name}";

    public static string Pip => $"/subscriptions/{Sub}/resourceGroups/rg-nva/providers/Microsoft.Network/publicIPAddresses/pip";

    /// <summary>A scenario: the topology, default settings (the Functions app's, with the public IP when there is one), a timeline.</summary>
    public static JsonObject Scenario(string name, int tables, bool publicIp, TimeSpan duration, IEnumerable<JsonObject> timeline, Action<JsonObject>? cluster = null)
    {
        var settings = new JsonObject
        {
            ["Name"] = Tag,
            ["Nvas"] = new JsonArray(new JsonObject { ["VirtualMachineId"] = Vm("nva-a") }, new JsonObject { ["VirtualMachineId"] = Vm("nva-b") }),
            ["RouteTables"] = new JsonObject { ["TagValue"] = Tag },
            ["PublicIpAddressIds"] = publicIp ? new JsonArray(Pip) : new JsonArray(),
        };
        cluster?.Invoke(settings);
        return new JsonObject
        {
            ["name"] = name,
            ["topology"] = Topology(tables, publicIp),
            ["settings"] = new JsonObject { ["Clusters"] = new JsonArray(settings) },
            ["arm"] = new JsonObject { ["latency"] = new JsonObject { ["read"] = "00:00:00.100", ["routeTableWrite"] = "00:00:05", ["networkInterfaceWrite"] = "00:00:15" } },
            ["timeline"] = new JsonArray([.. timeline]),
            ["duration"] = duration.ToString("c", CultureInfo.InvariantCulture),
        };
    }

    public static JsonObject Event(TimeSpan at, string action, string vm) =>
        new() { ["at"] = at.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture), ["do"] = action, ["vm"] = vm };

    public static JsonObject Topology(int tables, bool publicIp)
    {
        JsonObject Nva(string name, string[] ips) => new()
        {
            ["id"] = Vm(name),
            ["location"] = "westeurope",
            ["networkInterfaces"] = new JsonArray(Nic($"{name}-outside", ips[0], publicIp && name == "nva-a"), Nic($"{name}-inside", ips[1], false)),
        };
        JsonObject Nic(string name, string ip, bool pip)
        {
            var config = new JsonObject { ["name"] = "ipconfig1", ["privateIPAddress"] = ip, ["subnetId"] = $"/subscriptions/{Sub}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/hub/subnets/{(ip.StartsWith("10.0.1.", StringComparison.Ordinal) ? "outside" : "inside")}" };
            if (pip)
            {
                config["publicIPAddressId"] = Pip;
            }

            return new JsonObject
            {
                ["id"] = $"/subscriptions/{Sub}/resourceGroups/rg-nva/providers/Microsoft.Network/networkInterfaces/{name}",
                ["enableIPForwarding"] = true,
                ["networkSecurityGroupId"] = $"/subscriptions/{Sub}/resourceGroups/rg-nva/providers/Microsoft.Network/networkSecurityGroups/nsg-nva",
                ["ipConfigurations"] = new JsonArray(config),
            };
        }

        var routeTables = new JsonArray();
        for (var i = 0; i < tables; i++)
        {
            routeTables.Add(new JsonObject
            {
                ["id"] = $"/subscriptions/{Sub}/resourceGroups/rg-spokes/providers/Microsoft.Network/routeTables/rt-{i:0000}",
                ["location"] = "westeurope",
                ["tags"] = new JsonObject { ["nva_ha_udr"] = Tag },
                ["routes"] = new JsonArray(
                    Route("default", "0.0.0.0/0", NvaA[1]),
                    Route("branches", "192.168.0.0/16", NvaA[1]),
                    Route("dmz", "172.16.0.0/12", NvaA[0]),
                    new JsonObject { ["name"] = "local", ["addressPrefix"] = $"10.{100 + (i % 100)}.{i / 100}.0/24", ["nextHopType"] = "VnetLocal" }),
            });
        }

        return new JsonObject
        {
            ["virtualMachines"] = new JsonArray(Nva("nva-a", NvaA), Nva("nva-b", NvaB)),
            ["publicIPAddresses"] = publicIp ? new JsonArray(new JsonObject { ["id"] = Pip, ["ipAddress"] = "20.1.2.3", ["sku"] = "Standard" }) : new JsonArray(),
            ["routeTables"] = routeTables,
        };
    }

    private static JsonObject Route(string name, string prefix, string ip) =>
        new() { ["name"] = name, ["addressPrefix"] = prefix, ["nextHopType"] = "VirtualAppliance", ["nextHopIpAddress"] = ip };
}
