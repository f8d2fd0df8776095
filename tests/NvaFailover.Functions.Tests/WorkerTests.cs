using System.Text.Json.Nodes;
using NvaFailover.Functions.Tests.Rpc;

namespace NvaFailover.Functions.Tests;

/// <summary>The built worker, driven over gRPC the way the Functions host drives it.</summary>
public sealed class WorkerTests(WorkerRun run) : IClassFixture<WorkerRun>
{
    [Fact]
    public void Indexing_FindsExactlyTheTimerFunction_OnTheFlatScheduleSetting_NotRunOnStartup()
    {
        Assert.Equal(StatusResult.Types.Status.Success, run.Init.Result.Status);
        Assert.Equal(StatusResult.Types.Status.Success, run.Metadata.Result.Status);
        Assert.False(run.Metadata.UseDefaultMetadataIndexing);

        var function = Assert.Single(run.Metadata.FunctionMetadataResults);
        var binding = WorkerRun.Binding(function);
        Assert.Equal("NvaFailoverTimer", function.Name);
        Assert.Equal(("timerTrigger", "In"), (binding["type"]!.GetValue<string>(), binding["direction"]!.GetValue<string>()));
        Assert.Equal("%NvaFailoverSchedule%", binding["schedule"]!.GetValue<string>());
        Assert.False(binding["runOnStartup"]!.GetValue<bool>());
        Assert.Equal(StatusResult.Types.Status.Success, run.Load.Result.Status);

        // The deploy page documents that expression and that the timer does not run on start-up.
        var readme = File.ReadAllText(Repository.File("docs", "deploy.md"));
        Assert.Contains("%NvaFailoverSchedule%", readme, StringComparison.Ordinal);
        Assert.Contains("does not run on start-up", readme, StringComparison.Ordinal);
    }

    [Fact]
    public void Invocation_PrimaryPoweredOff_ProbesThenMovesTheRoutesAndThePublicIp()
    {
        Assert.True(run.Invocation.Result.Status == StatusResult.Types.Status.Success, $"{run.Invocation.Result.Exception?.Message}\n{run.Host.Output}");
        Assert.Empty(run.RequestsBeforeInvocation);

        var requests = run.Emulator.Requests.ToList();
        Assert.Contains(requests, r => r.Operation == "LIST virtualMachines");
        Assert.Contains(requests, r => r.Operation == "PUT routeTables" && r.IfMatch);
        Assert.Equal(2, requests.Count(r => r.Operation == "PUT networkInterfaces" && r.Status is 200));

        var state = run.Emulator.Dump();
        var route = state["routeTables"]!.AsArray().Single(t => t!["id"]!.GetValue<string>().EndsWith("/rt-spoke1", StringComparison.Ordinal))!["routes"]![0]!;
        Assert.Equal("10.10.0.5", route["nextHopIpAddress"]!.GetValue<string>());
        var standby = state["networkInterfaces"]!.AsArray().Single(n => n!["id"]!.GetValue<string>().EndsWith("/fw-b-untrust", StringComparison.Ordinal))!;
        Assert.EndsWith("/pip-fw", standby["ipConfigurations"]![0]!["publicIPAddressId"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Telemetry_InformationEventsReachApplicationInsights_WithTheirDimensions_Unsampled()
    {
        await run.Ingestion.WaitForAsync(i => i.Traces.Any(t => Event(t) == "FailoverCompleted"), "the FailoverCompleted event");

        var round = run.Ingestion.Traces.First(t => Event(t) == "RoundCompleted");
        Assert.Equal("Information", round["severityLevel"]!.GetValue<string>());
        Assert.Equal("fw", round["properties"]!["Cluster"]!.GetValue<string>());
        Assert.Equal("Failover", round["properties"]!["Action"]!.GetValue<string>());

        var failover = run.Ingestion.Traces.First(t => Event(t) == "FailoverCompleted");
        Assert.Equal(("fw-a", "fw-b"), (failover["properties"]!["FromNva"]!.GetValue<string>(), failover["properties"]!["ToNva"]!.GetValue<string>()));

        // A sampling processor stamps every item it lets through with its rate; none must be in the pipeline.
        Assert.DoesNotContain(run.Ingestion.Items, i => i["sampleRate"] is not null);
    }

    [Fact]
    public async Task Telemetry_TheNvaFailoverMeterReachesApplicationInsights()
    {
        static bool Has(IngestionStandIn i, string metric) =>
            i.Metrics.Any(m => m["metrics"]!.AsArray().Any(x => x!["name"]!.GetValue<string>() == metric));

        // The Azure Monitor exporter sends metrics once a minute.
        await run.Ingestion.WaitForAsync(i => Has(i, "nvafailover.failover.duration") && Has(i, "nvafailover.arm.writes"), "the NvaFailover meter's failover duration and writes", TimeSpan.FromSeconds(90));

        var writes = run.Ingestion.Metrics.First(m => m["metrics"]![0]!["name"]!.GetValue<string>() == "nvafailover.arm.writes");
        Assert.Contains(writes["properties"]!["resource_type"]!.GetValue<string>(), new[] { "routeTables", "networkInterfaces" });
    }

    private static string? Event(JsonObject trace) => trace["properties"]?["EventName"]?.GetValue<string>();
}
