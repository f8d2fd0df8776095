using static NvaFailover.Cli.Tests.CliHarness;

namespace NvaFailover.Cli.Tests;

/// <summary><c>nvafo switchover</c>.</summary>
public sealed class SwitchoverCommandTests
{
    [Fact]
    public async Task Switchover_Yes_MovesToTheNamedNva()
    {
        await using var h = await StartAsync();

        var result = await h.NvafoAsync("switchover", "--cluster", "fw", "--to", "fw-b", "--yes");

        Assert.True(result.Code == 0, result.ToString());
        Assert.Contains("fw-a -> fw-b (switchover)", result.Out, StringComparison.Ordinal);
        Assert.Equal("10.10.0.5", h.NextHop());
        Assert.Contains("Read back: every managed route and public IP of fw points at fw-b.", result.Out, StringComparison.Ordinal);
        Assert.Contains("To roll back: nvafo switchover --cluster fw --to fw-a --yes", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Switchover_TheRollbackItPrints_RunsAsPrinted()
    {
        await using var h = await StartAsync();
        var first = await h.NvafoAsync("switchover", "--cluster", "fw", "--to", "fw-b", "--yes");
        var rollback = first.Out.Split('\n').Single(l => l.StartsWith("To roll back: nvafo ", StringComparison.Ordinal))["To roll back: nvafo ".Length..].Trim();

        var back = await RunAsync(rollback.Split(" "));

        Assert.True(back.Code == 0, back.ToString());
        Assert.Contains("fw-b -> fw-a (switchover)", back.Out, StringComparison.Ordinal);
        Assert.Equal("10.10.0.4", h.NextHop());
    }

    [Fact]
    public async Task Switchover_ToDownNva_RefusedExit1NothingWritten()
    {
        await using var h = await StartAsync();
        h.Emulator.SetProbe("fw-b", up: false);
        h.Emulator.PowerAction("fw-b", "deallocate");

        var result = await h.NvafoAsync("switchover", "--cluster", "fw", "--to", "fw-b", "--yes");

        Assert.Equal(1, result.Code);
        Assert.Contains("refused: fw-b is down", result.Err, StringComparison.Ordinal);
        Assert.DoesNotContain(h.Emulator.Requests, r => r.Method == "PUT");
    }

    [Fact]
    public async Task Switchover_UnknownCluster_Exit2()
    {
        await using var h = await StartAsync();

        var result = await h.NvafoAsync("switchover", "--cluster", "nope", "--to", "fw-b", "--yes");

        Assert.Equal(2, result.Code);
        Assert.Contains("the clusters are fw", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Switchover_WithoutYesAndNoOneToAsk_Exit2()
    {
        await using var h = await StartAsync();

        var result = await h.NvafoAsync("switchover", "--cluster", "fw", "--to", "fw-b");

        Assert.Equal(2, result.Code);
        Assert.Contains("--yes", result.Err, StringComparison.Ordinal);
        Assert.Equal("10.10.0.4", h.NextHop());
    }

    [Theory]
    [InlineData("n", "10.10.0.4")]
    [InlineData("y", "10.10.0.5")]
    public async Task Switchover_Interactive_AsksFirst(string answer, string nextHop)
    {
        await using var h = await StartAsync();

        var result = await RunAsync(["switchover", "--cluster", "fw", "--to", "fw-b", "--settings", h.SettingsPath], input: answer + "\n", redirected: false);

        Assert.True(result.Code == 0, result.ToString());
        Assert.Contains("Switch fw over to fw-b? [y/N]", result.Out, StringComparison.Ordinal);
        Assert.Equal(nextHop, h.NextHop());
    }
}
