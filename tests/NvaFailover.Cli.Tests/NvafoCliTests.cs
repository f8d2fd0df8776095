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
}
