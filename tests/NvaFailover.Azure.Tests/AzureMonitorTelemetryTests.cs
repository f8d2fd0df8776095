using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NvaFailover.Settings;

namespace NvaFailover.Azure.Tests;

public sealed class AzureMonitorTelemetryTests
{
    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    [Theory]
    [InlineData("Authorization=AAD", true)]
    [InlineData("ClientId=3f2504e0-4f89-11d3-9a0c-0305e82c3301;Authorization=AAD", true)]
    [InlineData("authorization=aad", true)]
    [InlineData("", false)]
    [InlineData("Authorization=Key", false)]
    public void UsesEntra_FollowsApplicationInsightsAuthenticationString(string value, bool entra) =>
        Assert.Equal(entra, NvaFailoverAzureMonitorExtensions.UsesEntra(Configuration((NvaFailoverAzureMonitorExtensions.AuthenticationStringSetting, value))));

    [Fact]
    public void Add_WithoutConnectionString_ExportsNothing()
    {
        var services = new ServiceCollection();

        var added = services.AddNvaFailoverAzureMonitor(Configuration(), SettingsReader.Read(Configuration()), AzureMonitorSignals.All);

        Assert.False(added);
        Assert.Empty(services);
    }
}
