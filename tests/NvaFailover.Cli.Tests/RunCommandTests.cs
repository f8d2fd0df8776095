using System.Text.Json.Nodes;
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
            while (!h.Emulator.Requests.Any(r => r.Operation == "LIST virtualMachines"))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), patience.Token);
            }
        }

        await stop.CancelAsync();
        var result = await run;

        Assert.True(result.Code == 0, result.ToString());
        Assert.Contains("nvafo run: 1 cluster,", result.Out, StringComparison.Ordinal);
        Assert.Contains("stopped", result.Out, StringComparison.Ordinal);
        Assert.Contains(h.Emulator.Requests, r => r.Operation == "LIST virtualMachines");
    }

    [Fact]
    public async Task Run_WithAConnectionString_SendsEventsMetricsAndSpansToApplicationInsights()
    {
        await using var h = await StartAsync();
        await using var ingestion = await IngestionStandIn.StartAsync();
        var settings = JsonNode.Parse(await File.ReadAllTextAsync(h.SettingsPath))!.AsObject();
        settings["APPLICATIONINSIGHTS_CONNECTION_STRING"] = ingestion.ConnectionString;
        await File.WriteAllTextAsync(h.SettingsPath, settings.ToJsonString());
        h.Emulator.PowerAction("fw-a", "powerOff");
        using var stop = new CancellationTokenSource();

        var run = RunAsync(["run", "--settings", h.SettingsPath], cancellationToken: stop.Token);
        using (var patience = new CancellationTokenSource(TimeSpan.FromSeconds(90)))
        {
            while (h.NextHop() != "10.10.0.5" || !h.Emulator.Requests.Any(r => r.Operation == "PUT networkInterfaces" && r.Status == 200 && r.At > h.Emulator.Requests.First(q => q.Operation == "PUT networkInterfaces").At))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), patience.Token);
            }
        }

        await stop.CancelAsync();
        var result = await run;

        // Stopping flushes the exporters: what the alerts and the workbook query has arrived.
        Assert.True(result.Code == 0, result.ToString());
        Assert.Contains("logs, metrics and traces to Application Insights", result.Out, StringComparison.Ordinal);
        var failover = Assert.Single(ingestion.Traces, t => Dimension(t, "EventName") == "FailoverCompleted");
        Assert.Equal(("fw", "fw-a", "fw-b", "ActiveDown"), (Dimension(failover, "Cluster"), Dimension(failover, "FromNva"), Dimension(failover, "ToNva"), Dimension(failover, "Reason")));
        Assert.True(double.TryParse(Dimension(failover, "ConvergenceSeconds"), System.Globalization.CultureInfo.InvariantCulture, out _));
        Assert.Contains(ingestion.Traces, t => Dimension(t, "EventName") == "RoundCompleted");
        Assert.Contains(ingestion.Metrics, m => m["metrics"]!.AsArray().Any(x => x!["name"]!.GetValue<string>() == "nvafailover.failover.duration"));
        Assert.Contains(ingestion.Spans, s => s["name"]!.GetValue<string>() == "NvaFailover.Round");
        Assert.NotEmpty(ingestion.Authorizations);
    }

    private static string? Dimension(JsonObject item, string name) => item["properties"]?[name]?.ToString();
}
