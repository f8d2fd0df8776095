using NvaFailover.Ports;
using static NvaFailover.Azure.Tests.AdapterHarness;

namespace NvaFailover.Azure.Tests;

public sealed class ComputeGatewayTests
{
    [Fact]
    public async Task GetPowerState_FromInstanceView()
    {
        await using var h = await StartAsync();

        Assert.Equal(PowerState.Running, await h.Compute.GetPowerStateAsync(Vm("fw-a")));
        Assert.Equal(PowerState.Deallocated, await h.Compute.GetPowerStateAsync(Vm("fw-dr", "rg-dr")));
        Assert.Equal(PowerState.Missing, await h.Compute.GetPowerStateAsync(Vm("fw-gone")));
    }

    [Fact]
    public async Task GetPowerStates_EveryVmOfTheSubscription_FollowingNextLink_CountingItsPages()
    {
        await using var h = await StartAsync(emulatorOptions: new() { PageSize = 2 });

        var list = await h.Compute.GetPowerStatesAsync(Sub);

        Assert.Equal(PowerState.Running, list.States[Vm("fw-a")]);
        Assert.Equal(PowerState.Deallocated, list.States[Vm("fw-dr", "rg-dr")]);
        Assert.Equal(h.Emulator.Requests.Count(r => r.Operation == "LIST virtualMachines"), list.Pages);
        Assert.Equal((list.States.Count + 1) / 2, list.Pages);
        Assert.True(list.Pages > 1);
    }

    [Fact]
    public async Task GetPowerState_Stopping_WhileThePowerOffRuns()
    {
        // A power-off that takes an hour of scenario time, so the test cannot outrun it.
        await using var h = await StartAsync(emulatorOptions: new() { Arm = new() { VirtualMachineActionLatency = TimeSpan.FromHours(1) } });

        h.Emulator.PowerAction("fw-a", "powerOff");

        Assert.Equal(PowerState.Stopping, await h.Compute.GetPowerStateAsync(Vm("fw-a")));
    }

    [Fact]
    public async Task GetVirtualMachine_LocationAndNicsPrimaryFirst()
    {
        await using var h = await StartAsync();

        var vm = await h.Compute.GetVirtualMachineAsync(Vm("fw-a"));
        var missing = await h.Compute.GetVirtualMachineAsync(Vm("fw-gone"));

        Assert.Equal("westeurope", vm!.Location);
        Assert.Equal([Id("networkInterfaces", "fw-a-untrust")], vm.NetworkInterfaceIds);
        Assert.Null(missing);
    }

    [Fact]
    public async Task Read_Throttled_GatewayExceptionThrottled()
    {
        await using var h = await StartAsync(new() { ["NvaFailover:ArmRetries"] = "0" });
        h.Emulator.AddFaults(429, 1.0, TimeSpan.FromHours(1));

        var ex = await Assert.ThrowsAsync<GatewayException>(() => h.Compute.GetVirtualMachineAsync(Vm("fw-a")));

        Assert.Equal(GatewayFailure.Throttled, ex.Failure);
        Assert.Equal(Vm("fw-a"), ex.ResourceId);
    }
}
