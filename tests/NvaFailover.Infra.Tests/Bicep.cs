using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;

namespace NvaFailover.Infra.Tests;

/// <summary>The Bicep CLI that NuGet brought (eng/bicep/Bicep.props), run on a copy of infra/.</summary>
internal static class Bicep
{
    public const string Subscription = "00000000-0000-0000-0000-000000000001";
    public const string ResourceGroup = "rg-nvafailover";

    public static string CliPath { get; } = typeof(Bicep).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BicepCliPath").Value!;

    /// <summary>A fresh copy of infra/ (the CLI writes its outputs beside its inputs).</summary>
    public static string CopyInfra()
    {
        var target = Path.Combine(Path.GetTempPath(), "nvafo-infra-tests", Guid.NewGuid().ToString("N"));
        foreach (var file in Directory.EnumerateFiles(Infra.Dir, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(target, Path.GetRelativePath(Infra.Dir, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }

        return target;
    }

    public static async Task<(int Code, string Output)> RunAsync(string workingDirectory, params string[] args)
    {
        Assert.True(File.Exists(CliPath), $"The Bicep CLI is not at {CliPath}; restore tests/NvaFailover.Infra.Tests (it downloads the CLI through NuGet).");
        var start = new ProcessStartInfo(CliPath, args) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, (await output) + (await error));
    }

    /// <summary>
    /// Evaluates a parameters file offline ('bicep snapshot'): the resources a deployment to <see cref="ResourceGroup"/>
    /// would create, with every value the template can compute before deployment.
    /// </summary>
    public static async Task<(int Code, string Output, JsonArray Resources)> SnapshotAsync(string infraCopy, string parametersFile = "main.bicepparam")
    {
        var (code, output) = await RunAsync(infraCopy, "snapshot", parametersFile, "--mode", "overwrite",
            "--subscription-id", Subscription, "--resource-group", ResourceGroup, "--location", "westeurope");
        var snapshot = Path.Combine(infraCopy, Path.ChangeExtension(parametersFile, ".snapshot.json"));
        var resources = code == 0 ? JsonNode.Parse(await File.ReadAllTextAsync(snapshot))!["predictedResources"]!.AsArray() : [];
        return (code, output, resources);
    }
}

/// <summary>infra/ compiled (main.bicep to ARM JSON) and the sample parameters evaluated, once for all tests.</summary>
public sealed class CompiledInfra : IAsyncLifetime
{
    public JsonObject Template { get; private set; } = null!;
    public JsonArray Resources { get; private set; } = null!;
    public JsonObject SampleParameters { get; private set; } = null!;

    public IEnumerable<JsonObject> OfType(string type) =>
        Resources.OfType<JsonObject>().Where(r => string.Equals(r["type"]?.GetValue<string>(), type, StringComparison.OrdinalIgnoreCase));

    public async Task InitializeAsync()
    {
        var copy = Bicep.CopyInfra();
        var build = await Bicep.RunAsync(copy, "build", "main.bicep", "--stdout");
        Assert.True(build.Code == 0, build.Output);
        Template = (JsonObject)JsonNode.Parse(build.Output)!;
        var parameters = await Bicep.RunAsync(copy, "build-params", "main.bicepparam", "--stdout");
        Assert.True(parameters.Code == 0, parameters.Output);
        SampleParameters = (JsonObject)JsonNode.Parse(JsonNode.Parse(parameters.Output)!["parametersJson"]!.GetValue<string>())!["parameters"]!;
        var (code, output, resources) = await Bicep.SnapshotAsync(copy);
        Assert.True(code == 0, output);
        Resources = resources;
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
