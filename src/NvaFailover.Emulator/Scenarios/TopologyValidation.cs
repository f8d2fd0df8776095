using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NvaFailover.Emulator;

/// <summary>The checks of a scenario's topology: ids of the right types, unique names, addresses, next hops.</summary>
internal static class TopologyValidation
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

        foreach (var (vm, vmPath) in ScenarioReader.Items(topology, "virtualMachines", "$.topology", problems))
        {
            if (ScenarioReader.Id(vm, vmPath, "Microsoft.Compute", "virtualMachines", problems) is { } vmId)
            {
                Unique(vmId, vmPath);
            }

            var power = ScenarioReader.ReadString(vm, "powerState", $"{vmPath}.powerState", problems, required: false);
            if (power is not null && !Scenario.PowerStates.Contains(power))
            {
                problems.Add(new($"{vmPath}.powerState", $"'{power}' is not one of {string.Join(", ", Scenario.PowerStates)}"));
            }

            if (vm["probeUp"] is { } probeUp && probeUp.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
            {
                problems.Add(new($"{vmPath}.probeUp", "must be true or false"));
            }

            foreach (var (nic, nicPath) in ScenarioReader.Items(vm, "networkInterfaces", vmPath, problems))
            {
                if (ScenarioReader.Id(nic, nicPath, "Microsoft.Network", "networkInterfaces", problems) is { } nicId)
                {
                    Unique(nicId, nicPath);
                }

                foreach (var (ipc, ipcPath) in ScenarioReader.Items(nic, "ipConfigurations", nicPath, problems))
                {
                    ScenarioReader.ReadString(ipc, "name", $"{ipcPath}.name", problems, required: true);
                    var ip = ScenarioReader.ReadString(ipc, "privateIPAddress", $"{ipcPath}.privateIPAddress", problems, required: true);
                    if (ip is not null && !IPAddress.TryParse(ip, out _))
                    {
                        problems.Add(new($"{ipcPath}.privateIPAddress", $"'{ip}' is not an IP address"));
                    }
                }
            }
        }

        foreach (var (pip, pipPath) in ScenarioReader.Items(topology, "publicIPAddresses", "$.topology", problems))
        {
            if (ScenarioReader.Id(pip, pipPath, "Microsoft.Network", "publicIPAddresses", problems) is { } pipId)
            {
                Unique(pipId, pipPath);
            }
        }

        foreach (var (table, tablePath) in ScenarioReader.Items(topology, "routeTables", "$.topology", problems))
        {
            if (ScenarioReader.Id(table, tablePath, "Microsoft.Network", "routeTables", problems) is { } tableId)
            {
                Unique(tableId, tablePath);
            }

            foreach (var (route, routePath) in ScenarioReader.Items(table, "routes", tablePath, problems))
            {
                ScenarioReader.ReadString(route, "name", $"{routePath}.name", problems, required: true);
                ScenarioReader.ReadString(route, "addressPrefix", $"{routePath}.addressPrefix", problems, required: true);
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
            }
        }
    }
}
