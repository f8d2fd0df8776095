using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NvaFailover.Execution;
using NvaFailover.Monitoring;
using NvaFailover.Preflight;
using NvaFailover.Probing;
using NvaFailover.Settings;
using NvaFailover.Telemetry;
using NvaFailover.Topology;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the failover core. Hosts call the composition root, which calls this and adds the adapters.</summary>
public static class NvaFailoverCoreServiceCollectionExtensions
{
    /// <summary>
    /// Adds settings (read from <paramref name="configuration"/>'s <c>NvaFailover</c> section or the legacy names,
    /// validated at start-up), probes, decider, planner, executor, monitor and telemetry. The ports
    /// (<c>IComputeGateway</c>, <c>IRouteTableGateway</c>, <c>INetworkInterfaceGateway</c>, <c>IPublicIpGateway</c>)
    /// come from the adapters.
    /// </summary>
    public static IServiceCollection AddNvaFailoverCore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<NvaFailoverOptions>()
            .Configure(options => SettingsReader.Read(configuration, options))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NvaFailoverOptions>, NvaFailoverOptionsValidator>());
        services.AddMetrics();
        services.AddHttpClient(HttpProbe.HttpClientName);

        services.TryAddSingleton<ITcpConnector, SocketTcpConnector>();
        services.TryAddSingleton<NvaFailoverMetrics>();
        services.TryAddSingleton<VmPowerStateProbe>();
        services.TryAddSingleton<TcpProbe>();
        services.TryAddSingleton<HttpProbe>();
        services.TryAddSingleton<NvaProber>();
        services.TryAddSingleton<TopologyDiscovery>();
        services.TryAddSingleton<TopologyCache>();
        services.TryAddSingleton<PlanExecutor>();
        services.TryAddSingleton(sp => new PreflightCheck(
            sp.GetRequiredService<IOptions<NvaFailoverOptions>>(),
            sp.GetRequiredService<TopologyDiscovery>(),
            sp.GetRequiredService<NvaFailover.Ports.IAccessGateway>()));
        services.TryAddSingleton(sp => new FailoverMonitor(
            sp.GetRequiredService<IOptions<NvaFailoverOptions>>(),
            sp.GetRequiredService<TopologyCache>(),
            sp.GetRequiredService<NvaProber>(),
            sp.GetRequiredService<PlanExecutor>(),
            sp.GetServices<ICycleObserver>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<NvaFailoverMetrics>(),
            sp.GetRequiredService<ILogger<FailoverMonitor>>()));
        return services;
    }
}
