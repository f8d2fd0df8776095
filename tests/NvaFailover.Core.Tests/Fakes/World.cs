using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NvaFailover.Monitoring;
using NvaFailover.Ports;
using NvaFailover.Probing;
using NvaFailover.Resources;
using NvaFailover.Settings;
using NvaFailover.Topology;

namespace NvaFailover.Tests.Fakes;

/// <summary>A fake Azure with NVAs, route tables and public IPs, plus the settings and services to run the core on it.</summary>
public sealed class World
{
    public const string Sub = "11111111-1111-1111-1111-111111111111";
    public const string Sub2 = "22222222-2222-2222-2222-222222222222";

    public FakeAzure Azure { get; } = new();
    public TestClock Time { get; } = new();
    public ListLoggerProvider Logs { get; } = new();
    public Dictionary<string, string?> Settings { get; } = new(StringComparer.OrdinalIgnoreCase);
    public List<RoundReport> Reports { get; } = [];

    public static string Vm(string name) => $"/subscriptions/{Sub}/resourceGroups/rg-nva/providers/Microsoft.Compute/virtualMachines/{name}";

    public static string Nic(string name) => $"/subscriptions/{Sub}/resourceGroups/rg-nva/providers/Microsoft.Network/networkInterfaces/{name}";

    public static string Rt(string name, string sub = Sub) => $"/subscriptions/{sub}/resourceGroups/rg-spoke/providers/Microsoft.Network/routeTables/{name}";

    public static string Pip(string name) => $"/subscriptions/{Sub}/resourceGroups/rg-nva/providers/Microsoft.Network/publicIPAddresses/{name}";

    public static string IpConfig(string nic, string config = "ipconfig1") => ArmId.IpConfigurationId(Nic(nic), config);

    public static RouteInfo Va(string name, string prefix, string ip) => new(name, prefix, "VirtualAppliance", ip);

    /// <summary>
    /// The usual edge pair: edge-a (preferred) and edge-b in eastus2, each with an outside NIC (slot 0) and an
    /// inside NIC (slot 1); pip-edge on edge-a's outside NIC; two spoke tables tagged nva_ha_udr=edge whose default
    /// routes point at edge-a's inside IP, next to routes that are not ours.
    /// </summary>
    public static World EdgePair()
    {
        var world = new World();
        world.AddNva("edge-a", "eastus2", [("edge-a-outside", "172.20.0.4"), ("edge-a-inside", "172.20.1.4")]);
        world.AddNva("edge-b", "eastus2", [("edge-b-outside", "172.20.0.5"), ("edge-b-inside", "172.20.1.5")]);
        world.AddPublicIp("pip-edge", "eastus2", IpConfig("edge-a-outside"));
        world.AddTable("rt-apps", "edge",
            Va("default", "0.0.0.0/0", "172.20.1.4"),
            new RouteInfo("apps-local", "172.21.0.0/16", "VnetLocal", null),
            Va("other-appliance", "10.50.0.0/16", "10.50.0.4"));
        world.AddTable("rt-db", "edge", Va("default", "0.0.0.0/0", "172.20.1.4"), Va("onprem", "192.168.0.0/16", "172.20.0.4"));
        world.Cluster(0, "edge", "edge", ["edge-a", "edge-b"]);
        world.Settings["NvaFailover:Clusters:0:PublicIpAddressIds:0"] = Pip("pip-edge");
        return world;
    }

    public void AddNva(string name, string location, (string Nic, string Ip)[] nics, PowerState power = PowerState.Running)
    {
        foreach (var (nic, ip) in nics)
        {
            Azure.Nics[Nic(nic)] = new NetworkInterfaceSnapshot(Nic(nic), location, Azure.NewETag(), true, [new IpConfigurationInfo("ipconfig1", ip, null, true)]);
        }

        Azure.Vms[Vm(name)] = new FakeVm(location, [.. nics.Select(n => Nic(n.Nic))], power);
    }

    public void AddPublicIp(string name, string location, string? holderIpConfigId)
    {
        Azure.PublicIps[Pip(name)] = new PublicIpSnapshot(Pip(name), location, "Standard", "52.10.20.30", holderIpConfigId);
        if (holderIpConfigId is not null && ArmId.TrySplitIpConfigurationId(holderIpConfigId, out var nicId, out var config))
        {
            var nic = Azure.Nics[nicId];
            Azure.Nics[nicId] = nic with { IpConfigurations = [.. nic.IpConfigurations.Select(c => c.Name == config ? c with { PublicIpAddressId = Pip(name) } : c)] };
        }
    }

    public void AddTable(string name, string tagValue, params RouteInfo[] routes) => AddTable(name, tagValue, Sub, routes);

    public void AddTable(string name, string? tagValue, string subscription, params RouteInfo[] routes)
    {
        var tags = tagValue is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["nva_ha_udr"] = tagValue };
        Azure.Tables[Rt(name, subscription)] = new RouteTableSnapshot(Rt(name, subscription), "eastus2", Azure.NewETag(), tags, routes);
    }

    public void Cluster(int index, string name, string tagValue, string[] nvas)
    {
        var key = $"NvaFailover:Clusters:{index}";
        Settings[$"{key}:Name"] = name;
        Settings[$"{key}:RouteTables:TagValue"] = tagValue;
        Settings[$"{key}:Probe:Delay"] = "00:00:02";
        for (var i = 0; i < nvas.Length; i++)
        {
            Settings[$"{key}:Nvas:{i}:VirtualMachineId"] = Vm(nvas[i]);
        }
    }

    public IConfiguration Configuration() => new ConfigurationBuilder().AddInMemoryCollection(Settings).Build();

    public ServiceProvider Services(Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace));
        services.AddSingleton<TimeProvider>(Time);
        services.AddNvaFailoverCore(SettingsReader.Read(Configuration()));
        services.AddSingleton<IComputeGateway>(Azure);
        services.AddSingleton<IRouteTableGateway>(Azure);
        services.AddSingleton<INetworkInterfaceGateway>(Azure);
        services.AddSingleton<IPublicIpGateway>(Azure);
        services.AddSingleton<IVirtualNetworkGateway>(Azure);
        services.AddSingleton<IEffectiveRouteGateway>(Azure);
        services.AddSingleton<IAccessGateway>(Azure);
        services.AddSingleton<IRoundObserver>(new Collector(Reports));
        configure?.Invoke(services);
        return services.BuildServiceProvider();
    }

    public FailoverMonitor Monitor(Action<IServiceCollection>? configure = null) => Services(configure).GetRequiredService<FailoverMonitor>();

    /// <summary>One timer round of the first cluster, with the clock driven through every probe delay.</summary>
    public Task<RoundReport> RoundAsync(FailoverMonitor monitor, RoundRequest? request = null) =>
        Time.RunAsync(() => monitor.RunRoundAsync(monitor.Options.Clusters[0].Name, request ?? RoundRequest.Timer));

    /// <summary>A topology discovered from the fake Azure with the current settings.</summary>
    public async Task<ClusterTopology> TopologyAsync(int cluster = 0) =>
        await Monitor().DiscoverAsync(Options().Clusters[cluster].Name);

    public NvaFailoverOptions Options()
    {
        return SettingsReader.Read(Configuration()).Options;
    }

    public static NvaHealth Up(string nva) => new(nva, HealthState.Up, 1, null, TimeSpan.Zero);

    public static NvaHealth Down(string nva) => new(nva, HealthState.Down, 3, "VM power state is stopped", TimeSpan.Zero);

    public static NvaHealth Unknown(string nva) => new(nva, HealthState.Unknown, 3, "the power state could not be read: ARM answered HTTP 503", TimeSpan.Zero);

    private sealed class Collector(List<RoundReport> reports) : IRoundObserver
    {
        public void OnRoundCompleted(RoundReport report)
        {
            lock (reports)
            {
                reports.Add(report);
            }
        }
    }
}
