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
        foreach (var key in new[] { "Schedule", "Cloud", "ManagedIdentityClientId", "DryRun", "Clusters:0:Name", "Clusters:0:Nvas:0:VirtualMachineId", "Clusters:0:Nvas:0:ProbeEndpoint",
            "Clusters:0:Probe:Kind", "Clusters:0:Probe:Attempts", "Clusters:0:Probe:Delay", "Clusters:0:Probe:Timeout", "Clusters:0:Probe:Interval", "Clusters:0:RouteTables:TagName",
            "Clusters:0:RouteTables:TagValue", "Clusters:0:RouteTables:SubscriptionIds:0", "Clusters:0:PublicIpAddressIds:0", "Clusters:0:Failback", "Clusters:0:PreemptAfter", "Clusters:0:WhenAllDown",
            "DiscoveryRefresh", "ConflictRetries", "ArmEndpoint", "ArmCertificateThumbprint", "ArmRetries", "ArmRequestTimeout", "ArmOperationTimeout", "ArmPollInterval", "HostSubnetId" })
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
        foreach (var top in SettingKeys.Top.Where(k => k != "Clusters"))
        {
            yield return top;
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
