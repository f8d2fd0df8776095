using static NvaFailover.Cli.Tests.CliHarness;

namespace NvaFailover.Cli.Tests;

/// <summary><c>nvafo run</c>.</summary>
public sealed class RunCommandTests
{
    [Fact]
    public async Task Run_UntilCancelled_ProbesOnScheduleAndStopsCleanly()
    {
        await using var h = await StartAsync();
        using var stop = new CancellationTokenSource();

        var run = RunAsync(["run", "--settings", h.SettingsPath], cancellationToken: stop.Token);
        using (var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while (!h.Emulator.Requests.Any(r => r.Operation == "GET instanceView"))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), patience.Token);
            }
        }

        await stop.CancelAsync();
        var result = await run;

        Assert.True(result.Code == 0, result.ToString());
        Assert.Contains("nvafo run: 1 cluster,", result.Out, StringComparison.Ordinal);
        Assert.Contains("stopped", result.Out, StringComparison.Ordinal);
        Assert.Contains(h.Emulator.Requests, r => r.Operation == "GET instanceView");
    }
}
