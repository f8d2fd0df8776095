using NvaFailover.Emulator;
using static NvaFailover.Cli.Tests.CliHarness;

namespace NvaFailover.Cli.Tests;

/// <summary><c>nvafo once</c>.</summary>
public sealed class OnceCommandTests
{
    [Fact]
    public async Task Once_Healthy_Exit0()
    {
        await using var h = await StartAsync();

        var result = await h.NvafoAsync("once");

        Assert.True(result.Code == 0, result.ToString());
        Assert.Contains("fw: none, active fw-a", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Once_PrimaryDown_FailsOver()
    {
        await using var h = await StartAsync();
        h.Emulator.PowerAction("fw-a", "powerOff");

        var result = await h.NvafoAsync("once");

        Assert.True(result.Code == 0, result.ToString());
        Assert.Contains("fw-a -> fw-b (activeDown)", result.Out, StringComparison.Ordinal);
        Assert.Equal("10.10.0.5", h.NextHop());
    }

    [Fact]
    public async Task OnceAndPlan_StandbyVmIdMistyped_Exit1NamingTheCause()
    {
        await using var h = await StartAsync(edit: s => s["Clusters"]![0]!["Nvas"]![1]!["VirtualMachineId"] = Vm("fw-b-typo"));

        var once = await h.NvafoAsync("once");
        var plan = await h.NvafoAsync("plan");

        Assert.True(once.Code == 1, once.ToString());
        Assert.Contains("CANNOT FAIL OVER: the interfaces of NVA fw-b-typo are unknown: NVA VM not found; correct Nvas:1:VirtualMachineId", once.Out, StringComparison.Ordinal);
        Assert.True(plan.Code == 1, plan.ToString());
        Assert.Contains("CANNOT FAIL OVER", plan.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Once_ArmUnreachable_Exit1WithNetworkAdviceNotPermissions()
    {
        await using var h = await StartAsync(edit: s => s["ArmEndpoint"] = $"https://127.0.0.1:{ClosedPort()}/");

        var result = await h.NvafoAsync("once");

        Assert.True(result.Code == 1, result.ToString());
        Assert.Contains("could not be listed and none are known yet", result.Out, StringComparison.Ordinal);
        Assert.Contains("could not be reached from this host", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("permission", result.Out, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A loopback port nothing listens on (connections are refused).</summary>
    private static int ClosedPort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [Fact]
    public async Task Once_WriteFails_Exit1AndSaysWhichResource()
    {
        await using var h = await StartAsync();
        h.Emulator.PowerAction("fw-a", "powerOff");
        h.Emulator.AddFaults(500, 1.0, TimeSpan.FromHours(1), failOperations: true);

        var result = await h.NvafoAsync("once");

        Assert.Equal(1, result.Code);
        Assert.Contains("rt-spoke1 failed: Failed InternalServerError", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_MissingPermission_AndAFailoverThenFailsWithLinkedAuthorizationFailed()
    {
        var granted = Azure.RequiredActions.All.Where(a => a != "Microsoft.Network/publicIPAddresses/join/action").ToList();
        await using var h = await StartAsync(new EmulatorOptions { GrantedActions = granted });
        h.Emulator.PowerAction("fw-a", "powerOff");

        var result = await h.NvafoAsync("once");

        Assert.Equal(1, result.Code);
        Assert.Contains("LinkedAuthorizationFailed", result.Out, StringComparison.Ordinal);
        Assert.Equal("10.10.0.5", h.NextHop());
    }
}
