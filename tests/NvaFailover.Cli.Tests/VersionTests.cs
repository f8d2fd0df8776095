namespace NvaFailover.Cli.Tests;

/// <summary><c>nvafo --version</c>. Packing, installing and running the tool is ReadmeTests' (the README shows it).</summary>
public sealed class VersionTests
{
    [Fact]
    public async Task Version_NamesTheReleaseAndTheCommit()
    {
        var result = await CliHarness.RunAsync(["--version"]);

        Assert.Equal(0, result.Code);
        Assert.Matches(@"^nvafo \d+\.\d+\.\d+(-[\w.]+)? \(commit [0-9a-f]{7}\)$", result.Out.Trim());
    }
}
