using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NvaFailover.Execution;
using NvaFailover.Monitoring;
using NvaFailover.Ports;
using NvaFailover.Preflight;
using NvaFailover.Probing;
using NvaFailover.Settings;
using NvaFailover.Telemetry;
using NvaFailover.Time;
using NvaFailover.Topology;
using NvaFailover.Verification;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the failover core. Hosts call the composition root, which calls this and adds the adapters.</summary>
public static class NvaFailoverCoreServiceCollectionExtensions
{
    /// <summary>
    /// Adds the settings (read once, <paramref name="settings"/>, validated at start-up), probes, decider, planner,
    /// executor, monitor and telemetry. The ports come from the adapters. Each component gets only the settings it uses.
    /// </summary>
    public static IServiceCollection AddNvaFailoverCore(this IServiceCollection services, SettingsRead settings)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(settings);

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(settings);
        services.AddOptions<NvaFailoverOptions>().ValidateOnStart();
        services.TryAddSingleton<IOptionsFactory<NvaFailoverOptions>, SettingsOptionsFactory>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NvaFailoverOptions>, NvaFailoverOptionsValidator>());
        services.AddMetrics();
        services.AddHttpClient(HttpProbe.HttpClientName).ConfigurePrimaryHttpMessageHandler(HttpProbe.CreateHandler);

        // A rehearsal registers its own, with a real-time floor; in production timeouts are the settings' own.
        services.TryAddSingleton(sp => new NetworkTimeouts(sp.GetRequiredService<TimeProvider>(), TimeSpan.Zero));
        services.TryAddSingleton<ITcpConnector, SocketTcpConnector>();
        services.TryAddSingleton<NvaFailoverMetrics>();
        services.TryAddSingleton<PowerStateBoard>();
        services.TryAddSingleton<VmPowerStateProbe>();
        services.TryAddSingleton<TcpProbe>();
        services.TryAddSingleton<HttpProbe>();
        services.TryAddSingleton<ForwardingProbe>();
        services.TryAddSingleton<NvaProber>();
        services.TryAddSingleton<TopologyDiscovery>();
        services.TryAddSingleton(sp => new RefreshSchedule(Options(sp).DiscoveryRefresh, [.. Options(sp).Clusters.Select(c => c.Name)]));
        services.TryAddSingleton(sp => new TopologyCache(
            sp.GetRequiredService<TopologyDiscovery>(), sp.GetRequiredService<RefreshSchedule>(), Options(sp).HostSubnetId, sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new ExecutionSettings(Options(sp).ConflictRetries, Options(sp).MaxParallelWrites, Options(sp).ArmPollInterval, Options(sp).ArmOperationTimeout));
        services.TryAddSingleton<PlanExecutor>();
        services.TryAddSingleton<DataPlaneVerifier>();
        services.TryAddSingleton(sp => new PreflightCheck(Options(sp), sp.GetRequiredService<TopologyCache>(), sp.GetRequiredService<IAccessGateway>(), sp.GetRequiredService<DataPlaneVerifier>()));
        services.TryAddSingleton(sp => new FailoverMonitor(
            sp.GetRequiredService<SettingsRead>(),
            sp.GetRequiredService<TopologyCache>(),
            sp.GetRequiredService<NvaProber>(),
            sp.GetRequiredService<PlanExecutor>(),
            sp.GetRequiredService<DataPlaneVerifier>(),
            new ReadCadenceParts(sp.GetService<ReadBudget>(), sp.GetRequiredService<RefreshSchedule>(), sp.GetRequiredService<PowerStateBoard>(), sp.GetService<IWitness>()),
            sp.GetServices<IRoundObserver>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<NvaFailoverMetrics>(),
            sp.GetRequiredService<ILogger<FailoverMonitor>>()));
        return services;
    }

    // Validated once, at first use (start-up): a component never sees invalid settings.
    private static NvaFailoverOptions Options(IServiceProvider sp) => sp.GetRequiredService<IOptions<NvaFailoverOptions>>().Value;
}
