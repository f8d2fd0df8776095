using Azure.Core.Pipeline;
using Azure.ResourceManager;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using NvaFailover.Azure;
using NvaFailover.Monitoring;
using NvaFailover.Ports;
using NvaFailover.Settings;
using NvaFailover.Time;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The composition root every host uses.</summary>
public static class NvaFailoverServiceCollectionExtensions
{
    /// <summary>
    /// Wires NvaFailover for a host: the settings of <paramref name="configuration"/> (read once, validated at start-up),
    /// the core, and its ports on Azure Resource Manager. A host adds nothing but its trigger.
    /// </summary>
    public static IServiceCollection AddNvaFailover(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return services.AddNvaFailover(SettingsReader.Read(configuration));
    }

    /// <summary>Wires NvaFailover on settings already read (a rehearsal reads a scenario's settings once, itself).</summary>
    public static IServiceCollection AddNvaFailover(this IServiceCollection services, SettingsRead settings)
    {
        services.AddNvaFailoverCore(settings);
        services.AddNvaFailoverAzureAdapters();
        if (settings.Options.Witness.ContainerUri is { } container)
        {
            // Watchers agree who writes for each cluster in Blob Storage, with the host's identity unless the URI has a SAS.
            services.TryAddSingleton<IWitness>(sp => new BlobWitness(container, sp.GetRequiredService<AzureConnection>().Credential));
        }

        return services;
    }

    /// <summary>Registers the ARM adapters behind the core's ports (compute, route tables, NICs, public IPs, subnets, permissions).</summary>
    public static IServiceCollection AddNvaFailoverAzureAdapters(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<ObservingPolicy>();
        services.TryAddSingleton(new ArmBudgetLimits());
        services.TryAddSingleton(sp => new ArmBudget(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ArmBudgetLimits>(), sp.GetService<Microsoft.Extensions.Logging.ILogger<ArmBudget>>()));

        // The monitor holds the fleet's routine reads within the same budget (less the reserve left to others).
        services.TryAddSingleton(sp =>
        {
            var limits = sp.GetRequiredService<ArmBudgetLimits>();
            return new ReadBudget(limits.ReadRefillPerSecond * (1 - limits.ReserveShare));
        });
        services.TryAddSingleton(sp => new ArmBudgetPolicy(sp.GetRequiredService<ArmBudget>()));
        services.TryAddSingleton(sp =>
        {
            var options = Options(sp);
            return new ArmClientSettings(options.ArmRetries, options.ArmRequestTimeout, options.ArmOperationTimeout, options.ArmPollInterval);
        });
        // Policies a host adds (a rehearsal's hosts name themselves in a header) run after NvaFailover's own.
        services.TryAddSingleton(sp => new AzureConnection(Options(sp), policies: [sp.GetRequiredService<ObservingPolicy>(), sp.GetRequiredService<ArmBudgetPolicy>(), .. sp.GetServices<HttpPipelinePolicy>()]));
        services.TryAddSingleton(sp =>
        {
            var connection = sp.GetRequiredService<AzureConnection>();
            return new ArmClient(connection.Credential, null, connection.ClientOptions);
        });
        services.TryAddSingleton(sp => new ArmResilience(sp.GetRequiredService<ArmBudget>(), sp.GetRequiredService<NetworkTimeouts>(), sp.GetRequiredService<ArmClientSettings>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<ArmHttpClient>();
        services.TryAddSingleton<NetworkGateway>();
        services.TryAddSingleton<IComputeGateway, ComputeGateway>();
        services.TryAddSingleton<IRouteTableGateway>(sp => sp.GetRequiredService<NetworkGateway>());
        services.TryAddSingleton<INetworkInterfaceGateway>(sp => sp.GetRequiredService<NetworkGateway>());
        services.TryAddSingleton<IPublicIpGateway>(sp => sp.GetRequiredService<NetworkGateway>());
        services.TryAddSingleton<IVirtualNetworkGateway>(sp => sp.GetRequiredService<NetworkGateway>());
        services.TryAddSingleton<IEffectiveRouteGateway>(sp => sp.GetRequiredService<NetworkGateway>());
        services.TryAddSingleton<IResourceDocuments>(sp => sp.GetRequiredService<NetworkGateway>());
        services.TryAddSingleton<IAccessGateway, AccessGateway>();
        return services;
    }

    private static NvaFailoverOptions Options(IServiceProvider sp) => sp.GetRequiredService<IOptions<NvaFailoverOptions>>().Value;
}
