using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using NvaFailover.Settings;
using NvaFailover.Tests.Fakes;

namespace NvaFailover.Tests.Settings;

public sealed class NvaFailoverOptionsValidatorTests
{
    private static Dictionary<string, string?> Valid() => new()
    {
        ["NvaFailover:Clusters:0:Name"] = "edge",
        ["NvaFailover:Clusters:0:Nvas:0:VirtualMachineId"] = World.Vm("edge-a"),
        ["NvaFailover:Clusters:0:Nvas:1:VirtualMachineId"] = World.Vm("edge-b"),
        ["NvaFailover:Clusters:0:RouteTables:TagValue"] = "edge",
    };

    private static IReadOnlyList<SettingProblem> Check(Dictionary<string, string?> values)
    {
        return NvaFailoverOptionsValidator.Check(SettingsReader.Read(new ConfigurationBuilder().AddInMemoryCollection(values).Build()));
    }

    [Fact]
    public void Check_MinimalCluster_HasNoProblem() => Assert.Empty(Check(Valid()));

    [Theory]
    [InlineData("https://10.0.1.4/health", "zz", "40 hexadecimal digits")]
    [InlineData("http://10.0.1.4/health", "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01", "https ProbeEndpoint")]
    [InlineData(null, "ABCDEF0123456789ABCDEF0123456789ABCDEF01", "is not set")]
    public void Check_ProbeCertificateThumbprint_ProblemNamesTheKeyAndWhatIsValid(string? endpoint, string pin, string expected)
    {
        var values = Valid();
        values["NvaFailover:Clusters:0:Nvas:0:ProbeEndpoint"] = endpoint;
        values["NvaFailover:Clusters:0:Nvas:0:ProbeCertificateThumbprint"] = pin;

        var problem = Assert.Single(Check(values), p => p.Key.EndsWith("ProbeCertificateThumbprint", StringComparison.Ordinal));

        Assert.Equal("NvaFailover:Clusters:0:Nvas:0:ProbeCertificateThumbprint", problem.Key);
        Assert.Contains(expected, problem.Expected, StringComparison.Ordinal);
    }

    [Fact]
    public void Problem_ValueWithANewline_IsEchoedEscaped_SoItCannotForgeALogLine()
    {
        var values = Valid();
        values["NvaFailover:Clusters:0:Name"] = "edge\nERROR NvaFailover: forged";

        var problem = Assert.Single(Check(values)).ToString();

        Assert.DoesNotContain('\n', problem);
        Assert.Contains("edge\\nERROR NvaFailover: forged", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Problem_A20MegabyteValue_IsCutInTheMessage()
    {
        var values = Valid();
        values["NvaFailover:Clusters:0:Probe:Attempts"] = new string('9', 20_000_000);

        var problem = Assert.Single(Check(values)).ToString();

        Assert.True(problem.Length < 1000, $"{problem.Length} characters");
        Assert.Contains("20,000,000 characters in all", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_ProbeCertificateThumbprintWithColons_OfAnHttpsEndpoint_IsValid()
    {
        var values = Valid();
        values["NvaFailover:Clusters:0:Nvas:0:ProbeEndpoint"] = "https://10.0.1.4/health";
        values["NvaFailover:Clusters:0:Nvas:0:ProbeCertificateThumbprint"] = "ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01";

        Assert.Empty(Check(values));
    }

    [Theory]
    [InlineData("NvaFailover:Schedule", "every 30s", "six fields")]
    [InlineData("NvaFailover:Schedule", "61 * * * * *", "61")]
    [InlineData("NvaFailover:Cloud", "Mars", "AzureCloud, AzureUSGovernment, AzureChinaCloud")]
    [InlineData("NvaFailover:ManagedIdentityClientId", "my-identity", "client id (a GUID)")]
    [InlineData("NvaFailover:DryRun", "maybe", "true or false")]
    [InlineData("NvaFailover:DiscoveryRefresh", "00:00:01", "from 00:00:10")]
    [InlineData("NvaFailover:MaxParallelWrites", "0", "from 1 to 1000")]
    [InlineData("NvaFailover:ConflictRetries", "11", "from 0 to 10")]
    [InlineData("NvaFailover:ArmEndpoint", "http://127.0.0.1:5000/", "https://")]
    [InlineData("NvaFailover:ArmCertificateThumbprint", "not-a-thumbprint", "40 hexadecimal")]
    [InlineData("NvaFailover:ArmRetries", "99", "from 0 to 20")]
    [InlineData("NvaFailover:ArmOperationTimeout", "00:00:00", "from 00:00:01")]
    [InlineData("NvaFailover:ArmPollInterval", "00:05:00", "to 00:01:00")]
    [InlineData("NvaFailover:Clusters:0:Name", "edge pair!", "letters, digits")]
    [InlineData("NvaFailover:Clusters:0:Nvas:1:VirtualMachineId", "edge-b", "full ARM id of the appliance VM")]
    [InlineData("NvaFailover:Clusters:0:Nvas:1:VirtualMachineId", "/subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/b", "full ARM id")]
    [InlineData("NvaFailover:Clusters:0:Nvas:0:ProbeEndpoint", "10.0.0.4", "host:port")]
    [InlineData("NvaFailover:Clusters:0:Nvas:0:ProbeEndpoint", "10.0.0.4:70000", "host:port")]
    [InlineData("NvaFailover:Clusters:0:Nvas:0:NextHopIps:0", "10.0.0.400", "private IP address")]
    [InlineData("NvaFailover:Clusters:0:Probe:Kind", "Ping", "VmPowerState, Tcp, Http, All")]
    [InlineData("NvaFailover:Clusters:0:Probe:Attempts", "0", "from 1 to 10")]
    [InlineData("NvaFailover:Clusters:0:Probe:Attempts", "many", "whole number")]
    [InlineData("NvaFailover:Clusters:0:Probe:Delay", "00:05:00", "from 00:00:00 to 00:01:00")]
    [InlineData("NvaFailover:Clusters:0:Probe:Delay", "2", "hh:mm:ss")]
    [InlineData("NvaFailover:Clusters:0:Probe:Timeout", "00:00:00.010", "from 00:00:00.1000000")]
    [InlineData("NvaFailover:Clusters:0:Probe:Interval", "00:30:00", "to 00:10:00")]
    [InlineData("NvaFailover:Clusters:0:RouteTables:SubscriptionIds:0", "prod", "subscription id (a GUID)")]
    [InlineData("NvaFailover:Clusters:0:PublicIpAddressIds:0", "pip-edge", "full ARM id of a public IP")]
    [InlineData("NvaFailover:Clusters:0:Failback", "Always", "OnActiveFailure, Preemptive")]
    [InlineData("NvaFailover:Clusters:0:PreemptAfter", "-00:01:00", "from 00:00:00")]
    [InlineData("NvaFailover:Clusters:0:WhenAllDown", "FailToPrimary", "KeepLastKnownGood")]
    public void Check_InvalidValue_NamesKeyValueAndWhatIsValid(string key, string value, string expected)
    {
        var values = Valid();
        values[key] = value;

        var problem = Assert.Single(Check(values), p => p.Key == key);

        Assert.Contains(expected, problem.Expected, StringComparison.Ordinal);
        if (!TimeSpan.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var duration) || !value.Contains(':', StringComparison.Ordinal))
        {
            Assert.Equal(value, problem.Value);
        }
        else
        {
            Assert.Equal(duration, TimeSpan.Parse(problem.Value!, System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void Check_NoClusters_SaysHowToDefineOne()
    {
        var problem = Assert.Single(Check([]));

        Assert.Equal("NvaFailover:Clusters", problem.Key);
        Assert.Contains("FW1NAME", problem.Expected, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_ClusterRules_AreEachReported()
    {
        var values = Valid();
        values["NvaFailover:Clusters:0:Nvas:1:VirtualMachineId"] = World.Vm("edge-a");
        values["NvaFailover:Clusters:1:Name"] = "EDGE";
        values["NvaFailover:Clusters:1:Nvas:0:VirtualMachineId"] = World.Vm("edge-c");
        values["NvaFailover:Clusters:1:Probe:Kind"] = "Http";
        values["NvaFailover:Clusters:1:Nvas:0:ProbeEndpoint"] = "10.0.0.6:80";

        var problems = Check(values).Select(p => $"{p.Key} {p.Expected}").ToList();

        Assert.Contains(problems, p => p.StartsWith("NvaFailover:Clusters:0:Nvas:1:VirtualMachineId", StringComparison.Ordinal) && p.Contains("one cluster only", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("NvaFailover:Clusters:1:Name", StringComparison.Ordinal) && p.Contains("unique", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("NvaFailover:Clusters:1:Nvas ", StringComparison.Ordinal) && p.Contains("2 or more", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("NvaFailover:Clusters:1:Nvas:0:ProbeEndpoint", StringComparison.Ordinal) && p.Contains("http://", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("NvaFailover:Clusters:1:RouteTables:TagValue", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_TcpWithoutEndpoints_AsksForHostPortOnEachNva()
    {
        var values = Valid();
        values["NvaFailover:Clusters:0:Probe:Kind"] = "Tcp";

        var problems = Check(values);

        Assert.Equal(["NvaFailover:Clusters:0:Nvas:0:ProbeEndpoint", "NvaFailover:Clusters:0:Nvas:1:ProbeEndpoint"], problems.Select(p => p.Key));
    }

    [Fact]
    public void Check_ForwardingWithoutEndpoints_AsksEachNvaForOne()
    {
        var values = Valid();
        values["NvaFailover:Clusters:0:Probe:Kind"] = "Forwarding";
        values["NvaFailover:Clusters:0:Nvas:1:ForwardingProbeEndpoint"] = "10.99.0.5:443";

        var problem = Assert.Single(Check(values));

        Assert.Equal("NvaFailover:Clusters:0:Nvas:0:ForwardingProbeEndpoint", problem.Key);
        Assert.Contains("an address that the host subnet's route table sends through this NVA only", problem.Expected, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Forwarding", "10.99.0.4:443", "10.99.0.5:443", null)]
    [InlineData("Forwarding", "http://10.99.0.4/", "https://10.99.0.5/health", null)]
    [InlineData("All", null, null, null)]
    [InlineData("All", "10.99.0.4:443", null, "NvaFailover:Clusters:0:Nvas:1:ForwardingProbeEndpoint")]
    [InlineData("VmPowerState", "10.99.0.4:443", null, "NvaFailover:Clusters:0:Nvas:0:ForwardingProbeEndpoint")]
    [InlineData("Forwarding", "10.99.0.4:443", "10.99.0.4:443", "NvaFailover:Clusters:0:Nvas:1:ForwardingProbeEndpoint")]
    [InlineData("Forwarding", "10.99.0.4", "10.99.0.5:443", "NvaFailover:Clusters:0:Nvas:0:ForwardingProbeEndpoint")]
    public void Check_ForwardingProbeEndpoint_RequiredByForwardingOneEachAndNeverIdle(string kind, string? a, string? b, string? problemKey)
    {
        var values = Valid();
        values["NvaFailover:Clusters:0:Probe:Kind"] = kind;
        values["NvaFailover:Clusters:0:Probe:Port"] = "22";
        values["NvaFailover:Clusters:0:Nvas:0:ForwardingProbeEndpoint"] = a;
        values["NvaFailover:Clusters:0:Nvas:1:ForwardingProbeEndpoint"] = b;

        var problems = Check(values);

        Assert.Equal(problemKey is null ? [] : [problemKey], problems.Select(p => p.Key).Distinct());
    }

    [Fact]
    public void Check_NextHopIpsOnSomeNvasOnly_IsAProblem()
    {
        var values = Valid();
        values["NvaFailover:Clusters:0:Nvas:0:NextHopIps:0"] = "10.0.0.4";

        var problem = Assert.Single(Check(values));

        Assert.Equal("NvaFailover:Clusters:0:Nvas:1:NextHopIps", problem.Key);
    }

    [Fact]
    public void Check_SameNextHopIpOnTwoNvas_IsAProblem()
    {
        var values = Valid();
        values["NvaFailover:Clusters:0:Nvas:0:NextHopIps:0"] = "10.0.0.4";
        values["NvaFailover:Clusters:0:Nvas:1:NextHopIps:0"] = "10.0.0.4";

        Assert.Contains(Check(values), p => p.Key == "NvaFailover:Clusters:0:Nvas:1:NextHopIps:0" && p.Expected.Contains("Nvas:0", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_SeveralProblems_OneMessageListsThemAllWithSecretsMasked()
    {
        var values = Valid();
        values["NvaFailover:Clusters:0:Probe:Attempts"] = "0";
        values["NvaFailover:Cloud"] = "Mars";
        values["SP_USERNAME"] = "app";
        values["SP_PASSWORD"] = "p@ss";
        var read = SettingsReader.Read(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        read = read with { Problems = [.. read.Problems, new SettingProblem("SP_PASSWORD", "p@ss", "example of a secret that must be masked")] };

        var result = new NvaFailoverOptionsValidator(read).Validate(null, read.Options);

        Assert.True(result.Failed);
        Assert.Contains("4 problems", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("NvaFailover:Cloud = 'Mars'", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("NvaFailover:Clusters:0:Probe:Attempts = '0'", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("TENANTID is missing", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("SP_PASSWORD = '***'", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("p@ss", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostStart_InvalidSettings_FailsBeforeAnyAzureCall()
    {
        var world = World.EdgePair();
        world.Settings["NvaFailover:Clusters:0:Probe:Attempts"] = "0";
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(world.Settings);
        builder.Services.AddNvaFailoverCore(SettingsReader.Read(builder.Configuration));
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("NvaFailover:Clusters:0:Probe:Attempts = '0'", ex.Message, StringComparison.Ordinal);
        Assert.Empty(world.Azure.Calls);
    }

    [Fact]
    public void ResolveMonitor_InvalidSettings_Throws()
    {
        var world = World.EdgePair();
        world.Settings["NvaFailover:Clusters:0:RouteTables:TagValue"] = "";

        var ex = Assert.Throws<OptionsValidationException>(() => world.Monitor());

        Assert.Contains("RouteTables:TagValue is missing", ex.Message, StringComparison.Ordinal);
    }
}
