using System.Text.Json.Nodes;
using NvaFailover.Emulator;
using static NvaFailover.Cli.Tests.CliHarness;

namespace NvaFailover.Cli.Tests;

public sealed class CommandTests
{
    [Theory]
    [InlineData("run")]
    [InlineData("once")]
    [InlineData("plan")]
    [InlineData("switchover")]
    [InlineData("check")]
    [InlineData("simulate")]
    [InlineData("export")]
    public async Task Help_EveryCommand_HasAnExample(string command)
    {
        var result = await RunAsync([command, "--help"]);

        Assert.Equal(0, result.Code);
        Assert.Contains("Example", result.Out, StringComparison.Ordinal);
        Assert.Contains("nvafo " + command, result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_Root_ListsTheCommands()
    {
        var result = await RunAsync(["--help"]);

        Assert.Equal(0, result.Code);
        foreach (var command in new[] { "run", "once", "plan", "switchover", "check", "simulate", "export" })
        {
            Assert.Contains(command, result.Out, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("switchover", "--cluster", "fw")]
    [InlineData("export")]
    [InlineData("plan", "--no-such-option")]
    public async Task BadArguments_Exit2WithAHint(params string[] args)
    {
        var result = await RunAsync(args);

        Assert.Equal(2, result.Code);
        Assert.Contains("--help", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Settings_FileMissing_Exit2NamingIt()
    {
        var result = await RunAsync(["once", "--settings", "/no/such/settings.json"]);

        Assert.Equal(2, result.Code);
        Assert.Contains("/no/such/settings.json does not exist", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Settings_InvalidJson_Exit2NamingTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"nvafo-bad-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, "{ \"NvaFailover\": { \"Clusters\": [ ");
        try
        {
            var result = await RunAsync(["plan", "--settings", path]);

            Assert.Equal(2, result.Code);
            Assert.Contains(path, result.Err, StringComparison.Ordinal);
            Assert.Contains("cannot be read", result.Err, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Settings_InvalidValues_Exit2ListingEveryProblemAndNothingSentToAzure()
    {
        await using var h = await StartAsync(edit: s =>
        {
            s["Clusters"]![0]!["Probe"]!["Attempts"] = 0;
            s["Clusters"]![0]!["RouteTables"]!["TagValue"] = "";
        });

        var result = await h.NvafoAsync("once");

        Assert.Equal(2, result.Code);
        Assert.Contains("NvaFailover:Clusters:0:Probe:Attempts = '0'", result.Err, StringComparison.Ordinal);
        Assert.Contains("NvaFailover:Clusters:0:RouteTables:TagValue is missing", result.Err, StringComparison.Ordinal);
        Assert.Empty(h.Emulator.Requests);
    }

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

    [Fact]
    public async Task Switchover_Yes_MovesToTheNamedNva()
    {
        await using var h = await StartAsync();

        var result = await h.NvafoAsync("switchover", "--cluster", "fw", "--to", "fw-b", "--yes");

        Assert.True(result.Code == 0, result.ToString());
        Assert.Contains("fw-a -> fw-b (switchover)", result.Out, StringComparison.Ordinal);
        Assert.Equal("10.10.0.5", h.NextHop());
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

    [Fact]
    public async Task Check_HealthyDeployment_Exit0WithFindingsPerLine()
    {
        await using var h = await StartAsync();

        var result = await h.NvafoAsync("check");

        Assert.True(result.Code == 0, result.ToString());
        Assert.Contains("placeholder token for the local endpoint", result.Out, StringComparison.Ordinal);
        Assert.Contains("WARN  /subscriptions/aaaaaaaa-1111-1111-1111-000000000002/resourceGroups/rg-spoke2/providers/Microsoft.Network/routeTables/rt-spoke2: tag nva_ha_udr='FW'", result.Out, StringComparison.Ordinal);
        Assert.Contains("check passed", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(h.Emulator.Requests, r => r.Method != "GET");
    }

    [Fact]
    public async Task Check_MissingPermission_Exit1NamingScopeAndAction()
    {
        var granted = Azure.RequiredActions.All.Where(a => a != "Microsoft.Network/publicIPAddresses/join/action").ToList();
        await using var h = await StartAsync(new EmulatorOptions { GrantedActions = granted });

        var result = await h.NvafoAsync("check");

        Assert.Equal(1, result.Code);
        Assert.Contains($"ERROR /subscriptions/{Sub}/resourceGroups/rg-fw: the identity lacks Microsoft.Network/publicIPAddresses/join/action", result.Out, StringComparison.Ordinal);
        Assert.Contains("check failed", result.Out, StringComparison.Ordinal);
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

    [Fact]
    public async Task Check_VmMissing_Exit1()
    {
        await using var h = await StartAsync(edit: s => s["Clusters"]![0]!["Nvas"]![1]!["VirtualMachineId"] = Vm("fw-gone"));

        var result = await h.NvafoAsync("check");

        Assert.Equal(1, result.Code);
        Assert.Contains($"ERROR {Vm("fw-gone")}: NVA VM not found", result.Out, StringComparison.Ordinal);
    }

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
