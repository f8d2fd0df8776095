using System.Globalization;
using System.Text.Json.Nodes;

namespace NvaFailover.Settings;

/// <summary>
/// Writes settings back in the shape <see cref="SettingsReader"/> reads (the <c>NvaFailover</c> section as JSON): what
/// <c>nvafo export</c> puts in a scenario. A round trip through the reader gives the same settings (tested).
/// Credentials are never written.
/// </summary>
public static class SettingsWriter
{
    /// <summary>The whole section; values equal to the defaults are written too, so the file says what is in force.</summary>
    public static JsonObject Section(NvaFailoverOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var section = new JsonObject
        {
            ["Schedule"] = options.Schedule.Expression,
            ["Cloud"] = options.Cloud.ToString(),
            ["DryRun"] = options.DryRun,
            ["DiscoveryRefresh"] = Duration(options.DiscoveryRefresh),
            ["ConflictRetries"] = options.ConflictRetries,
            ["ArmRetries"] = options.ArmRetries,
            ["ArmRequestTimeout"] = Duration(options.ArmRequestTimeout),
            ["ArmOperationTimeout"] = Duration(options.ArmOperationTimeout),
            ["ArmPollInterval"] = Duration(options.ArmPollInterval),
        };
        Optional(section, "ManagedIdentityClientId", options.ManagedIdentityClientId);
        Optional(section, "MaxParallelWrites", options.MaxParallelWrites);
        Optional(section, "ArmEndpoint", options.ArmEndpoint?.ToString());
        Optional(section, "ArmCertificateThumbprint", options.ArmCertificateThumbprint);
        Optional(section, "HostSubnetId", options.HostSubnetId);
        section["Clusters"] = new JsonArray([.. options.Clusters.Select(c => (JsonNode)Cluster(c))]);
        return section;
    }

    /// <summary>One cluster.</summary>
    public static JsonObject Cluster(ClusterOptions cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var probe = new JsonObject
        {
            ["Kind"] = cluster.Probe.Kind.ToString(),
            ["Attempts"] = cluster.Probe.Attempts,
            ["Delay"] = Duration(cluster.Probe.Delay),
            ["Timeout"] = Duration(cluster.Probe.Timeout),
            ["Interval"] = Duration(cluster.Probe.Interval),
        };
        Optional(probe, "Port", cluster.Probe.Port);
        return new JsonObject
        {
            ["Name"] = cluster.Name,
            ["Nvas"] = new JsonArray([.. cluster.Nvas.Select(n =>
            {
                var nva = new JsonObject { ["VirtualMachineId"] = n.VirtualMachineId };
                if (n.NextHopIps.Count > 0)
                {
                    nva["NextHopIps"] = new JsonArray([.. n.NextHopIps.Select(ip => (JsonNode)ip)]);
                }

                Optional(nva, "ProbeEndpoint", n.ProbeEndpoint?.ToString());
                Optional(nva, "ProbeCertificateThumbprint", n.ProbeCertificateThumbprint);
                return (JsonNode)nva;
            })]),
            ["Probe"] = probe,
            ["RouteTables"] = new JsonObject
            {
                ["TagName"] = cluster.RouteTables.TagName,
                ["TagValue"] = cluster.RouteTables.TagValue,
                ["SubscriptionIds"] = new JsonArray([.. cluster.RouteTables.SubscriptionIds.Select(s => (JsonNode)s)]),
            },
            ["PublicIpAddressIds"] = new JsonArray([.. cluster.PublicIpAddressIds.Select(p => (JsonNode)p)]),
            ["Failback"] = cluster.Failback.ToString(),
            ["PreemptAfter"] = Duration(cluster.PreemptAfter),
            ["WhenAllDown"] = cluster.WhenAllDown.ToString(),
        };
    }

    private static string Duration(TimeSpan t) => t.ToString("c", CultureInfo.InvariantCulture);

    private static void Optional(JsonObject o, string key, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value))
        {
            o[key] = value;
        }
    }

    private static void Optional(JsonObject o, string key, int? value)
    {
        if (value is { } v)
        {
            o[key] = v;
        }
    }
}
