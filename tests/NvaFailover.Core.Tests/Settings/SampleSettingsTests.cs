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
