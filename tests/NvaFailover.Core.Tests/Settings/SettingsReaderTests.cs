using Microsoft.Extensions.Configuration;
using NvaFailover.Probing;
using NvaFailover.Settings;
using NvaFailover.Tests.Fakes;

namespace NvaFailover.Tests.Settings;

public sealed class SettingsReaderTests
{
    private static SettingsRead Read(Dictionary<string, string?> values) =>
        SettingsReader.Read(new ConfigurationBuilder().AddInMemoryCollection(values).Build());

    [Fact]
    public void Read_NoSettings_UsesContractDefaults()
    {
        var read = Read([]);
        var options = read.Options;

        Assert.Equal("*/30 * * * * *", options.Schedule.Expression);
        Assert.Equal(AzureCloudName.AzureCloud, options.Cloud);
        Assert.False(options.DryRun);
        Assert.Empty(options.Clusters);
        var cluster = new ClusterOptions();
        Assert.Equal(ProbeKind.VmPowerState, cluster.Probe.Kind);
        Assert.Equal(3, cluster.Probe.Attempts);
        Assert.Equal(TimeSpan.FromSeconds(2), cluster.Probe.Delay);
        Assert.Equal(TimeSpan.FromSeconds(2), cluster.Probe.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(5), cluster.Probe.Interval);
        Assert.Null(cluster.Probe.Port);
        Assert.Null(options.MaxParallelWrites);
        Assert.Equal(TimeSpan.FromSeconds(10), options.ArmRequestTimeout);
        Assert.Equal("nva_ha_udr", cluster.RouteTables.TagName);
        Assert.Equal(FailbackPolicy.OnActiveFailure, cluster.Failback);
        Assert.Equal(TimeSpan.FromMinutes(5), cluster.PreemptAfter);
        Assert.Equal(AllDownPolicy.KeepLastKnownGood, cluster.WhenAllDown);
    }

    [Fact]
    public void Read_FlatFunctionsScheduleSetting_IsTheSchedule()
    {
        var read = Read(new() { ["NvaFailoverSchedule"] = "*/15 * * * * *" });
        var options = read.Options;

        Assert.Equal("*/15 * * * * *", options.Schedule.Expression);
        Assert.Empty(read.Problems);
    }

    [Fact]
    public void Read_FlatAndNestedScheduleAgree_NoProblem()
    {
        var read = Read(new() { ["NvaFailoverSchedule"] = "*/15 * * * * *", ["NvaFailover:Schedule"] = "*/15 * * * * *" });
        var options = read.Options;

        Assert.Equal("*/15 * * * * *", options.Schedule.Expression);
        Assert.Empty(read.Problems);
    }

    [Fact]
    public void Read_FlatAndNestedScheduleDiffer_ProblemNamesBothAndWhichOneTheTimerUses()
    {
        var read = Read(new() { ["NvaFailoverSchedule"] = "*/15 * * * * *", ["NvaFailover:Schedule"] = "*/30 * * * * *" });
        var options = read.Options;

        var problem = Assert.Single(read.Problems);
        Assert.Equal(("NvaFailoverSchedule", "*/15 * * * * *"), (problem.Key, problem.Value));
        Assert.Contains("NvaFailover:Schedule = '*/30 * * * * *'", problem.Expected, StringComparison.Ordinal);
        Assert.Contains("the Functions timer fires on NvaFailoverSchedule", problem.Expected, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_FullSection_BindsEveryContractKey()
    {
        var read = Read(new()
        {
            ["NvaFailover:Schedule"] = "*/10 * * * * *",
            ["NvaFailover:Cloud"] = "AzureUSGovernment",
            ["NvaFailover:ManagedIdentityClientId"] = "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
            ["NvaFailover:DryRun"] = "true",
            ["NvaFailover:Clusters:0:Name"] = "vmx",
            ["NvaFailover:Clusters:0:Nvas:0:VirtualMachineId"] = World.Vm("vmx-a"),
            ["NvaFailover:Clusters:0:Nvas:0:NextHopIps:0"] = "10.1.0.4",
            ["NvaFailover:Clusters:0:Nvas:0:ProbeEndpoint"] = "10.1.0.4:443",
            ["NvaFailover:Clusters:0:Nvas:1:VirtualMachineId"] = World.Vm("vmx-b"),
            ["NvaFailover:Clusters:0:Nvas:1:NextHopIps"] = "10.2.0.4",
            ["NvaFailover:Clusters:0:Nvas:1:ProbeEndpoint"] = "10.2.0.4:443",
            ["NvaFailover:Clusters:0:Probe:Kind"] = "tcp",
            ["NvaFailover:Clusters:0:Probe:Attempts"] = "5",
            ["NvaFailover:Clusters:0:Probe:Delay"] = "00:00:01",
            ["NvaFailover:Clusters:0:Probe:Timeout"] = "00:00:03",
            ["NvaFailover:Clusters:0:Probe:Interval"] = "00:00:05",
            ["NvaFailover:Clusters:0:RouteTables:TagName"] = "ha",
            ["NvaFailover:Clusters:0:RouteTables:TagValue"] = "vmx",
            ["NvaFailover:Clusters:0:RouteTables:SubscriptionIds:0"] = World.Sub,
            ["NvaFailover:Clusters:0:RouteTables:SubscriptionIds:1"] = World.Sub2,
            ["NvaFailover:Clusters:0:PublicIpAddressIds:0"] = World.Pip("pip-vmx"),
            ["NvaFailover:Clusters:0:Failback"] = "Preemptive",
            ["NvaFailover:Clusters:0:PreemptAfter"] = "00:10:00",
            ["NvaFailover:Clusters:0:WhenAllDown"] = "KeepLastKnownGood",
        });
        var options = read.Options;

        Assert.Empty(read.Problems);
        Assert.Empty(read.Warnings);
        Assert.Equal("*/10 * * * * *", options.Schedule.Expression);
        Assert.Equal(AzureCloudName.AzureUSGovernment, options.Cloud);
        Assert.True(options.DryRun);
        var c = Assert.Single(options.Clusters);
        Assert.Equal("vmx", c.Name);
        Assert.Equal([World.Vm("vmx-a"), World.Vm("vmx-b")], c.Nvas.Select(n => n.VirtualMachineId));
        Assert.Equal(["10.1.0.4"], c.Nvas[0].NextHopIps);
        Assert.Equal(["10.2.0.4"], c.Nvas[1].NextHopIps);
        Assert.Equal("10.2.0.4:443", c.Nvas[1].ProbeEndpoint?.ToString());
        Assert.Equal(ProbeKind.Tcp, c.Probe.Kind);
        Assert.Equal(5, c.Probe.Attempts);
        Assert.Equal(TimeSpan.FromSeconds(1), c.Probe.Delay);
        Assert.Equal(TimeSpan.FromSeconds(3), c.Probe.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(5), c.Probe.Interval);
        Assert.Equal("ha", c.RouteTables.TagName);
        Assert.Equal("vmx", c.RouteTables.TagValue);
        Assert.Equal([World.Sub, World.Sub2], c.RouteTables.SubscriptionIds);
        Assert.Equal([World.Pip("pip-vmx")], c.PublicIpAddressIds);
        Assert.Equal(FailbackPolicy.Preemptive, c.Failback);
        Assert.Equal(TimeSpan.FromMinutes(10), c.PreemptAfter);
        Assert.Empty(NvaFailoverOptionsValidator.Check(read));
    }

    [Fact]
    public void Read_TwelveClusters_KeepsIndexOrder()
    {
        var values = new Dictionary<string, string?>();
        for (var i = 0; i < 12; i++)
        {
            values[$"NvaFailover:Clusters:{i}:Name"] = $"c{i}";
        }

        var read = Read(values);
        var options = read.Options;

        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"c{i}"), options.Clusters.Select(c => c.Name));
    }

    [Fact]
    public void Read_UnparsableValues_RecordsEveryOneInsteadOfThrowing()
    {
        var read = Read(new()
        {
            ["NvaFailover:DryRun"] = "yes",
            ["NvaFailover:Clusters:0:Name"] = "x",
            ["NvaFailover:Clusters:0:Probe:Kind"] = "Ping",
            ["NvaFailover:Clusters:0:Probe:Attempts"] = "three",
            ["NvaFailover:Clusters:0:Probe:Delay"] = "2",
            ["NvaFailover:Clusters:0:Failback"] = "Sometimes",
        });
        var options = read.Options;

        Assert.Equal(
            ["NvaFailover:DryRun", "NvaFailover:Clusters:0:Failback", "NvaFailover:Clusters:0:Probe:Kind", "NvaFailover:Clusters:0:Probe:Attempts", "NvaFailover:Clusters:0:Probe:Delay"],
            read.Problems.Select(p => p.Key));
        Assert.Contains("VmPowerState, Tcp, Http, All", read.Problems[2].Expected, StringComparison.Ordinal);
        Assert.Contains("00:00:02", read.Problems[4].Expected, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_LegacyNames_DefineDefaultCluster()
    {
        var read = Read(new()
        {
            ["FW1NAME"] = "vmx-a",
            ["FW2NAME"] = "vmx-b",
            ["FWRGNAME"] = "rg-nva",
            ["SUBSCRIPTIONID"] = World.Sub,
            ["FWUDRTAG"] = "vmx",
            ["FWTRIES"] = "4",
            ["FWDELAY"] = "3",
            ["FWMONITOR"] = "TCPPort",
            ["FW1FQDN"] = "10.1.0.4",
            ["FW1PORT"] = "443",
            ["FW2FQDN"] = "10.2.0.4",
            ["FW2PORT"] = "443",
            ["AZURECLOUD"] = "AzureChinaCloud",
        });
        var options = read.Options;

        Assert.Empty(read.Problems);
        var c = Assert.Single(options.Clusters);
        Assert.Equal("default", c.Name);
        Assert.Equal([World.Vm("vmx-a"), World.Vm("vmx-b")], c.Nvas.Select(n => n.VirtualMachineId));
        Assert.Equal(["10.1.0.4:443", "10.2.0.4:443"], c.Nvas.Select(n => n.ProbeEndpoint?.ToString()));
        Assert.Equal("vmx", c.RouteTables.TagValue);
        Assert.Equal([World.Sub], c.RouteTables.SubscriptionIds);
        Assert.Equal(4, c.Probe.Attempts);
        Assert.Equal(TimeSpan.FromSeconds(3), c.Probe.Delay);
        Assert.Equal(ProbeKind.Tcp, c.Probe.Kind);
        Assert.Equal(AzureCloudName.AzureChinaCloud, options.Cloud);
        Assert.Empty(NvaFailoverOptionsValidator.Check(read));
    }

    [Theory]
    [InlineData("FW1NAME", "vmx-a", "Nvas:0:VirtualMachineId")]
    [InlineData("FW2NAME", "vmx-b", "Nvas:1:VirtualMachineId")]
    [InlineData("FWRGNAME", "rg-nva", "resource group inside each VirtualMachineId")]
    [InlineData("SUBSCRIPTIONID", World.Sub, "RouteTables:SubscriptionIds")]
    [InlineData("FWUDRTAG", "vmx", "RouteTables:TagValue")]
    [InlineData("FWTRIES", "3", "Probe:Attempts")]
    [InlineData("FWDELAY", "2", "Probe:Delay")]
    [InlineData("FWMONITOR", "VMStatus", "Probe:Kind")]
    [InlineData("FW1FQDN", "10.1.0.4", "Nvas:0:ProbeEndpoint")]
    [InlineData("FW1PORT", "443", "Probe:Port")]
    [InlineData("FW2FQDN", "10.2.0.4", "Nvas:1:ProbeEndpoint")]
    [InlineData("FW2PORT", "443", "Probe:Port")]
    [InlineData("AZURECLOUD", "AzureCloud", "NvaFailover:Cloud")]
    [InlineData("FWMAILDOMAINMX", "mx.contoso.com", "alert rules")]
    [InlineData("FWMAILFROM", "fw@contoso.com", "alert rules")]
    [InlineData("FWMAILTO", "noc@contoso.com", "alert rules")]
    [InlineData("SP_USERNAME", "app-id", "managed identity")]
    public void Read_EachLegacyName_WarnsNamingTheReplacement(string name, string value, string replacement)
    {
        var values = new Dictionary<string, string?>
        {
            ["FW1NAME"] = "vmx-a", ["FW2NAME"] = "vmx-b", ["FWRGNAME"] = "rg-nva", ["SUBSCRIPTIONID"] = World.Sub, ["FWUDRTAG"] = "vmx",
            ["SP_PASSWORD"] = "s3cret!", ["TENANTID"] = "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
        };
        values[name] = value;
        if (name != "SP_USERNAME")
        {
            values.Remove("SP_PASSWORD");
            values.Remove("TENANTID");
        }

        var read = Read(values);
        var options = read.Options;

        var warning = Assert.Single(read.Warnings, w => w.Key.Contains(name, StringComparison.Ordinal));
        Assert.Contains(replacement, warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret!", string.Join("\n", read.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ServicePrincipal_KeptForTheAdapterAndNeverPrinted()
    {
        var read = Read(new() { ["SP_USERNAME"] = "app-id", ["SP_PASSWORD"] = "s3cret!", ["TENANTID"] = "tenant" });
        var options = read.Options;

        Assert.Equal(new ServicePrincipalOptions("tenant", "app-id", "s3cret!"), options.LegacyServicePrincipal);
        Assert.DoesNotContain("s3cret!", options.LegacyServicePrincipal!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_PartialServicePrincipal_IsAProblem()
    {
        var read = Read(new() { ["SP_USERNAME"] = "app-id" });
        var options = read.Options;

        Assert.Equal(["SP_PASSWORD", "TENANTID"], read.Problems.Select(p => p.Key));
        Assert.Null(options.LegacyServicePrincipal);
    }

    [Fact]
    public void Read_LegacyNamesMissingSome_ReportsEachMissingName()
    {
        var read = Read(new() { ["FW1NAME"] = "vmx-a", ["FWMONITOR"] = "Ping" });
        var options = read.Options;

        Assert.Equal(["SUBSCRIPTIONID", "FWRGNAME", "FW2NAME", "FWUDRTAG", "FWMONITOR"], read.Problems.Select(p => p.Key));
    }

    [Fact]
    public void Read_LegacyAndModernTogether_ModernWinsAndLegacyIsReportedIgnored()
    {
        var read = Read(new()
        {
            ["NvaFailover:Clusters:0:Name"] = "edge",
            ["FW1NAME"] = "vmx-a",
        });
        var options = read.Options;

        Assert.Equal("edge", Assert.Single(options.Clusters).Name);
        Assert.Contains(read.Warnings, w => w.Key == "FW1NAME" && w.Message.Contains("ignored", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("NvaFailover:Clusters:0:Failbak", "Preemptive", "Failback")]
    [InlineData("NvaFailover:Clusters:0:Probe:Atempts", "5", "Attempts")]
    [InlineData("NvaFailover:Clusters:0:Nvas:0:ProbeEndpont", "10.0.0.4:443", "ProbeEndpoint")]
    [InlineData("NvaFailover:DryRunn", "true", "DryRun")]
    public void Read_MisspelledKey_IsAProblemNamingTheKeyItProbablyMeant(string key, string value, string meant)
    {
        var read = Read(new() { ["NvaFailover:Clusters:0:Name"] = "edge", [key] = value });

        var problem = Assert.Single(read.Problems);
        Assert.Equal(key, problem.Key);
        Assert.Contains(meant, problem.Expected, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ProbePort_WithoutEndpointsIsValidForTcp()
    {
        var read = Read(new()
        {
            ["NvaFailover:Clusters:0:Name"] = "edge",
            ["NvaFailover:Clusters:0:Nvas:0:VirtualMachineId"] = World.Vm("edge-a"),
            ["NvaFailover:Clusters:0:Nvas:1:VirtualMachineId"] = World.Vm("edge-b"),
            ["NvaFailover:Clusters:0:RouteTables:TagValue"] = "edge",
            ["NvaFailover:Clusters:0:Probe:Kind"] = "Tcp",
            ["NvaFailover:Clusters:0:Probe:Port"] = "443",
        });

        Assert.Equal(443, read.Options.Clusters[0].Probe.Port);
        Assert.Empty(NvaFailoverOptionsValidator.Check(read));
    }

    [Fact]
    public void Read_LegacyTcpPortWithoutFqdn_ProbesEachNvaOnItsOwnIpAtThatPort()
    {
        var read = Read(new()
        {
            ["FW1NAME"] = "vmx-a", ["FW2NAME"] = "vmx-b", ["FWRGNAME"] = "rg-nva", ["SUBSCRIPTIONID"] = World.Sub, ["FWUDRTAG"] = "vmx",
            ["FWMONITOR"] = "TCPPort", ["FW1PORT"] = "443", ["FW2PORT"] = "443",
        });

        var cluster = Assert.Single(read.Options.Clusters);
        Assert.Equal(443, cluster.Probe.Port);
        Assert.All(cluster.Nvas, n => Assert.Null(n.ProbeEndpoint));
        Assert.Empty(NvaFailoverOptionsValidator.Check(read));
    }
}
