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
