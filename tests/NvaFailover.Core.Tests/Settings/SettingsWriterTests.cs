using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using NvaFailover.Settings;
using NvaFailover.Tests.Fakes;

namespace NvaFailover.Tests.Settings;

public sealed class SettingsWriterTests
{
    private static SettingsRead ReadJson(JsonObject section)
    {
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(new JsonObject { ["NvaFailover"] = section }.ToJsonString()));
        return SettingsReader.Read(new ConfigurationBuilder().AddJsonStream(stream).Build());
    }

    [Fact]
    public void Section_ReadBack_GivesTheSameSettings()
    {
        var world = World.EdgePair();
        world.Settings["NvaFailover:Schedule"] = "*/10 * * * * *";
        world.Settings["NvaFailover:DryRun"] = "true";
        world.Settings["NvaFailover:MaxParallelWrites"] = "50";
        world.Settings["NvaFailover:HostSubnetId"] = $"/subscriptions/{World.Sub}/resourceGroups/rg-host/providers/Microsoft.Network/virtualNetworks/v/subnets/s";
        world.Settings["NvaFailover:Clusters:0:Probe:Kind"] = "All";
        world.Settings["NvaFailover:Clusters:0:Probe:Port"] = "443";
        world.Settings["NvaFailover:Clusters:0:Nvas:0:NextHopIps:0"] = "172.20.0.4";
        world.Settings["NvaFailover:Clusters:0:Nvas:1:NextHopIps:0"] = "172.20.0.5";
        world.Settings["NvaFailover:Clusters:0:Nvas:1:ProbeEndpoint"] = "https://172.20.0.5:8443/health";
        world.Settings["NvaFailover:Clusters:0:RouteTables:SubscriptionIds:0"] = World.Sub2;
        world.Settings["NvaFailover:Clusters:0:Failback"] = "Preemptive";
        var original = world.Options();

        var written = SettingsWriter.Section(original);
        var read = ReadJson(written);

        Assert.Empty(read.Problems);
        Assert.Equal(written.ToJsonString(), SettingsWriter.Section(read.Options).ToJsonString());
        Assert.Equal(original.Schedule.Expression, read.Options.Schedule.Expression);
        Assert.Equal(443, read.Options.Clusters[0].Probe.Port);
        Assert.Equal("https://172.20.0.5:8443/health", read.Options.Clusters[0].Nvas[1].ProbeEndpoint?.ToString());
        Assert.Equal(50, read.Options.MaxParallelWrites);
    }

    [Fact]
    public void Section_NeverWritesCredentials()
    {
        var world = World.EdgePair();
        world.Settings["SP_USERNAME"] = "app";
        world.Settings["SP_PASSWORD"] = "s3cret!";
        world.Settings["TENANTID"] = "tenant";

        var written = SettingsWriter.Section(world.Options()).ToJsonString();

        Assert.DoesNotContain("s3cret!", written, StringComparison.Ordinal);
        Assert.DoesNotContain("SP_", written, StringComparison.Ordinal);
    }
}
