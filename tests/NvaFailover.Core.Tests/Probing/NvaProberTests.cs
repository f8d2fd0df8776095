using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using NvaFailover.Ports;
using NvaFailover.Probing;
using NvaFailover.Telemetry;
using NvaFailover.Time;
using NvaFailover.Tests.Fakes;

namespace NvaFailover.Tests.Probing;

public sealed class NvaProberTests : IDisposable
{
    private readonly TestClock _time = new();
    private readonly Mock<IComputeGateway> _compute = new(MockBehavior.Strict);
    private readonly Mock<ITcpConnector> _tcp = new(MockBehavior.Strict);
    private readonly StubHandler _http = new();

    private static readonly ProbeTarget A = new("nva-a", World.Vm("nva-a"), null);

    private NvaProber CreateSut()
    {
        var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = new Mock<IHttpClientFactory>();
        factory.Setup(f => f.CreateClient(It.IsAny<string>())).Returns(() => new HttpClient(_http, disposeHandler: false));

        // The prober's rules on one VM's reads; the one read per subscription has tests of its own (PowerStateBoardTests).
        _compute.Setup(c => c.GetPowerStatesAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new GatewayException(GatewayFailure.Forbidden, "/subscriptions/s", "AuthorizationFailed", "no list"));
        return new NvaProber(
            new VmPowerStateProbe(new PowerStateBoard(_compute.Object, _time, NullLogger<PowerStateBoard>.Instance)),
            new TcpProbe(_tcp.Object),
            new HttpProbe(factory.Object),
            new ForwardingProbe(new TcpProbe(_tcp.Object), new HttpProbe(factory.Object)),
            new NetworkTimeouts(_time, TimeSpan.Zero),
            _time,
            new NvaFailoverMetrics(services.GetRequiredService<IMeterFactory>()),
            NullLogger<NvaProber>.Instance);
    }

    public void Dispose() => _http.Dispose();

    private static ProbePolicy Options(ProbeKind kind = ProbeKind.VmPowerState, int attempts = 3) =>
        new(kind, attempts, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));

    [Theory]
    [InlineData(PowerState.Running, HealthState.Up)]
    [InlineData(PowerState.Starting, HealthState.Down)]
    [InlineData(PowerState.Stopping, HealthState.Down)]
    [InlineData(PowerState.Stopped, HealthState.Down)]
    [InlineData(PowerState.Deallocating, HealthState.Down)]
    [InlineData(PowerState.Deallocated, HealthState.Down)]
    [InlineData(PowerState.Unknown, HealthState.Unknown)]
    [InlineData(PowerState.Missing, HealthState.Down)]
    public async Task ProbeAsync_PowerState_OnlyRunningIsUpAndNoPowerStateIsUnknown(PowerState state, HealthState expected)
    {
        _compute.Setup(c => c.GetPowerStateAsync(A.VirtualMachineId, It.IsAny<CancellationToken>())).ReturnsAsync(state);
        var sut = CreateSut();

        var health = await _time.RunAsync(() => sut.ProbeAsync("c", Options(), A, CancellationToken.None));

        Assert.Equal(expected, health.State);
        Assert.Equal(expected == HealthState.Up ? 1 : 3, health.Attempts);
        if (expected == HealthState.Down)
        {
            Assert.Contains(state == PowerState.Missing ? "not found" : state.ToString().ToLowerInvariant(), health.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ProbeAsync_AllAttemptsFail_DelaysBetweenAttemptsButNotAfterTheLast()
    {
        _compute.Setup(c => c.GetPowerStateAsync(A.VirtualMachineId, It.IsAny<CancellationToken>())).ReturnsAsync(PowerState.Stopped);
        var sut = CreateSut();
        var start = _time.GetUtcNow();

        var health = await _time.RunAsync(() => sut.ProbeAsync("c", Options(attempts: 3), A, CancellationToken.None));

        Assert.Equal(HealthState.Down, health.State);
        Assert.Equal(TimeSpan.FromSeconds(4), _time.GetUtcNow() - start);
        Assert.Equal(TimeSpan.FromSeconds(4), health.Duration);
        _compute.Verify(c => c.GetPowerStateAsync(A.VirtualMachineId, It.IsAny<CancellationToken>()), Times.Exactly(3));
    }

    [Fact]
    public async Task ProbeAsync_SecondAttemptPasses_UpWithoutFurtherAttempts()
    {
        _compute.SetupSequence(c => c.GetPowerStateAsync(A.VirtualMachineId, It.IsAny<CancellationToken>()))
            .ReturnsAsync(PowerState.Unknown)
            .ReturnsAsync(PowerState.Running);
        var sut = CreateSut();

        var health = await _time.RunAsync(() => sut.ProbeAsync("c", Options(attempts: 5), A, CancellationToken.None));

        Assert.Equal(HealthState.Up, health.State);
        Assert.Equal(2, health.Attempts);
        _compute.Verify(c => c.GetPowerStateAsync(A.VirtualMachineId, It.IsAny<CancellationToken>()), Times.Exactly(2));
    }

    [Fact]
    public async Task ProbeAsync_PowerStateReadFails_UnknownNeverDownWithReason()
    {
        _compute.Setup(c => c.GetPowerStateAsync(A.VirtualMachineId, It.IsAny<CancellationToken>()))
            .ThrowsAsync(new GatewayException(GatewayFailure.Forbidden, A.VirtualMachineId, "AuthorizationFailed", "no access"));
        var sut = CreateSut();

        var health = await _time.RunAsync(() => sut.ProbeAsync("c", Options(attempts: 2), A, CancellationToken.None));

        Assert.Equal(HealthState.Unknown, health.State);
        Assert.Contains("AuthorizationFailed", health.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbeAsync_NoAnswer_TimesOutAfterTimeoutPerAttempt()
    {
        var target = A with { Endpoint = Endpoint("10.0.0.4:443") };
        _tcp.Setup(t => t.ConnectAsync("10.0.0.4", 443, It.IsAny<CancellationToken>()))
            .Returns((string _, int _, CancellationToken ct) => Task.Delay(Timeout.Infinite, ct));
        var sut = CreateSut();
        var start = _time.GetUtcNow();

        var health = await _time.RunAsync(() => sut.ProbeAsync("c", Options(ProbeKind.Tcp, attempts: 3), target, CancellationToken.None));

        Assert.Equal(HealthState.Down, health.State);
        Assert.Contains("no answer within 2 s", health.Reason, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds((3 * 2) + (2 * 2)), _time.GetUtcNow() - start);
    }

    [Fact]
    public async Task ProbeAsync_PowerStateReadIgnoresItsToken_StillTimesOutAsUnknown()
    {
        var never = new TaskCompletionSource<PowerState>();
        _compute.Setup(c => c.GetPowerStateAsync(A.VirtualMachineId, It.IsAny<CancellationToken>())).Returns(never.Task);
        var sut = CreateSut();

        var health = await _time.RunAsync(() => sut.ProbeAsync("c", Options(attempts: 1), A, CancellationToken.None));

        Assert.Equal(HealthState.Unknown, health.State);
        Assert.Contains("did not answer", health.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbeAsync_Cancelled_Throws()
    {
        _compute.Setup(c => c.GetPowerStateAsync(A.VirtualMachineId, It.IsAny<CancellationToken>())).ReturnsAsync(PowerState.Stopped);
        var sut = CreateSut();
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sut.ProbeAsync("c", Options(), A, cts.Token));
    }

    [Theory]
    [InlineData(200, true)]
    [InlineData(204, true)]
    [InlineData(301, false)]
    [InlineData(500, false)]
    [InlineData(503, false)]
    public async Task ProbeAsync_Http_Only2xxIsUp(int status, bool up)
    {
        _http.Status = (HttpStatusCode)status;
        var target = A with { Endpoint = Endpoint("http://10.0.0.4/health") };
        var sut = CreateSut();

        var health = await _time.RunAsync(() => sut.ProbeAsync("c", Options(ProbeKind.Http, attempts: 1), target, CancellationToken.None));

        Assert.Equal(up, health.IsUp);
        Assert.Equal(new Uri("http://10.0.0.4/health"), _http.LastRequest);
        if (!up)
        {
            Assert.Contains($"HTTP {status}", health.Reason, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(PowerState.Running, true, true)]
    [InlineData(PowerState.Running, false, false)]
    [InlineData(PowerState.Stopped, true, false)]
    public async Task ProbeAsync_All_EveryConfiguredProbeMustPass(PowerState power, bool tcpUp, bool up)
    {
        var target = A with { Endpoint = Endpoint("10.0.0.4:443") };
        _compute.Setup(c => c.GetPowerStateAsync(A.VirtualMachineId, It.IsAny<CancellationToken>())).ReturnsAsync(power);
        _tcp.Setup(t => t.ConnectAsync("10.0.0.4", 443, It.IsAny<CancellationToken>()))
            .Returns(tcpUp ? Task.CompletedTask : Task.FromException(new SocketException((int)SocketError.ConnectionRefused)));
        var sut = CreateSut();

        var health = await _time.RunAsync(() => sut.ProbeAsync("c", Options(ProbeKind.All, attempts: 1), target, CancellationToken.None));

        Assert.Equal(up, health.IsUp);
    }

    [Theory]
    [InlineData(PowerState.Running, true, HealthState.Up)]
    [InlineData(PowerState.Running, false, HealthState.Down)]
    [InlineData(PowerState.Stopped, true, HealthState.Down)]
    [InlineData(PowerState.Unknown, true, HealthState.Up)]
    public async Task ProbeAsync_Forwarding_TheVmRunsAndTheAddressBeyondItAnswers(PowerState power, bool forwards, HealthState expected)
    {
        // The management port is not asked at all: a hung dataplane answers on it.
        var target = A with { ForwardingEndpoint = Endpoint("10.99.0.1:443") };
        _compute.Setup(c => c.GetPowerStateAsync(A.VirtualMachineId, It.IsAny<CancellationToken>())).ReturnsAsync(power);
        _tcp.Setup(t => t.ConnectAsync("10.99.0.1", 443, It.IsAny<CancellationToken>()))
            .Returns((string _, int _, CancellationToken ct) => forwards ? Task.CompletedTask : Task.Delay(Timeout.Infinite, ct));
        var sut = CreateSut();

        var health = await _time.RunAsync(() => sut.ProbeAsync("c", Options(ProbeKind.Forwarding, attempts: 2), target, CancellationToken.None));

        Assert.Equal(expected, health.State);
        Assert.Equal(expected == HealthState.Down && power == PowerState.Running, health.ForwardingFailed);
        if (expected == HealthState.Down && power == PowerState.Running)
        {
            Assert.Contains("forwarding probe: nothing came back through the NVA within 2 s", health.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ProbeAsync_All_WithForwardingEndpoint_ManagementPortAnsweringIsNotEnough()
    {
        var target = A with { Endpoint = Endpoint("10.0.0.4:22"), ForwardingEndpoint = Endpoint("http://10.99.0.1/") };
        _compute.Setup(c => c.GetPowerStateAsync(A.VirtualMachineId, It.IsAny<CancellationToken>())).ReturnsAsync(PowerState.Running);
        _tcp.Setup(t => t.ConnectAsync("10.0.0.4", 22, It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        _http.Status = HttpStatusCode.ServiceUnavailable;
        var sut = CreateSut();

        var health = await _time.RunAsync(() => sut.ProbeAsync("c", Options(ProbeKind.All, attempts: 1), target, CancellationToken.None));

        Assert.Equal(HealthState.Down, health.State);
        Assert.True(health.ForwardingFailed);
        Assert.Equal(new Uri("http://10.99.0.1/"), _http.LastRequest);
    }

    [Fact]
    public async Task ProbeAllAsync_EveryForwardingProbeFailsAtOnce_DestinationSuspectAllUnknown()
    {
        _compute.Setup(c => c.GetPowerStateAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ReturnsAsync(PowerState.Running);
        _tcp.Setup(t => t.ConnectAsync(It.IsAny<string>(), 443, It.IsAny<CancellationToken>()))
            .Returns((string _, int _, CancellationToken ct) => Task.Delay(Timeout.Infinite, ct));
        var sut = CreateSut();
        var targets = Enumerable.Range(0, 2).Select(i => new ProbeTarget($"nva-{i}", World.Vm($"nva-{i}"), null) { ForwardingEndpoint = Endpoint($"10.99.0.{i + 1}:443") });

        var health = await _time.RunAsync(() => sut.ProbeAllAsync("c", Options(ProbeKind.Forwarding, attempts: 1), targets, CancellationToken.None));

        Assert.All(health, h =>
        {
            Assert.Equal(HealthState.Unknown, h.State);
            Assert.True(h.DestinationSuspect);
            Assert.Contains("destination beyond them is suspect", h.Reason, StringComparison.Ordinal);
        });
    }

    [Theory]
    [InlineData(true, false, HealthState.Down, HealthState.Up)]
    [InlineData(false, false, HealthState.Down, HealthState.Down)]
    public void SuspectDestination_OnlyWhenEveryNvaFailsOnlyThroughItself(bool bForwardsOnly, bool bVmStopped, HealthState a, HealthState b)
    {
        // a: down through itself. b: up, or down because its VM stopped: neither points at the destination.
        var health = new[]
        {
            new NvaHealth("a", HealthState.Down, 3, "forwarding probe", TimeSpan.Zero) { ForwardingFailed = true },
            bForwardsOnly ? new NvaHealth("b", HealthState.Up, 1, null, TimeSpan.Zero) : new NvaHealth("b", HealthState.Down, 3, "stopped", TimeSpan.Zero) { ForwardingFailed = bVmStopped },
        };

        var judged = NvaProber.SuspectDestination(health);

        Assert.Equal([a, b], judged.Select(h => h.State));
        Assert.DoesNotContain(judged, h => h.DestinationSuspect);
    }

    [Fact]
    public void SuspectDestination_OneNva_NeverSuspectsTheDestination()
    {
        var alone = new[] { new NvaHealth("a", HealthState.Down, 3, "forwarding probe", TimeSpan.Zero) { ForwardingFailed = true } };

        Assert.Equal(HealthState.Down, Assert.Single(NvaProber.SuspectDestination(alone)).State);
    }

    [Fact]
    public async Task ProbeAllAsync_SeveralNvas_ProbedConcurrently()
    {
        _compute.Setup(c => c.GetPowerStateAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ReturnsAsync(PowerState.Stopped);
        var sut = CreateSut();
        var start = _time.GetUtcNow();
        var targets = Enumerable.Range(0, 3).Select(i => new ProbeTarget($"nva-{i}", World.Vm($"nva-{i}"), null));

        var health = await _time.RunAsync(() => sut.ProbeAllAsync("c", Options(attempts: 3), targets, CancellationToken.None));

        Assert.All(health, h => Assert.Equal(HealthState.Down, h.State));
        Assert.Equal(TimeSpan.FromSeconds(4), _time.GetUtcNow() - start);
    }

    [Fact]
    public async Task TcpProbe_RealLoopbackListener_UpWhileListeningDownWhenClosed()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var probe = new TcpProbe(new SocketTcpConnector());
        var target = A with { Endpoint = Endpoint($"127.0.0.1:{port}") };

        var open = await probe.ProbeAsync(target, CancellationToken.None);
        listener.Stop();
        var closed = await probe.ProbeAsync(target, CancellationToken.None);

        Assert.Equal(HealthState.Up, open.State);
        Assert.Equal(HealthState.Down, closed.State);
        Assert.Contains("refused", closed.Reason, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("10.0.0.4:443", "10.0.0.4", 443, false)]
    [InlineData("fw-a.contoso.local:22", "fw-a.contoso.local", 22, false)]
    [InlineData("[fd00::4]:443", "fd00::4", 443, false)]
    [InlineData("https://10.0.0.4:8443/health", null, 8443, true)]
    public void ProbeEndpoint_TryParse_Valid(string text, string? host, int port, bool http)
    {
        Assert.True(ProbeEndpoint.TryParse(text, out var endpoint));
        Assert.Equal(host, endpoint!.Host);
        Assert.Equal(port, endpoint.Port);
        Assert.Equal(http, endpoint.IsHttp);
    }

    [Theory]
    [InlineData("10.0.0.4")]
    [InlineData(":443")]
    [InlineData("10.0.0.4:0")]
    [InlineData("10.0.0.4:http")]
    [InlineData("ftp://10.0.0.4/")]
    [InlineData("fd00::4:443")]
    public void ProbeEndpoint_TryParse_Invalid(string text) => Assert.False(ProbeEndpoint.TryParse(text, out _));

    private static ProbeEndpoint Endpoint(string text) => ProbeEndpoint.TryParse(text, out var e) ? e! : throw new ArgumentException(text);

    private sealed class StubHandler : HttpMessageHandler
    {
        public HttpStatusCode Status { get; set; } = HttpStatusCode.OK;
        public Uri? LastRequest { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            LastRequest = request.RequestUri;
            return Task.FromResult(new HttpResponseMessage(Status));
        }
    }
}
