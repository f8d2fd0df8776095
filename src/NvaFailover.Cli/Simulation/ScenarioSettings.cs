using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using NvaFailover.Emulator;
using NvaFailover.Emulator.Scenarios;
using NvaFailover.Probing;
using NvaFailover.Resources;
using NvaFailover.Settings;

namespace NvaFailover.Cli.Simulation;

/// <summary>
/// A scenario's settings, read once by the same reader as app settings, pointed at the emulator, and checked against
/// the settings contract and the scenario's own topology; every problem carries its JSON path in the scenario file.
/// </summary>
internal static class ScenarioSettings
{
    /// <summary>Reads <c>$.settings</c>; the problems of reading it are kept for <see cref="Check"/>.</summary>
    public static SettingsRead Read(Scenario scenario, string source)
    {
        if (scenario.Settings is null)
        {
            throw new ScenarioException(source, [new("$.settings", "is required: the NvaFailover settings section, with at least one cluster")]);
        }

        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        Flatten(scenario.Settings, NvaFailoverOptions.SectionName, values);
        return SettingsReader.Read(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
    }

    /// <summary>
    /// Points the settings at the emulator: its endpoint and certificate, and every NVA probed where the emulator answers
    /// for it (never at a real address, whatever the scenario's ProbeEndpoint or Probe:Port says). A forwarding probe
    /// dials the emulated canary behind the NVA; a configured ForwardingProbeEndpoint stays what check and the planner
    /// reason about (its /32 route in the host subnet's table), and one not configured becomes the emulator's.
    /// </summary>
    public static void Connect(NvaFailoverOptions options, Scenario scenario, ArmEmulator emulator)
    {
        options.ArmEndpoint = emulator.Endpoint;
        options.ArmCertificateThumbprint = emulator.Certificate.GetCertHashString();
        var vms = IdsOf(scenario.Topology, "virtualMachines");
        foreach (var cluster in options.Clusters)
        {
            var forwarding = cluster.Probe.Kind == ProbeKind.Forwarding || (cluster.Probe.Kind == ProbeKind.All && cluster.Nvas.Any(n => n.ForwardingProbeEndpoint is not null));

            // An NVA the topology lacks has no emulated endpoint; Check reports it.
            foreach (var nva in cluster.Nvas.Where(n => vms.Contains(n.VirtualMachineId)))
            {
                var endpoint = emulator.ProbeEndpoint(nva.Name);
                var http = cluster.Probe.Kind == ProbeKind.Http || nva.ProbeEndpoint is { IsHttp: true };
                nva.ProbeEndpoint = ProbeEndpoint.TryParse(http ? $"http://{endpoint}/health" : endpoint, out var parsed) ? parsed : null;
                // Always HTTP: a dropped packet never answers, and on loopback only an HTTP request can wait for that.
                if (forwarding && ProbeEndpoint.TryParse(emulator.ForwardingProbeEndpoint(nva.Name), out var canary))
                {
                    nva.ForwardingProbeDialed = canary;
                    nva.ForwardingProbeEndpoint ??= canary;
                }
            }
        }
    }

    /// <summary>Every problem: the settings contract's rules, then references the topology or the timeline cannot satisfy.</summary>
    public static List<ScenarioProblem> Check(SettingsRead read, Scenario scenario)
    {
        var options = read.Options;
        var problems = NvaFailoverOptionsValidator.Check(read)
            .Select(p => new ScenarioProblem(JsonPath(p.Key), $"{(p.Value is null ? "is missing" : $"= '{Echo.Of(p.Value)}'")}: {Echo.Escaped(p.Expected)}"))
            .ToList();
        if (scenario.Watchers > 1 && options.Witness.ContainerUri is null)
        {
            problems.Add(new ScenarioProblem("$.watchers", "two watchers need a witness to agree which one writes: set settings.Witness.ContainerUri (a rehearsal keeps the witness in memory), or run one watcher"));
        }

        var vms = IdsOf(scenario.Topology, "virtualMachines");
        var pips = IdsOf(scenario.Topology, "publicIPAddresses");
        var subnets = IdsOf(scenario.Topology, "subnets");
        for (var c = 0; c < options.Clusters.Count; c++)
        {
            var cluster = options.Clusters[c];
            for (var n = 0; n < cluster.Nvas.Count; n++)
            {
                var vm = cluster.Nvas[n].VirtualMachineId;
                if (ArmId.IsVirtualMachine(vm) && !vms.Contains(vm))
                {
                    problems.Add(new($"$.settings.Clusters[{c}].Nvas[{n}].VirtualMachineId", $"'{vm}' is not one of $.topology.virtualMachines"));
                }
            }

            for (var p = 0; p < cluster.PublicIpAddressIds.Count; p++)
            {
                var pip = cluster.PublicIpAddressIds[p];
                if (ArmId.IsPublicIpAddress(pip) && !pips.Contains(pip))
                {
                    problems.Add(new($"$.settings.Clusters[{c}].PublicIpAddressIds[{p}]", $"'{pip}' is not one of $.topology.publicIPAddresses"));
                }
            }
        }

        if (options.HostSubnetId is { } hostSubnet && ArmId.IsSubnet(hostSubnet) && !subnets.Contains(hostSubnet))
        {
            problems.Add(new("$.settings.HostSubnetId", $"'{hostSubnet}' is not one of $.topology.subnets; describe the host's subnet there (id, routeTableId)"));
        }

        foreach (var e in scenario.Timeline.Where(e => e.Do == "switchover"))
        {
            var cluster = options.FindCluster(e["cluster"] ?? "");
            if (cluster is null)
            {
                problems.Add(new($"{e.Path}.cluster", $"'{e["cluster"]}' is not a cluster of $.settings ({string.Join(", ", options.Clusters.Select(c => c.Name))})"));
            }
            else if (!cluster.Nvas.Any(n => n.Name.Equals(e["to"], StringComparison.OrdinalIgnoreCase)))
            {
                problems.Add(new($"{e.Path}.to", $"'{e["to"]}' is not an NVA of cluster {cluster.Name} ({string.Join(", ", cluster.Nvas.Select(n => n.Name))})"));
            }
        }

        return problems;
    }

    private static HashSet<string> IdsOf(JsonObject topology, string collection) =>
        (topology[collection] as JsonArray ?? []).Select(v => v?["id"]?.GetValueKind() == JsonValueKind.String ? v["id"]!.GetValue<string>() : null)
            .OfType<string>().ToHashSet(ArmId.Comparer);

    private static void Flatten(JsonNode? node, string prefix, Dictionary<string, string?> values)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    Flatten(value, $"{prefix}:{key}", values);
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    Flatten(array[i], $"{prefix}:{i}", values);
                }

                break;
            case JsonValue value:
                values[prefix] = value.GetValueKind() switch
                {
                    JsonValueKind.String => value.GetValue<string>(),
                    JsonValueKind.True => "true",
                    JsonValueKind.False => "false",
                    _ => value.ToJsonString(),
                };
                break;
            default:
                values[prefix] = null;
                break;
        }
    }

    /// <summary><c>NvaFailover:Clusters:0:Probe:Attempts</c> becomes <c>$.settings.Clusters[0].Probe.Attempts</c>.</summary>
    private static string JsonPath(string key)
    {
        var path = "$.settings";
        foreach (var part in key.Split(':').Skip(1))
        {
            path += int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out _) ? $"[{part}]" : $".{part}";
        }

        return path;
    }
}
