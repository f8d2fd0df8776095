using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using NvaFailover.Emulator;
using NvaFailover.Monitoring;
using NvaFailover.Ports;
using NvaFailover.Settings;
using NvaFailover.Topology;

namespace NvaFailover.Cli.Commands;

/// <summary><c>nvafo export</c>: a cluster's live topology and settings as a scenario file, to rehearse with simulate.</summary>
internal static class ExportCommand
{
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var cluster = new Option<string>("--cluster") { Description = "The cluster to export", Required = true };
        var output = new Option<FileInfo?>("--out") { Description = "Write the scenario to this file (default: standard output)" };
        var command = new Command("export", """
            Read a cluster's live NVAs, NICs, tagged route tables and public IPs (read-only) and write them, with the
            cluster's settings, as a scenario file. Rehearse a failover of your own network with 'nvafo simulate'.
            The scenario's timeline powers the active NVA off at 00:01:00 and on again at 00:03:00; edit it freely.
            Probe endpoints are left out: in a simulation every NVA is probed at the emulator's endpoint for it.

            Example:
              nvafo export --cluster vmx --out vmx.json && nvafo simulate --scenario vmx.json
            """)
        {
            cluster,
            output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var host = CliHost.Build(parse, global, console);
            if (host is null)
            {
                return NvafoCli.BadInput;
            }

            if (host.FindCluster(parse.GetRequiredValue(cluster), console) is not { } options)
            {
                return NvafoCli.BadInput;
            }

            var topology = await host.Get<FailoverMonitor>().DiscoverAsync(options.Name, cancellationToken);
            if (!topology.IsComplete)
            {
                foreach (var finding in topology.Findings.Where(f => f.Severity == FindingSeverity.Error))
                {
                    await console.Error.WriteLineAsync($"{finding.ResourceId}: {finding.Message}");
                }

                await console.Error.WriteLineAsync("Export stopped: part of the cluster could not be read, and a partial scenario would rehearse the wrong network.");
                return NvafoCli.Failed;
            }

            var scenario = await BuildAsync(options, topology, host.Get<IComputeGateway>(), cancellationToken);
            var text = scenario.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
            if (parse.GetValue(output) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, text, cancellationToken);
                await console.Out.WriteLineAsync($"Wrote {file.FullName}: {topology.Nvas.Count} NVAs, {topology.RouteTables.Count} route tables, {topology.PublicIps.Count} public IPs. Rehearse with: nvafo simulate --scenario {file.Name}");
            }
            else
            {
                await console.Out.WriteLineAsync(text);
            }

            return NvafoCli.Ok;
        });
        return command;
    }

    private static async Task<JsonObject> BuildAsync(ClusterOptions cluster, ClusterTopology topology, IComputeGateway compute, CancellationToken cancellationToken)
    {
        var vms = new JsonArray();
        foreach (var nva in topology.Nvas)
        {
            var vm = await compute.GetVirtualMachineAsync(nva.VirtualMachineId, cancellationToken);
            var power = await compute.GetPowerStateAsync(nva.VirtualMachineId, cancellationToken);
            vms.Add(new JsonObject
            {
                ["id"] = nva.VirtualMachineId,
                ["location"] = vm?.Location,
                ["powerState"] = power is PowerState.Missing or PowerState.Unknown ? "stopped" : power.ToString().ToLowerInvariant(),
                ["probeUp"] = true,
                ["networkInterfaces"] = new JsonArray([.. nva.NetworkInterfaces.Select(n => (JsonNode)TopologyShapes.NetworkInterface(Raw(n.AdapterState, n.Id)))]),
            });
        }

        var active = topology.ActiveNva();
        return new JsonObject
        {
            ["name"] = $"export-{cluster.Name}",
            ["topology"] = new JsonObject
            {
                ["virtualMachines"] = vms,
                ["publicIPAddresses"] = new JsonArray([.. topology.PublicIps.Select(p => (JsonNode)TopologyShapes.PublicIpAddress(Raw(p.AdapterState, p.Id)))]),
                ["routeTables"] = new JsonArray([.. topology.RouteTables.Select(t => (JsonNode)TopologyShapes.RouteTable(Raw(t.AdapterState, t.Id)))]),
            },
            ["settings"] = new JsonObject { ["Clusters"] = new JsonArray(Settings(cluster)) },
            ["arm"] = new JsonObject
            {
                ["latency"] = new JsonObject { ["read"] = "00:00:00.100", ["routeTableWrite"] = "00:00:05", ["networkInterfaceWrite"] = "00:00:15" },
            },
            ["timeline"] = active is null
                ? new JsonArray()
                : new JsonArray(
                    new JsonObject { ["at"] = "00:01:00", ["do"] = "powerOff", ["vm"] = active },
                    new JsonObject { ["at"] = "00:03:00", ["do"] = "start", ["vm"] = active }),
            ["duration"] = "00:05:00",
        };
    }

    private static JsonObject Settings(ClusterOptions c)
    {
        static string D(TimeSpan t) => t.ToString("c", CultureInfo.InvariantCulture);
        var probe = new JsonObject { ["Kind"] = c.Probe.Kind.ToString(), ["Attempts"] = c.Probe.Attempts, ["Delay"] = D(c.Probe.Delay), ["Timeout"] = D(c.Probe.Timeout) };
        if (c.Probe.Interval is { } interval)
        {
            probe["Interval"] = D(interval);
        }

        return new JsonObject
        {
            ["Name"] = c.Name,
            ["Nvas"] = new JsonArray([.. c.Nvas.Select(n =>
            {
                var nva = new JsonObject { ["VirtualMachineId"] = n.VirtualMachineId };
                if (n.NextHopIps.Count > 0)
                {
                    nva["NextHopIps"] = new JsonArray([.. n.NextHopIps.Select(ip => (JsonNode)ip)]);
                }

                return (JsonNode)nva;
            })]),
            ["Probe"] = probe,
            ["RouteTables"] = new JsonObject
            {
                ["TagName"] = c.RouteTables.TagName,
                ["TagValue"] = c.RouteTables.TagValue,
                ["SubscriptionIds"] = new JsonArray([.. c.RouteTables.SubscriptionIds.Select(s => (JsonNode)s)]),
            },
            ["PublicIpAddressIds"] = new JsonArray([.. c.PublicIpAddressIds.Select(p => (JsonNode)p)]),
            ["Failback"] = c.Failback.ToString(),
            ["PreemptAfter"] = D(c.PreemptAfter),
            ["WhenAllDown"] = c.WhenAllDown.ToString(),
        };
    }

    private static JsonObject Raw(object? state, string id) =>
        state as JsonObject ?? throw new InvalidOperationException($"{id} was not read through the Azure adapter; it cannot be exported.");
}
