using static NvaFailover.Cli.Tests.CliHarness;

namespace NvaFailover.Cli.Tests;

/// <summary>The command line as a whole: help, parsing, settings files, errors.</summary>
public sealed class NvafoCliTests
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
    public async Task Help_Simulate_ListsNoAzureOptions_WhichTheOtherCommandsTake()
    {
        var simulate = await RunAsync(["simulate", "--help"]);
        var check = await RunAsync(["check", "--help"]);

        Assert.DoesNotContain("--endpoint", simulate.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("--settings", simulate.Out, StringComparison.Ordinal);
        Assert.Contains("--endpoint", check.Out, StringComparison.Ordinal);
        Assert.Contains("--settings", check.Out, StringComparison.Ordinal);
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

    [Theory]
    [InlineData("check", "--endpoint", "not-a-url")]
    [InlineData("once", "--endpoint", "http://127.0.0.1:5443/")]
    [InlineData("plan", "--endpoint", "https://127.0.0.1:5443/", "--endpoint-thumbprint", "xyz")]
    [InlineData("simulate", "--speed", "-1")]
    [InlineData("simulate", "--speed", "fast")]
    [InlineData("simulate", "--scenario", "/etc/hostname")]
    [InlineData("run", "--settings", "/no/such/settings.json")]
    [InlineData("export", "--cluster")]
    [InlineData("switchover", "--cluster", "fw", "--to")]
    public async Task MalformedInput_Exit2WithOneClearLineAndNoStackTrace(params string[] args)
    {
        var result = await RunAsync(args);

        Assert.True(result.Code == 2, result.ToString());
        Assert.DoesNotContain("   at ", result.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("switchover", "--cluster", "nope", "--to", "fw-b", "--yes")]
    [InlineData("switchover", "--cluster", "fw", "--to", "nope", "--yes")]
    [InlineData("export", "--cluster", "nope")]
    public async Task UnknownClusterOrNva_Exit2NamingWhatExistsAndNothingWritten(params string[] args)
    {
        await using var h = await StartAsync();

        var result = await h.NvafoAsync(args);

        Assert.True(result.Code == 2, result.ToString());
        Assert.Contains("nope", result.Err, StringComparison.Ordinal);
        Assert.Matches("the clusters are fw|its NVAs are fw-a, fw-b", result.Err);
        Assert.DoesNotContain("   at ", result.Err, StringComparison.Ordinal);
        Assert.DoesNotContain(h.Emulator.Requests, r => r.Method != "GET");
    }

    [Fact]
    public async Task UnexpectedFailure_OneLineAndExit1_VerboseAddsTheDetail()
    {
        // A settings file that is a directory cannot be read as JSON: not a settings problem the reader knows.
        var folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"nvafo-{Guid.NewGuid():N}.json")).FullName;
        try
        {
            var quiet = await RunAsync(["check", "--settings", folder]);

            Assert.NotEqual(0, quiet.Code);
            Assert.DoesNotContain("   at ", quiet.Err, StringComparison.Ordinal);
            Assert.Contains(folder, quiet.Err, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder);
        }
    }
}
