using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using NvaFailover.Decisions;
using NvaFailover.Emulator;
using NvaFailover.Emulator.Scenarios;
using NvaFailover.Monitoring;
using static NvaFailover.Azure.Tests.AdapterHarness;

namespace NvaFailover.Azure.Tests;

/// <summary>What every host runs: AddNvaFailover in a generic host (as the Functions worker builds it) and the timer's one call.</summary>
public sealed class CompositionRootTests
{
    private static async Task<(IHost Host, ArmEmulator Emulator)> StartHostAsync(Action<Dictionary<string, string?>> edit)
    {
        var emulator = await ArmEmulator.StartAsync(new EmulatorOptions { Speed = 50 });
        emulator.Load(Scenario.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "topology.json")).Topology);
        var settings = new Dictionary<string, string?>
        {
            ["NvaFailover:ArmEndpoint"] = emulator.Endpoint.ToString(),
            ["NvaFailover:ArmCertificateThumbprint"] = emulator.Certificate.GetCertHashString(),
            ["NvaFailover:Clusters:0:Name"] = "fw",
            ["NvaFailover:Clusters:0:Nvas:0:VirtualMachineId"] = Vm("fw-a"),
            ["NvaFailover:Clusters:0:Nvas:1:VirtualMachineId"] = Vm("fw-b"),
            ["NvaFailover:Clusters:0:RouteTables:TagValue"] = "fw",
            ["NvaFailover:Clusters:0:Probe:Attempts"] = "1",
            ["NvaFailover:Clusters:0:Probe:Interval"] = "00:00:00",
        };
        edit(settings);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddNvaFailover(builder.Configuration);
        return (builder.Build(), emulator);
    }

    [Fact]
    public async Task HostStart_InvalidSettings_StopsWithTheSettingsMessageBeforeAnyAzureCall()
    {
        var (host, emulator) = await StartHostAsync(s => s["NvaFailover:Clusters:0:Nvas:1:VirtualMachineId"] = "fw-b");
        await using var _ = emulator;
        using (host)
        {
            var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

            Assert.Contains("NvaFailover:Clusters:0:Nvas:1:VirtualMachineId = 'fw-b'", ex.Message, StringComparison.Ordinal);
            Assert.Empty(emulator.Requests);
        }
    }

    [Fact]
    public async Task TimerInvocation_ThroughTheCompositionRoot_RunsARoundPerClusterAgainstArm()
    {
        var (host, emulator) = await StartHostAsync(_ => { });
        await using var _ = emulator;
        using (host)
        {
            await host.StartAsync();
            emulator.PowerAction("fw-a", "powerOff");

            var reports = await host.Services.GetRequiredService<FailoverMonitor>().RunInvocationAsync();

            var report = Assert.Single(reports);
            Assert.Equal((RoundAction.Failover, "fw-b"), (report.Action, report.Active));
            await host.StopAsync();
        }
    }
}
