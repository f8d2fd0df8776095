using System.Text.Json.Nodes;
using static NvaFailover.Cli.Tests.CliHarness;

namespace NvaFailover.Cli.Tests;

/// <summary><c>nvafo plan</c>.</summary>
public sealed class PlanCommandTests
{
    [Fact]
    public async Task Plan_PrimaryDown_ShowsTheChangesAndWritesNothing()
    {
        await using var h = await StartAsync();
        h.Emulator.PowerAction("fw-a", "powerOff");

        var table = await h.NvafoAsync("plan");
        var json = await h.NvafoAsync("plan", "--json");

        Assert.True(table.Code == 0, table.ToString());
        Assert.Contains("10.10.0.4 -> 10.10.0.5", table.Out, StringComparison.Ordinal);
        Assert.Contains("public IP pip-fw", table.Out, StringComparison.Ordinal);
        var plan = JsonNode.Parse(json.Out)!.AsArray().Single()!;
        Assert.Equal(("fw-a", "fw-b", "failover"), (plan["active"]!.GetValue<string>(), plan["target"]!.GetValue<string>(), plan["action"]!.GetValue<string>()));
        Assert.Equal("10.10.0.5", plan["routes"]![0]!["to"]!.GetValue<string>());
        Assert.Single(plan["publicIps"]!.AsArray());
        Assert.DoesNotContain(h.Emulator.Requests, r => r.Method != "GET");
        Assert.Equal("10.10.0.4", h.NextHop());
    }
}
