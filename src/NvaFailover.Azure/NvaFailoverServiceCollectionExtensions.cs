using Azure.ResourceManager;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using NvaFailover.Azure;
using NvaFailover.Ports;
using NvaFailover.Settings;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The composition root every host uses.</summary>
public static class NvaFailoverServiceCollectionExtensions
{
    /// <summary>
    /// Wires NvaFailover for a host: the core (settings from <paramref name="configuration"/>, validated at start-up)
    /// and its ports on Azure Resource Manager. A host adds nothing but its trigger.
    /// </summary>
    public static IServiceCollection AddNvaFailover(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddNvaFailoverCore(configuration);
        services.AddNvaFailoverAzureAdapters();
        return services;
    }

    /// <summary>Registers the ARM adapters behind the core's ports (compute, route tables, NICs, public IPs).</summary>
    public static IServiceCollection AddNvaFailoverAzureAdapters(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<ObservingPolicy>();
        services.TryAddSingleton(sp => new AzureConnection(
            sp.GetRequiredService<IOptions<NvaFailoverOptions>>().Value,
            observer: sp.GetRequiredService<ObservingPolicy>()));
        services.TryAddSingleton(sp =>
        {
            var connection = sp.GetRequiredService<AzureConnection>();
            return new ArmClient(connection.Credential, null, connection.ClientOptions);
        });
        services.TryAddSingleton(sp => new ArmHttpClient(
            sp.GetRequiredService<AzureConnection>(),
            sp.GetRequiredService<IOptions<NvaFailoverOptions>>().Value));
        services.TryAddSingleton<NetworkGateway>();
        services.TryAddSingleton<IComputeGateway>(sp => new ComputeGateway(sp.GetRequiredService<ArmClient>()));
        services.TryAddSingleton<IRouteTableGateway>(sp => sp.GetRequiredService<NetworkGateway>());
        services.TryAddSingleton<INetworkInterfaceGateway>(sp => sp.GetRequiredService<NetworkGateway>());
        services.TryAddSingleton<IPublicIpGateway>(sp => sp.GetRequiredService<NetworkGateway>());
        services.TryAddSingleton<IAccessGateway, AccessGateway>();
        return services;
    }
}
