using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using NvaFailover.Cli.Hosting;
using NvaFailover.Cli.Output;
using NvaFailover.Emulator.Arm;
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
                return ExitCodes.BadInput;
            }

            if (host.FindCluster(parse.GetRequiredValue(cluster), console) is not { } options)
            {
                return ExitCodes.BadInput;
            }

            var topology = await host.Get<FailoverMonitor>().DiscoverAsync(options.Name, cancellationToken);
            if (!topology.IsComplete)
            {
                foreach (var finding in topology.Findings.Where(f => f.Severity == FindingSeverity.Error))
                {
                    await console.Error.WriteLineAsync($"{finding.ResourceId}: {finding.Message}");
                }

                await console.Error.WriteLineAsync("Export stopped: part of the cluster could not be read, and a partial scenario would rehearse the wrong network.");
                return ExitCodes.Failed;
            }

            var scenario = await BuildAsync(host.Options, options, topology, host.Get<IComputeGateway>(), host.Get<IResourceDocuments>(), cancellationToken);
            var text = scenario.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
            if (parse.GetValue(output) is not { } file)
            {
                await console.Out.WriteLineAsync(text);
                return ExitCodes.Ok;
            }

            try
            {
                await File.WriteAllTextAsync(file.FullName, text, cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await console.Error.WriteLineAsync($"--out {file.FullName} cannot be written: {ex.Message} Choose a writable path.");
                return ExitCodes.BadInput;
            }

            await console.Out.WriteLineAsync($"Wrote {file.FullName}: {RoundText.Count(topology.Nvas.Count, "NVA")}, {RoundText.Count(topology.RouteTables.Count, "route table")}, {RoundText.Count(topology.PublicIps.Count, "public IP")}. Rehearse with: nvafo simulate --scenario {file.Name}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<JsonObject> BuildAsync(NvaFailoverOptions settings, ClusterOptions cluster, ClusterTopology topology, IComputeGateway compute,
        IResourceDocuments documents, CancellationToken cancellationToken)
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
                ["networkInterfaces"] = new JsonArray([.. nva.NetworkInterfaces.Select(n => (JsonNode)TopologyShapes.NetworkInterface(documents.Document(n)))]),
            });
        }

        // Probe endpoints are real addresses: a rehearsal probes each NVA at the emulator's endpoint for it instead.
        var written = SettingsWriter.Cluster(cluster);
        foreach (var nva in written["Nvas"]!.AsArray())
        {
            nva!.AsObject().Remove("ProbeEndpoint");
        }

        var section = new JsonObject { ["Clusters"] = new JsonArray(written) };
        var scenarioTopology = new JsonObject
        {
            ["virtualMachines"] = vms,
            ["publicIPAddresses"] = new JsonArray([.. topology.PublicIps.Select(p => (JsonNode)TopologyShapes.PublicIpAddress(documents.Document(p)))]),
            ["routeTables"] = new JsonArray([.. topology.RouteTables.Select(t => (JsonNode)TopologyShapes.RouteTable(documents.Document(t)))]),
        };
        if (topology.Host is { } hostNetwork)
        {
            // The host's own subnet, so the rehearsal's preflight checks its way to Azure as 'check' does.
            section["HostSubnetId"] = settings.HostSubnetId;
            var subnet = new JsonObject { ["id"] = hostNetwork.SubnetId };
            if (hostNetwork.RouteTable is { } table)
            {
                subnet["routeTableId"] = table.Id;
                if (!topology.RouteTables.Any(t => t.Id.Equals(table.Id, StringComparison.OrdinalIgnoreCase)))
                {
                    scenarioTopology["routeTables"]!.AsArray().Add(TopologyShapes.RouteTable(documents.Document(table)));
                }
            }

            scenarioTopology["subnets"] = new JsonArray(subnet);
            if (hostNetwork.VirtualNetwork is { } network)
            {
                // Its DNS servers too (its gateway subnets are not exported: the rehearsal has no gateway to learn routes from).
                scenarioTopology["virtualNetworks"] = new JsonArray(new JsonObject { ["id"] = network.Id, ["dnsServers"] = new JsonArray([.. network.DnsServers.Select(d => (JsonNode)d)]) });
            }
        }

        var active = topology.ActiveNva();
        return new JsonObject
        {
            ["name"] = $"export-{cluster.Name}",
            ["topology"] = scenarioTopology,
            ["settings"] = section,
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
}
