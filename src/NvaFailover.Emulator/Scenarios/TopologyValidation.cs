using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace NvaFailover.Emulator.Scenarios;

/// <summary>
/// The checks of a scenario's topology: what Azure itself would refuse (two routes of a table with one name, a private
/// IP twice in a virtual network, a public IP on two ipconfigs, an ipconfig outside any subnet, a VM without a NIC, a
/// prefix that is no prefix) and references to resources the topology lacks. Each problem has its JSON path.
/// </summary>
internal static partial class TopologyValidation
{
    public static void Check(JsonObject topology, List<ScenarioProblem> problems)
    {
        var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        void Unique(string id, string path)
        {
            var name = id[(id.LastIndexOf('/') + 1)..];
            var key = $"{id.Split('/').ElementAtOrDefault(7)}/{name}";
            if (!names.TryAdd(key, path))
            {
                problems.Add(new(path, $"the name '{name}' is already used at {names[key]}; the timeline names resources by name, so names must be unique per type"));
            }
        }

        var publicIps = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (pip, pipPath) in ScenarioReader.Items(topology, "publicIPAddresses", "$.topology", problems))
        {
            if (ScenarioReader.Id(pip, pipPath, "Microsoft.Network", "publicIPAddresses", problems) is { } pipId)
            {
                Unique(pipId, pipPath);
                publicIps.Add(pipId);
            }
        }

        var tables = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (table, tablePath) in ScenarioReader.Items(topology, "routeTables", "$.topology", problems))
        {
            if (ScenarioReader.Id(table, tablePath, "Microsoft.Network", "routeTables", problems) is { } tableId)
            {
                Unique(tableId, tablePath);
                tables.Add(tableId);
            }

            CheckRoutes(table, tablePath, problems);
        }

        CheckVirtualMachines(topology, publicIps, Unique, problems);
        CheckSubnets(topology, tables, problems);
        CheckVirtualNetworks(topology, problems);
    }

    private static void CheckVirtualMachines(JsonObject topology, HashSet<string> publicIps, Action<string, string> unique, List<ScenarioProblem> problems)
    {
        var privateIps = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var publicIpHolders = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (vm, vmPath) in ScenarioReader.Items(topology, "virtualMachines", "$.topology", problems))
        {
            if (ScenarioReader.Id(vm, vmPath, "Microsoft.Compute", "virtualMachines", problems) is { } vmId)
            {
                unique(vmId, vmPath);
            }

            var power = ScenarioReader.ReadString(vm, "powerState", $"{vmPath}.powerState", problems, required: false);
            if (power is not null && !Scenario.PowerStates.Contains(power))
            {
                problems.Add(new($"{vmPath}.powerState", $"'{power}' is not one of {string.Join(", ", Scenario.PowerStates)}"));
            }

            foreach (var flag in (string[])["probeUp", "forwarding"])
            {
                if (vm[flag] is { } value && value.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                {
                    problems.Add(new($"{vmPath}.{flag}", "must be true or false"));
                }
            }

            if (vm["networkInterfaces"] is not JsonArray { Count: > 0 })
            {
                problems.Add(new($"{vmPath}.networkInterfaces", "must list the VM's NICs (at least one): an Azure VM always has one, and an NVA without one could never take traffic"));
            }

            foreach (var (nic, nicPath) in ScenarioReader.Items(vm, "networkInterfaces", vmPath, problems))
            {
                if (ScenarioReader.Id(nic, nicPath, "Microsoft.Network", "networkInterfaces", problems) is { } nicId)
                {
                    unique(nicId, nicPath);
                }

                var configNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                foreach (var (ipc, ipcPath) in ScenarioReader.Items(nic, "ipConfigurations", nicPath, problems))
                {
                    if (ScenarioReader.ReadString(ipc, "name", $"{ipcPath}.name", problems, required: true) is { } configName && !configNames.Add(configName))
                    {
                        problems.Add(new($"{ipcPath}.name", $"another ipconfig of this NIC is named '{configName}'"));
                    }

                    var subnet = ScenarioReader.ReadString(ipc, "subnetId", $"{ipcPath}.subnetId", problems, required: true);
                    if (subnet is not null && !IsSubnetId(subnet))
                    {
                        problems.Add(new($"{ipcPath}.subnetId", $"'{subnet}' is not a subnet id: /subscriptions/{{subscription}}/resourceGroups/{{group}}/providers/Microsoft.Network/virtualNetworks/{{vnet}}/subnets/{{subnet}}"));
                    }

                    var ip = ScenarioReader.ReadString(ipc, "privateIPAddress", $"{ipcPath}.privateIPAddress", problems, required: true);
                    if (ip is not null && !IPAddress.TryParse(ip, out _))
                    {
                        problems.Add(new($"{ipcPath}.privateIPAddress", $"'{ip}' is not an IP address"));
                    }
                    else if (ip is not null && subnet is not null)
                    {
                        // A private IP is unique within its virtual network (two unpeered networks may reuse one).
                        var key = $"{VirtualNetwork(subnet)}|{ip}";
                        if (!privateIps.TryAdd(key, ipcPath))
                        {
                            problems.Add(new($"{ipcPath}.privateIPAddress", $"{ip} is already used at {privateIps[key]} in the same virtual network"));
                        }
                    }

                    if (ScenarioReader.ReadString(ipc, "publicIPAddressId", $"{ipcPath}.publicIPAddressId", problems, required: false) is { } pip)
                    {
                        if (!publicIps.Contains(pip))
                        {
                            problems.Add(new($"{ipcPath}.publicIPAddressId", $"'{pip}' is not one of $.topology.publicIPAddresses"));
                        }
                        else if (!publicIpHolders.TryAdd(pip, ipcPath))
                        {
                            problems.Add(new($"{ipcPath}.publicIPAddressId", $"is already attached at {publicIpHolders[pip]}; a public IP is on one ipconfig at a time"));
                        }
                    }
                }
            }
        }
    }

    private static void CheckRoutes(JsonObject table, string tablePath, List<ScenarioProblem> problems)
    {
        var routeNames = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (route, routePath) in ScenarioReader.Items(table, "routes", tablePath, problems))
        {
            if (ScenarioReader.ReadString(route, "name", $"{routePath}.name", problems, required: true) is { } name && !routeNames.TryAdd(name, routePath))
            {
                problems.Add(new($"{routePath}.name", $"'{name}' is already the name of {routeNames[name]}; route names are unique within a table"));
            }

            var prefix = ScenarioReader.ReadString(route, "addressPrefix", $"{routePath}.addressPrefix", problems, required: true);
            if (prefix is not null && !IsAddressPrefix(prefix))
            {
                problems.Add(new($"{routePath}.addressPrefix", $"'{prefix}' is not an address prefix: write a CIDR block such as 10.0.0.0/16 or a service tag such as AzureResourceManager"));
            }

            var type = ScenarioReader.ReadString(route, "nextHopType", $"{routePath}.nextHopType", problems, required: true);
            var ip = ScenarioReader.ReadString(route, "nextHopIpAddress", $"{routePath}.nextHopIpAddress", problems, required: false);
            if (type is not null && !Scenario.NextHopTypes.Contains(type))
            {
                problems.Add(new($"{routePath}.nextHopType", $"'{type}' is not one of {string.Join(", ", Scenario.NextHopTypes)}"));
            }
            else if (string.Equals(type, "VirtualAppliance", StringComparison.OrdinalIgnoreCase) != (ip is not null))
            {
                problems.Add(new($"{routePath}.nextHopIpAddress", "is required with nextHopType VirtualAppliance and allowed with no other type"));
            }
            else if (ip is not null && !IPAddress.TryParse(ip, out _))
            {
                problems.Add(new($"{routePath}.nextHopIpAddress", $"'{ip}' is not an IP address"));
            }
        }
    }

    private static void CheckSubnets(JsonObject topology, HashSet<string> tables, List<ScenarioProblem> problems)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (subnet, path) in ScenarioReader.Items(topology, "subnets", "$.topology", problems))
        {
            var id = ScenarioReader.ReadString(subnet, "id", $"{path}.id", problems, required: true);
            if (id is not null && !IsSubnetId(id))
            {
                problems.Add(new($"{path}.id", $"'{id}' is not a subnet id: /subscriptions/{{subscription}}/resourceGroups/{{group}}/providers/Microsoft.Network/virtualNetworks/{{vnet}}/subnets/{{subnet}}"));
            }
            else if (id is not null && !seen.Add(id))
            {
                problems.Add(new($"{path}.id", $"'{id}' is listed twice"));
            }

            if (ScenarioReader.ReadString(subnet, "routeTableId", $"{path}.routeTableId", problems, required: false) is { } table && !tables.Contains(table))
            {
                problems.Add(new($"{path}.routeTableId", $"'{table}' is not one of $.topology.routeTables"));
            }

            foreach (var (learned, learnedPath) in ScenarioReader.Items(subnet, "learnedRoutes", path, problems))
            {
                if (ScenarioReader.ReadString(learned, "addressPrefix", $"{learnedPath}.addressPrefix", problems, required: true) is { } prefix && !IsCidr(prefix))
                {
                    problems.Add(new($"{learnedPath}.addressPrefix", $"'{prefix}' is not an address prefix such as 10.50.0.0/16"));
                }

                if (ScenarioReader.ReadString(learned, "nextHopType", $"{learnedPath}.nextHopType", problems, required: false) is { } type && !Scenario.NextHopTypes.Contains(type))
                {
                    problems.Add(new($"{learnedPath}.nextHopType", $"'{type}' is not one of {string.Join(", ", Scenario.NextHopTypes)}"));
                }

                if (ScenarioReader.ReadString(learned, "nextHopIpAddress", $"{learnedPath}.nextHopIpAddress", problems, required: false) is { } hop && !System.Net.IPAddress.TryParse(hop, out _))
                {
                    problems.Add(new($"{learnedPath}.nextHopIpAddress", $"'{hop}' is not an IP address"));
                }
            }
        }
    }

    private static void CheckVirtualNetworks(JsonObject topology, List<ScenarioProblem> problems)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (network, path) in ScenarioReader.Items(topology, "virtualNetworks", "$.topology", problems))
        {
            var id = ScenarioReader.ReadString(network, "id", $"{path}.id", problems, required: true);
            if (id is not null && !IsSubnetId($"{id}/subnets/x"))
            {
                problems.Add(new($"{path}.id", $"'{id}' is not a virtual network id: /subscriptions/{{subscription}}/resourceGroups/{{group}}/providers/Microsoft.Network/virtualNetworks/{{vnet}}"));
            }
            else if (id is not null && !seen.Add(id))
            {
                problems.Add(new($"{path}.id", $"'{id}' is listed twice"));
            }

            if (network["dnsServers"] is { } servers)
            {
                if (servers is not JsonArray list)
                {
                    problems.Add(new($"{path}.dnsServers", "must be a list of IP addresses"));
                    continue;
                }

                for (var i = 0; i < list.Count; i++)
                {
                    if (list[i] is not JsonValue v || !v.TryGetValue<string>(out var ip) || !IPAddress.TryParse(ip, out _))
                    {
                        problems.Add(new($"{path}.dnsServers[{i}]", $"'{list[i]?.ToJsonString()}' is not an IP address"));
                    }
                }
            }
        }
    }

    private static bool IsSubnetId(string id)
    {
        var s = id.Split('/');
        return s.Length == 11 && s[0].Length == 0 && s[1] == "subscriptions" && s[3].Equals("resourceGroups", StringComparison.OrdinalIgnoreCase)
            && s[6].Equals("Microsoft.Network", StringComparison.OrdinalIgnoreCase) && s[7].Equals("virtualNetworks", StringComparison.OrdinalIgnoreCase)
            && s[9].Equals("subnets", StringComparison.OrdinalIgnoreCase) && s[8].Length > 0 && s[10].Length > 0;
    }

    /// <summary>A CIDR block (a route learned over BGP has no service tag).</summary>
    private static bool IsCidr(string text) =>
        text.Split('/') is [var address, var bits] && IPAddress.TryParse(address, out var ip)
        && int.TryParse(bits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var length)
        && length <= (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32);

    private static string VirtualNetwork(string subnetId) => subnetId[..Math.Max(0, subnetId.LastIndexOf("/subnets/", StringComparison.OrdinalIgnoreCase))];

    /// <summary>A route's prefix: a CIDR block, or a service tag.</summary>
    private static bool IsAddressPrefix(string prefix) => prefix.Contains('/', StringComparison.Ordinal) ? IsCidr(prefix) : ServiceTag().IsMatch(prefix);

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]*(\\.[A-Za-z0-9]+)*$")]
    private static partial Regex ServiceTag();
}
