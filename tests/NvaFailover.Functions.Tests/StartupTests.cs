namespace NvaFailover.Functions.Tests;

public sealed class StartupTests
{
    [Fact]
    public async Task Worker_InvalidSettings_StopsAtStartupWithTheSettingsMessage_AndCallsNoAzure()
    {
        await using var emulator = await WorkerRun.StartEmulatorAsync();
        var settings = WorkerRun.AppSettings(emulator);
        settings["NvaFailover__Clusters__0__Probe__Attempts"] = "0";
        settings["NvaFailover__Clusters__0__RouteTables__TagValue"] = null;
        await using var host = await FunctionsHostFake.StartAsync(settings);

        var exitCode = await host.WaitForExitAsync();

        Assert.NotEqual(0, exitCode);
        Assert.Contains("NvaFailover settings are invalid (2 problems)", host.Output, StringComparison.Ordinal);
        Assert.Contains("NvaFailover:Clusters:0:Probe:Attempts = '0'", host.Output, StringComparison.Ordinal);
        Assert.Empty(emulator.Requests);
        Assert.DoesNotContain(host.Seen, m => m.WorkerInitResponse is not null);
    }
}
