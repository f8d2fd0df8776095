using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NvaFailover.Emulator;
using NvaFailover.Emulator.Faults;
using NvaFailover.Emulator.Scenarios;
using NvaFailover.Monitoring;
using NvaFailover.Ports;
using NvaFailover.Time;

namespace NvaFailover.Azure.Tests;

/// <summary>
/// The emulator (scenario time 50x real time) loaded with the fixture, and NvaFailover composed against it as a host
/// would, on the emulator's clock as in a rehearsal: ARM's latencies and Retry-After are scenario time, and so are the
/// app's waits and timeouts below (with a real-time floor under network timeouts, so a busy machine cannot make a
/// request or a probe time out).
/// </summary>
public sealed class AdapterHarness : IAsyncDisposable
{
    public const string Sub = "aaaaaaaa-1111-1111-1111-000000000001";
    public const string Sub2 = "aaaaaaaa-1111-1111-1111-000000000002";

    private AdapterHarness(ArmEmulator emulator, ServiceProvider services)
    {
        Emulator = emulator;
        Services = services;
    }

    public ArmEmulator Emulator { get; }
    public ServiceProvider Services { get; }
    public IRouteTableGateway RouteTables => Services.GetRequiredService<IRouteTableGateway>();
    public INetworkInterfaceGateway Nics => Services.GetRequiredService<INetworkInterfaceGateway>();
    public IPublicIpGateway PublicIps => Services.GetRequiredService<IPublicIpGateway>();
    public IComputeGateway Compute => Services.GetRequiredService<IComputeGateway>();
    public FailoverMonitor Monitor => Services.GetRequiredService<FailoverMonitor>();

    /// <summary>
    /// Powers a VM off and lets a moment pass (on the emulator's clock) beyond the power-state read sharing window: a
    /// round right after it sees the VM off, not the list a previous round started a moment before (50x: 20 ms real).
    /// </summary>
    public async Task PowerOffAsync(string vm)
    {
        Emulator.PowerAction(vm, "powerOff");
        await Task.Delay(TimeSpan.FromSeconds(1.5), Emulator.Clock);
    }

    public static string Id(string kind, string name, string group = "rg-fw", string sub = Sub, string ns = "Microsoft.Network") =>
        $"/subscriptions/{sub}/resourceGroups/{group}/providers/{ns}/{kind}/{name}";

    public static string Vm(string name, string group = "rg-fw") => Id("virtualMachines", name, group, ns: "Microsoft.Compute");

    public static string RouteTable(string name = "rt-spoke1", string group = "rg-spoke", string sub = Sub) => Id("routeTables", name, group, sub);

    public static async Task<AdapterHarness> StartAsync(Dictionary<string, string?>? settings = null, EmulatorOptions? emulatorOptions = null,
        Action<ArmEmulator, Dictionary<string, string?>>? configure = null, ILoggerProvider? logs = null)
    {
        var emulator = await ArmEmulator.StartAsync((emulatorOptions ?? new EmulatorOptions()) with { Speed = 50 });
        emulator.Load(Scenario.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "topology.json")).Topology);
        var values = new Dictionary<string, string?>
        {
            ["NvaFailover:ArmEndpoint"] = emulator.Endpoint.ToString(),
            ["NvaFailover:ArmCertificateThumbprint"] = emulator.Certificate.GetCertHashString(),
            ["NvaFailover:ArmPollInterval"] = "00:00:02.5",
            ["NvaFailover:ArmOperationTimeout"] = "00:15:00",
            ["NvaFailover:ArmRequestTimeout"] = "00:05:00",
            ["NvaFailover:Clusters:0:Name"] = "fw",
            ["NvaFailover:Clusters:0:Nvas:0:VirtualMachineId"] = Vm("fw-a"),
            ["NvaFailover:Clusters:0:Nvas:1:VirtualMachineId"] = Vm("fw-b"),
            ["NvaFailover:Clusters:0:RouteTables:TagValue"] = "fw",
            ["NvaFailover:Clusters:0:Probe:Attempts"] = "1",
            ["NvaFailover:Clusters:0:PublicIpAddressIds:0"] = Id("publicIPAddresses", "pip-fw"),
        };
        foreach (var (key, value) in settings ?? [])
        {
            values[key] = value;
        }

        configure?.Invoke(emulator, values);
        var services = new ServiceCollection()
            .AddSingleton(emulator.Clock)
            .AddSingleton(new NetworkTimeouts(emulator.Clock, TimeSpan.FromSeconds(1))) // as a rehearsal's, with room for a loaded machine
            .AddLogging(b =>
            {
                b.SetMinimumLevel(LogLevel.Warning);
                if (logs is not null)
                {
                    b.AddProvider(logs);
                }
            })
            .AddNvaFailover(new ConfigurationBuilder().AddInMemoryCollection(values).Build())
            .BuildServiceProvider();
        return new AdapterHarness(emulator, services);
    }

    /// <summary>Waits (real time, bounded) until the emulator has answered a request the way <paramref name="seen"/> says.</summary>
    public async Task WaitForRequestAsync(Func<RequestRecord, bool> seen, int count = 1)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (Emulator.Requests.Count(seen) < count)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(10), timeout.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await Emulator.DisposeAsync();
    }
}
