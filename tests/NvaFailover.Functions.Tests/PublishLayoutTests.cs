using System.Diagnostics;
using System.Text.RegularExpressions;

namespace NvaFailover.Functions.Tests;

/// <summary>
/// 'func azure functionapp publish' (Azure Functions Core Tools) takes as the app's root the first folder holding a
/// host.json, walking up from where it runs; it builds the .csproj it finds in that folder (reading its
/// TargetFramework with 'dotnet build -getproperty:TargetFramework' for the app's .NET version) and zips the build
/// output; it needs the worker runtime from --dotnet-isolated, FUNCTIONS_WORKER_RUNTIME or local.settings.json.
/// These tests hold the repository to that rule for the command the README documents.
/// </summary>
public sealed partial class PublishLayoutTests
{
    private static string ProjectFolder => Repository.File("src", "NvaFailover.Functions");

    [Fact]
    public void HostJson_InTheProjectFolder_IsTheTopLevelOne()
    {
        Assert.Equal(File.ReadAllText(Repository.File("host.json")), File.ReadAllText(Path.Combine(ProjectFolder, "host.json")));
    }

    [Fact]
    public void AppRoot_FoundFromTheProjectFolder_IsTheProjectFolder_WithExactlyOneProject()
    {
        var root = new DirectoryInfo(ProjectFolder);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "host.json")))
        {
            root = root.Parent;
        }

        Assert.Equal(ProjectFolder, root?.FullName);
        Assert.Equal("NvaFailover.Functions.csproj", Path.GetFileName(Assert.Single(Directory.GetFiles(root!.FullName, "*.csproj"))));
    }

    [Fact]
    public async Task Project_TargetFramework_AsCoreToolsReadsIt_IsNet10()
    {
        var start = new ProcessStartInfo("dotnet", ["msbuild", "NvaFailover.Functions.csproj", "-getProperty:TargetFramework"])
        {
            WorkingDirectory = ProjectFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.Equal("net10.0", output.Trim());
    }

    [Fact]
    public void BuildOutput_HoldsHostJsonAndTheFunctionMetadata()
    {
        Assert.Equal(File.ReadAllText(Repository.File("host.json")), File.ReadAllText(Path.Combine(FunctionsHostFake.AppDirectory, "host.json")));
        Assert.True(File.Exists(Path.Combine(FunctionsHostFake.AppDirectory, "functions.metadata")));
        Assert.True(File.Exists(Path.Combine(FunctionsHostFake.AppDirectory, "worker.config.json")));
    }

    [Fact]
    public void Readme_PublishCommand_RunsFromTheProjectFolder_WithTheWorkerRuntime()
    {
        var readme = File.ReadAllText(Repository.File("docs", "deploy.md"));

        var publish = PublishCommand().Match(readme);
        Assert.True(publish.Success, "The README shows no 'func azure functionapp publish' command.");
        Assert.Equal("src/NvaFailover.Functions", publish.Groups["folder"].Value);
        Assert.Contains("--dotnet-isolated", publish.Value, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeploymentZip_WithoutCoreTools_HasHostJsonAndTheWorkerAtItsRoot()
    {
        // The README's CI path: dotnet publish with DeploymentZip, then 'az functionapp deployment source config-zip'.
        var work = Directory.CreateTempSubdirectory("nvafo-zip-").FullName;
        var zip = Path.Combine(work, "app.zip");
        try
        {
            var start = new ProcessStartInfo("dotnet", ["publish", ProjectFolder, "-c", "Release", "-o", Path.Combine(work, "publish"), $"-p:DeploymentZip={zip}"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, await output + await errors);

            using var archive = System.IO.Compression.ZipFile.OpenRead(zip);
            var entries = archive.Entries.Select(e => e.FullName.Replace('\\', '/')).ToHashSet(StringComparer.Ordinal);
            foreach (var file in new[] { "host.json", "functions.metadata", "worker.config.json", "NvaFailover.Functions.dll" })
            {
                Assert.Contains(file, entries);
            }

            Assert.DoesNotContain(entries, e => e.EndsWith("local.settings.json", StringComparison.Ordinal));
            Assert.Contains("dotnet publish src/NvaFailover.Functions -c Release -p:DeploymentZip=", File.ReadAllText(Repository.File("docs", "deploy.md")), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [GeneratedRegex(@"cd (?<folder>\S+) && func azure functionapp publish [^\n]*")]
    private static partial Regex PublishCommand();
}
