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
        var section = new JsonObject { ["Schedule"] = options.Schedule.Expression };
        Write(SettingsSchema.Top, options, section);
        if (options.Witness.ContainerUri is not null)
        {
            section["Witness"] = Write(SettingsSchema.Witness, options.Witness, new JsonObject());
        }

        section["Clusters"] = new JsonArray([.. options.Clusters.Select(c => (JsonNode)Cluster(c))]);
        return section;
    }

    /// <summary>One cluster.</summary>
    public static JsonObject Cluster(ClusterOptions cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var json = new JsonObject();
        Write(SettingsSchema.Cluster.Where(s => s.Key == "Name"), cluster, json);
        json["Nvas"] = new JsonArray([.. cluster.Nvas.Select(n => (JsonNode)Write(SettingsSchema.Nva, n, new JsonObject()))]);
        json["Probe"] = Write(SettingsSchema.Probe, cluster.Probe, new JsonObject());
        json["RouteTables"] = Write(SettingsSchema.RouteTables, cluster.RouteTables, new JsonObject());
        Write(SettingsSchema.Cluster.Where(s => s.Key != "Name"), cluster, json);
        return json;
    }

    private static JsonObject Write<TOwner>(IEnumerable<ISetting<TOwner>> settings, TOwner owner, JsonObject section)
    {
        foreach (var setting in settings)
        {
            setting.Write(owner, section);
        }

        return section;
    }
}
