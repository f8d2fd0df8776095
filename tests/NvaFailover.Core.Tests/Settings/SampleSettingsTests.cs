using System.Text.Json;
using Microsoft.Extensions.Configuration;
using NvaFailover.Settings;

namespace NvaFailover.Tests.Settings;

public sealed class SampleSettingsTests
{
    [Fact]
    public void LocalSettingsSample_IsValidAndNamesEveryClusterSetting()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Repository.File("local.settings.sample.json")));
        var values = json.RootElement.GetProperty("Values").EnumerateObject()
            .ToDictionary(p => p.Name.Replace("__", ":", StringComparison.Ordinal), p => (string?)p.Value.GetString());
        var read = SettingsReader.Read(new ConfigurationBuilder().AddInMemoryCollection(values).Build());

        Assert.Empty(NvaFailoverOptionsValidator.Check(read));
        Assert.Empty(read.Warnings);
        // Every declared setting, from the schema: a new one reaches this check without touching it. Left out: what the
        // sample's design does not use (explicit slots, a certificate pin, a derived probe port, a write ceiling to leave unset).
        string[] notInSample = ["MaxParallelWrites", "Clusters:0:Nvas:0:NextHopIps", "Clusters:0:Nvas:0:ProbeCertificateThumbprint", "Clusters:0:Probe:Port"];
        var declared = SettingsSchema.Top.Select(s => s.Key)
            .Concat(SettingsSchema.Cluster.Select(s => $"Clusters:0:{s.Key}"))
            .Concat(SettingsSchema.Nva.Select(s => $"Clusters:0:Nvas:0:{s.Key}"))
            .Concat(SettingsSchema.Probe.Select(s => $"Clusters:0:Probe:{s.Key}"))
            .Concat(SettingsSchema.RouteTables.Select(s => $"Clusters:0:RouteTables:{s.Key}"))
            .Select(k => k is "Clusters:0:RouteTables:SubscriptionIds" or "Clusters:0:PublicIpAddressIds" ? $"{k}:0" : k)
            .Except(notInSample);
        foreach (var key in new[] { "Schedule" }.Concat(declared))
        {
            Assert.True(values.ContainsKey($"NvaFailover:{key}"), $"local.settings.sample.json lacks NvaFailover__{key.Replace(":", "__", StringComparison.Ordinal)}");
        }
    }
}

public sealed class SettingsReferenceTests
{
    [Fact]
    public void DocsSettings_DocumentsExactlyTheKeysTheCodeReads()
    {
        var page = File.ReadAllText(Repository.File("docs", "settings.md"));
        var text = page[..page.IndexOf("## Bad settings", StringComparison.Ordinal)]; // the legacy names after it are ha-nva-fo's
        var documented = System.Text.RegularExpressions.Regex.Matches(text, @"^\| `([A-Za-z:]+)` \|", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => Normalize(m.Groups[1].Value)).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(KnownLeafKeys().Order(StringComparer.Ordinal), documented);
    }

    /// <summary>Every key the reader knows, sections expanded: Clusters:#:Probe:Kind, Clusters:#:Nvas:#:NextHopIps, ...</summary>
    private static IEnumerable<string> KnownLeafKeys()
    {
        var sections = new Dictionary<string, string[]>(StringComparer.Ordinal)
        {
            ["Nvas"] = SettingKeys.Nva,
            ["Probe"] = SettingKeys.Probe,
            ["RouteTables"] = SettingKeys.RouteTables,
        };
        foreach (var top in SettingKeys.Top.Where(k => k is not ("Clusters" or "Witness")))
        {
            yield return top;
        }

        foreach (var key in SettingKeys.Witness)
        {
            yield return $"Witness:{key}";
        }

        foreach (var key in SettingKeys.Cluster)
        {
            if (!sections.TryGetValue(key, out var children))
            {
                yield return $"Clusters:#:{key}";
                continue;
            }

            foreach (var child in children)
            {
                yield return key == "Nvas" ? $"Clusters:#:Nvas:#:{child}" : $"Clusters:#:{key}:{child}";
            }
        }
    }

    /// <summary>Index placeholders (N, K, I, J) become '#', and a trailing index goes.</summary>
    private static string Normalize(string key)
    {
        var parts = key.Split(':').Select(p => p is "N" or "K" or "J" or "I" ? "#" : p).ToList();
        while (parts[^1] == "#")
        {
            parts.RemoveAt(parts.Count - 1);
        }

        return string.Join(':', parts);
    }
}
