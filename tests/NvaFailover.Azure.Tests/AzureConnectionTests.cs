using Azure.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NvaFailover.Settings;

namespace NvaFailover.Azure.Tests;

public sealed class AzureConnectionTests
{
    [Theory]
    [InlineData(AzureCloudName.AzureCloud, "https://management.azure.com/", "https://management.azure.com/.default", "https://login.microsoftonline.com/")]
    [InlineData(AzureCloudName.AzureUSGovernment, "https://management.usgovcloudapi.net/", "https://management.usgovcloudapi.net/.default", "https://login.microsoftonline.us/")]
    [InlineData(AzureCloudName.AzureChinaCloud, "https://management.chinacloudapi.cn/", "https://management.chinacloudapi.cn/.default", "https://login.chinacloudapi.cn/")]
    public void CloudEndpoints_EachCloud_EndpointScopeAndAuthority(AzureCloudName cloud, string endpoint, string scope, string authority)
    {
        var endpoints = CloudEndpoints.For(cloud);

        Assert.Equal(new Uri(endpoint), endpoints.Endpoint);
        Assert.Equal(scope, endpoints.Scope);
        Assert.Equal(new Uri(authority), endpoints.AuthorityHost);
    }

    [Fact]
    public void Connection_InAzureWithUserAssignedIdentity_ManagedIdentityCredential()
    {
        var options = new NvaFailoverOptions { ManagedIdentityClientId = "3f2504e0-4f89-11d3-9a0c-0305e82c3301", Cloud = AzureCloudName.AzureUSGovernment };

        var connection = new AzureConnection(options, name => name == "IDENTITY_ENDPOINT" ? "http://localhost:42356/msi/token" : null);

        Assert.IsType<ManagedIdentityCredential>(connection.Credential);
        Assert.Contains("user-assigned managed identity 3f2504e0", connection.CredentialDescription, StringComparison.Ordinal);
        Assert.Equal(new Uri("https://management.usgovcloudapi.net/"), connection.Endpoints.Endpoint);
    }

    [Fact]
    public void Connection_InAzureWithoutClientId_SystemAssigned()
    {
        var connection = new AzureConnection(new NvaFailoverOptions(), name => name == "MSI_ENDPOINT" ? "http://localhost/msi" : null);

        Assert.IsType<ManagedIdentityCredential>(connection.Credential);
        Assert.Equal("system-assigned managed identity", connection.CredentialDescription);
    }

    [Fact]
    public void Connection_OutsideAzure_DeveloperCredential()
    {
        var connection = new AzureConnection(new NvaFailoverOptions(), _ => null);

        Assert.IsType<DefaultAzureCredential>(connection.Credential);
    }

    [Fact]
    public void Connection_LegacyServicePrincipal_ClientSecretCredentialAndSecretNeverDescribed()
    {
        var options = new NvaFailoverOptions { LegacyServicePrincipal = new ServicePrincipalOptions("tenant-1", "app-1", "s3cret!") };

        var connection = new AzureConnection(options, name => name == "IDENTITY_ENDPOINT" ? "x" : null);

        Assert.IsType<ClientSecretCredential>(connection.Credential);
        Assert.DoesNotContain("s3cret!", connection.CredentialDescription, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connection_LoopbackEndpoint_PlaceholderTokenSoNoRealTokenLeavesTheMachine()
    {
        var options = new NvaFailoverOptions { ArmEndpoint = new Uri("https://127.0.0.1:5443/"), LegacyServicePrincipal = new ServicePrincipalOptions("t", "c", "s") };

        var connection = new AzureConnection(options, _ => null);
        var token = await connection.Credential.GetTokenAsync(new global::Azure.Core.TokenRequestContext(["https://management.azure.com/.default"]), CancellationToken.None);

        Assert.Equal("local-endpoint-placeholder-token", token.Token);
        Assert.Equal(new Uri("https://127.0.0.1:5443/"), connection.Endpoints.Endpoint);
    }

    [Fact]
    public void Connection_Retry_FromSettingsOnTheAppClockNotAzureCore()
    {
        var settings = new Dictionary<string, string?>
        {
            ["NvaFailover:ArmRetries"] = "7",
            ["NvaFailover:ArmRequestTimeout"] = "00:00:04",
            ["NvaFailover:Clusters:0:Name"] = "fw",
            ["NvaFailover:Clusters:0:Nvas:0:VirtualMachineId"] = AdapterHarness.Vm("fw-a"),
            ["NvaFailover:Clusters:0:Nvas:1:VirtualMachineId"] = AdapterHarness.Vm("fw-b"),
            ["NvaFailover:Clusters:0:RouteTables:TagValue"] = "fw",
        };
        using var services = new ServiceCollection()
            .AddNvaFailover(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .BuildServiceProvider();

        var connection = services.GetRequiredService<AzureConnection>();
        var client = services.GetRequiredService<ArmClientSettings>();

        // Azure.Core's retries wait on the wall clock; ArmResilience's wait on the app's, so a rehearsal scales them.
        Assert.Equal(0, connection.ClientOptions.Retry.MaxRetries);
        Assert.Equal((7, TimeSpan.FromSeconds(4)), (client.Retries, client.RequestTimeout));
    }
}
