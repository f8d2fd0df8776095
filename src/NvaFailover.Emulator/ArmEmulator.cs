using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using NvaFailover.Emulator.Arm;
using NvaFailover.Emulator.Faults;
using NvaFailover.Emulator.Probes;
using NvaFailover.Emulator.Scenarios;
using NvaFailover.Emulator.Time;
using NvaFailover.Emulator.Tls;

namespace NvaFailover.Emulator;

/// <summary>
/// A local Azure Resource Manager: HTTPS on 127.0.0.1 with a certificate made at start, serving the ARM subset
/// NvaFailover uses, plus a probe endpoint and a forwarding-probe endpoint per NVA. Start with <see cref="StartAsync"/>; control it in-process through
/// its methods or, standalone, through <c>/_emulator/...</c>.
/// </summary>
public sealed class ArmEmulator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ArmStore _store;
    private readonly Throttle _throttle;
    private readonly FaultInjector _faults;
    private readonly ConcurrentQueue<RequestRecord> _requests = new();
    private readonly ConcurrentDictionary<string, ProbeListener> _probes = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, ProbeListener> _forwarding = new(StringComparer.OrdinalIgnoreCase);
    private volatile bool _canaryUp = true;
    private readonly TimeProvider _clock;
    private readonly double _speed;

    private ArmEmulator(WebApplication app, ArmStore store, Throttle throttle, FaultInjector faults, TimeProvider clock, double speed, X509Certificate2 certificate)
    {
        _app = app;
        _store = store;
        _throttle = throttle;
        _faults = faults;
        _clock = clock;
        _speed = speed;
        Certificate = certificate;
        _store.VirtualMachineChanged += SyncProbe;
    }

    /// <summary>The ARM endpoint, for example <c>https://127.0.0.1:49321/</c>.</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>The emulator's self-signed certificate.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Scenario time.</summary>
    public TimeProvider Clock => _clock;

    /// <summary>Every ARM request served so far.</summary>
    public IReadOnlyCollection<RequestRecord> Requests => _requests;

    /// <summary>Each VM's probe endpoint, by VM name.</summary>
    internal IReadOnlyDictionary<string, ProbeListener> Probes => _probes;

    /// <summary>Each VM's forwarding-probe endpoint (the canary reached through that NVA only), by VM name.</summary>
    internal IReadOnlyDictionary<string, ProbeListener> ForwardingProbes => _forwarding;

    /// <summary>False while the destination beyond every NVA (the canary) does not answer.</summary>
    public bool CanaryUp => _canaryUp;

    /// <summary>Starts the emulator on an ephemeral loopback port.</summary>
    public static async Task<ArmEmulator> StartAsync(EmulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new EmulatorOptions();
        var clock = options.Clock ?? new ScaledTimeProvider(TimeProvider.System, options.Speed, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        // Latencies are real waits: divide scenario time by the clock's speed (1 for a clock that is not scaled). Retry-After is scenario time.
        var speed = clock is ScaledTimeProvider scaled ? scaled.Speed : 1;
        var certificate = SelfSignedCertificate.Create(TimeProvider.System);
        var store = new ArmStore(clock, options.Arm);
        var throttle = new Throttle(clock)
        {
            ReadCapacity = options.Throttling.ReadCapacity,
            ReadRefillPerSecond = options.Throttling.ReadRefillPerSecond,
            WriteCapacity = options.Throttling.WriteCapacity,
            WriteRefillPerSecond = options.Throttling.WriteRefillPerSecond,
        };
        ApplyWriteLimit(throttle, options.Arm);
        var faults = new FaultInjector(clock, options.Seed);

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, options.Port, listen => listen.UseHttps(certificate));
        });
        builder.Services.AddRoutingCore();
        var app = builder.Build();
        var emulator = new ArmEmulator(app, store, throttle, faults, clock, speed, certificate);
        var handler = new ArmRequestHandler(store, throttle, faults, options.RecordRequests ? emulator._requests.Enqueue : _ => { }, emulator.ToRealTime, options.PageSize, options.GrantedActions, options.UnregisteredProviders);
        var control = new EmulatorControl(emulator);
        app.Run(context => context.Request.Path.StartsWithSegments("/_emulator", StringComparison.OrdinalIgnoreCase)
            ? control.HandleAsync(context)
            : handler.HandleAsync(context));
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        emulator.Endpoint = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/");
        return emulator;
    }

    /// <summary>Replaces the emulated Azure with a scenario's topology and starts the NVAs' probe endpoints.</summary>
    public void Load(JsonObject topology)
    {
        _canaryUp = true;
        _store.Load(topology);
        foreach (var vm in _store.VirtualMachineIds())
        {
            _probes.GetOrAdd(Name(vm), _ => new ProbeListener());
            _forwarding.GetOrAdd(Name(vm), _ => new ProbeListener());
            SyncProbe(vm);
        }
    }

    /// <summary>Applies a scenario's topology and ARM behaviour.</summary>
    public void Load(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        _store.Behaviour = scenario.Arm;
        ApplyWriteLimit(_throttle, scenario.Arm);
        Load(scenario.Topology);
    }

    /// <summary>Every change of a route table's applied routes since the topology was loaded, in order.</summary>
    public IReadOnlyList<RouteCommit> RouteHistory => _store.RouteHistory();

    /// <summary>Every change of a public IP's holder, from the loaded topology on.</summary>
    public IReadOnlyList<PublicIpCommit> PublicIpHistory => _store.PublicIpHistory();

    /// <summary>The topology as the emulator holds it now, as a report lists it: route tables, NICs, public IPs, VMs.</summary>
    public JsonObject Dump() => _store.Dump();

    /// <summary>The topology as the emulator holds it now, in a scenario's <c>topology</c> shape: <see cref="Load(JsonObject)"/> takes it back unchanged.</summary>
    public JsonObject Topology() => _store.Topology();

    /// <summary>Powers a VM off, on or deallocates it, the way the ARM POST does (it passes through stopping/starting).</summary>
    public void PowerAction(string vmName, string action) => _store.PowerAction(Resolve("virtualMachines", vmName), action);

    /// <summary>Makes an NVA's probe endpoint answer or fail while the VM keeps running (a hung appliance).</summary>
    public void SetProbe(string vmName, bool up) => _store.SetProbe(Resolve("virtualMachines", vmName), up);

    /// <summary>
    /// Makes an NVA stop forwarding while its VM runs and its probe endpoint still answers (a gray failure: a hung
    /// dataplane, a firewall in conserve mode), or forward again. Only its forwarding probe sees it.
    /// </summary>
    public void SetForwarding(string vmName, bool forwarding) => _store.SetForwarding(Resolve("virtualMachines", vmName), forwarding);

    /// <summary>Makes the destination beyond every NVA (the canary) stop answering, or answer again: every NVA's forwarding probe fails at once.</summary>
    public void SetCanary(bool up)
    {
        _canaryUp = up;
        foreach (var vm in _store.VirtualMachineIds())
        {
            SyncProbe(vm);
        }
    }

    /// <summary>An outside edit of a route's next hop, as a person in the portal would make it.</summary>
    public void EditRoute(string tableName, string routeName, string nextHopIp) => _store.EditRoute(Resolve("routeTables", tableName), routeName, nextHopIp);

    /// <summary>A person removes these tags from a route table (so it leaves the clusters they marked it for).</summary>
    public void UntagRouteTable(string tableName, IReadOnlyCollection<string> tagNames) => _store.RemoveTags(Resolve("routeTables", tableName), tagNames);

    /// <summary>A person deletes a route table.</summary>
    public void DeleteRouteTable(string tableName) => _store.DeleteRouteTable(Resolve("routeTables", tableName));

    /// <summary>An outside edit of a NIC's tags (a person in the portal), with a new ETag.</summary>
    public void EditNic(string nicName, JsonObject tags) => _store.EditNic(Resolve("networkInterfaces", nicName), tags);

    /// <summary>
    /// From now, for <paramref name="duration"/> (scenario time), this share of ARM requests fails with
    /// <paramref name="status"/> (0: never answers); with a <paramref name="target"/>, only the requests it aims at. A
    /// 429, 503 or 409 says <paramref name="retryAfter"/> (5 s when not given) in Retry-After.
    /// </summary>
    public void AddFaults(int status, double probability, TimeSpan duration, bool failOperations = false, FaultTarget? target = null, TimeSpan? retryAfter = null)
    {
        var now = _clock.GetUtcNow();
        _faults.Add(new FaultWindow(now, now + duration, status, probability, failOperations) { Target = target, RetryAfter = retryAfter ?? TimeSpan.FromSeconds(5) });
    }

    /// <summary>Ends every fault window now.</summary>
    public void ClearFaults() => _faults.Clear();

    /// <summary>The SHA-1 thumbprint of the self-signed certificate the probe endpoints present over TLS (what a user would pin).</summary>
    public static string ProbeCertificateThumbprint => ProbeListener.CertificateThumbprint;

    /// <summary>
    /// The TCP probe endpoint (<c>127.0.0.1:port</c>) of a VM; its health URL is <c>http://127.0.0.1:port/health</c>, or
    /// <c>https://</c> with a self-signed certificate (<see cref="ProbeCertificateThumbprint"/>).
    /// </summary>
    public string ProbeEndpoint(string vmName) =>
        _probes.TryGetValue(vmName, out var probe) ? $"127.0.0.1:{probe.Port}" : throw new ArgumentException($"No VM named '{vmName}' is loaded.", nameof(vmName));

    /// <summary>
    /// The forwarding-probe endpoint of a VM as an HTTP URL (<c>http://127.0.0.1:port/forwarding</c>): it answers only
    /// while the VM runs and forwards and the canary is up; otherwise the connection is taken and never answered, as a
    /// packet dropped on its way is never answered (the probe's attempt times out).
    /// </summary>
    public string ForwardingProbeEndpoint(string vmName) =>
        _forwarding.TryGetValue(vmName, out var probe) ? $"http://127.0.0.1:{probe.Port}/forwarding" : throw new ArgumentException($"No VM named '{vmName}' is loaded.", nameof(vmName));

    /// <summary>An HTTP handler that trusts this emulator's certificate, and only it.</summary>
    public HttpMessageHandler CreateHttpHandler()
    {
        var thumbprint = Certificate.GetCertHashString();
        return new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, cert, _, errors) =>
                    errors == SslPolicyErrors.None || (cert is not null && string.Equals(cert.GetCertHashString(), thumbprint, StringComparison.OrdinalIgnoreCase)),
            },
        };
    }

    /// <summary>How long a scenario-time span lasts in real time.</summary>
    public TimeSpan ToRealTime(TimeSpan scenarioTime) => scenarioTime / _speed;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var probe in _probes.Values.Concat(_forwarding.Values))
        {
            await probe.DisposeAsync();
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
        Certificate.Dispose();
    }

    private static void ApplyWriteLimit(Throttle throttle, ArmBehaviour arm)
    {
        throttle.WritesPerWindow = arm.WritesPerFiveMinutes;
    }

    internal VirtualMachineState VirtualMachineState(string vmId) => _store.VirtualMachineState(vmId);

    private void SyncProbe(string vmId)
    {
        var state = _store.VirtualMachineState(vmId);
        if (_probes.TryGetValue(Name(vmId), out var probe))
        {
            probe.SetListening(state.Running && state.ProbeUp);
        }

        if (_forwarding.TryGetValue(Name(vmId), out var forwarding))
        {
            // A stopped VM forwards nothing; its own probe endpoint's state does not matter to traffic passing through.
            forwarding.SetAnswering(state.Running && state.Forwarding && _canaryUp);
        }
    }

    internal string Resolve(string kind, string name) =>
        _store.FindIdByName(kind, name) ?? throw new ArgumentException($"No {kind} named '{name}' in the emulated topology.", nameof(name));

    private static string Name(string id) => id[(id.LastIndexOf('/') + 1)..];
}
