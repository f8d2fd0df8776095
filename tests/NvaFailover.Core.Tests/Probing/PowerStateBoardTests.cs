using Microsoft.Extensions.Logging;
using NvaFailover.Ports;
using NvaFailover.Probing;
using NvaFailover.Tests.Fakes;

namespace NvaFailover.Tests.Probing;

public sealed class PowerStateBoardTests : IDisposable
{
    private readonly TestClock _time = new();
    private readonly FakeAzure _azure = new();
    private readonly ListLoggerProvider _log = new();

    private PowerStateBoard Board() => new(_azure, _time, new Logger<PowerStateBoard>(new LoggerFactory([_log])));

    public void Dispose() => _log.Dispose();

    private static string Vm(string name, string sub = World.Sub) => $"/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/{name}";

    [Fact]
    public async Task ManyVmsOfOneSubscription_AtOneMoment_CostOneRead()
    {
        foreach (var name in new[] { "a", "b", "c", "d" })
        {
            _azure.Vms[Vm(name)] = new FakeVm("westeurope", [], name == "c" ? PowerState.Stopped : PowerState.Running);
        }

        var board = Board();
        var states = await Task.WhenAll(new[] { "a", "b", "c", "d" }.Select(n => board.GetAsync(Vm(n), CancellationToken.None)));

        Assert.Equal([PowerState.Running, PowerState.Running, PowerState.Stopped, PowerState.Running], states);
        Assert.Equal([$"POWERS {World.Sub}"], _azure.Calls);
    }

    [Fact]
    public async Task EachSubscription_IsReadOnce_AndAVmNotListedIsMissing()
    {
        _azure.Vms[Vm("a")] = new FakeVm("westeurope", []);
        _azure.Vms[Vm("x", World.Sub2)] = new FakeVm("westeurope", []);
        var board = Board();

        var states = await Task.WhenAll(board.GetAsync(Vm("a"), CancellationToken.None), board.GetAsync(Vm("x", World.Sub2), CancellationToken.None),
            board.GetAsync(Vm("gone"), CancellationToken.None));

        Assert.Equal([PowerState.Running, PowerState.Running, PowerState.Missing], states);
        Assert.Equal([$"POWERS {World.Sub}", $"POWERS {World.Sub2}"], _azure.Calls.Order());
    }

    [Fact]
    public async Task AnAttemptLaterThanTheSharingWindow_ReadsAgain_SoEveryProbeAttemptSeesANewState()
    {
        _azure.Vms[Vm("a")] = new FakeVm("westeurope", []);
        var board = Board();
        Assert.Equal(PowerState.Running, await board.GetAsync(Vm("a"), CancellationToken.None));

        _azure.SetPower(Vm("a"), PowerState.Stopped);
        _time.Advance(PowerStateBoard.Sharing);
        Assert.Equal(PowerState.Running, await board.GetAsync(Vm("a"), CancellationToken.None));
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(PowerState.Stopped, await board.GetAsync(Vm("a"), CancellationToken.None));
        Assert.Equal(2, _azure.Calls.Count);
    }

    [Fact]
    public async Task AListTheIdentityMayNotRead_FallsBackToOneReadPerVm_SaidOnce()
    {
        _azure.Vms[Vm("a")] = new FakeVm("westeurope", []);
        _azure.Vms[Vm("b")] = new FakeVm("westeurope", [], PowerState.Deallocated);
        _azure.PowerListFaults[World.Sub] = new GatewayException(GatewayFailure.Forbidden, $"/subscriptions/{World.Sub}", "AuthorizationFailed", "not allowed");
        var board = Board();

        Assert.Equal(PowerState.Running, await board.GetAsync(Vm("a"), CancellationToken.None));
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(PowerState.Deallocated, await board.GetAsync(Vm("b"), CancellationToken.None));

        Assert.Equal([$"POWERS {World.Sub}", "POWER a", "POWER b"], _azure.Calls);
        var said = Assert.Single(_log.Named("PowerStatesOneByOne"));
        Assert.Contains("Microsoft.Compute/virtualMachines/read", said.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AListThatFails_OtherwiseIsTheAttemptsFailure_NotAFallback()
    {
        _azure.Vms[Vm("a")] = new FakeVm("westeurope", []);
        _azure.PowerListFaults[World.Sub] = new GatewayException(GatewayFailure.Throttled, $"/subscriptions/{World.Sub}", "TooManyRequests", "throttled");
        var board = Board();

        await Assert.ThrowsAsync<GatewayException>(() => board.GetAsync(Vm("a"), CancellationToken.None));

        Assert.Equal([$"POWERS {World.Sub}"], _azure.Calls);
        Assert.Empty(_log.Named("PowerStatesOneByOne"));
    }
}
