using System.Diagnostics;
using System.Text.Json.Nodes;

namespace NvaFailover.Cli.Tests;

/// <summary><c>nvafo</c> as users install it: a .NET tool package.</summary>
public sealed class ToolPackageTests
{
    [Fact]
    public async Task Pack_InstallAsATool_ThenTheToolRuns()
    {
        var work = Path.Combine(Path.GetTempPath(), $"nvafo-tool-{Guid.NewGuid():N}");
        try
        {
            var packages = Path.Combine(work, "packages");
            var tools = Path.Combine(work, "tools");

            var pack = await DotnetAsync("pack", Repository.File("src", "NvaFailover.Cli", "NvaFailover.Cli.csproj"), "-o", packages, "--nologo");
            var install = await DotnetAsync("tool", "install", "--tool-path", tools, "--add-source", packages, "nvafo");
            var version = await RunAsync(Path.Combine(tools, "nvafo"), "--version");
            var simulate = await RunAsync(Path.Combine(tools, "nvafo"), "simulate", "--json", "-", "--speed", "100");

            Assert.True(pack.Code == 0, pack.Output);
            Assert.True(install.Code == 0, install.Output);
            Assert.Matches(@"^nvafo \d+\.\d+\.\d+(-[\w.]+)? \(commit [0-9a-f]{7}\)$", version.Output.Trim());
            Assert.True(simulate.Code == 0, simulate.Output);
            Assert.Equal("builtin-sdwan-pair", JsonNode.Parse(simulate.Output)!["scenario"]!.GetValue<string>());
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task Version_NamesTheReleaseAndTheCommit()
    {
        var result = await CliHarness.RunAsync(["--version"]);

        Assert.Equal(0, result.Code);
        Assert.Matches(@"^nvafo \d+\.\d+\.\d+(-[\w.]+)? \(commit [0-9a-f]{7}\)$", result.Out.Trim());
    }

    private static Task<(int Code, string Output)> DotnetAsync(params string[] args) => RunAsync("dotnet", args);

    private static async Task<(int Code, string Output)> RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repository.Root };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await process.WaitForExitAsync(patience.Token);
        return (process.ExitCode, (await output) + (await error));
    }
}
