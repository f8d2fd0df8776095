using System.Text.Json.Nodes;
using NvaFailover.Cli.Hosting;
using NvaFailover.Emulator;
using NvaFailover.Emulator.Scenarios;

namespace NvaFailover.Cli.Tests;

/// <summary>An emulator loaded with the fixture, a settings file pointing at it, and nvafo run in-process.</summary>
public sealed class CliHarness : IAsyncDisposable
{
    public const string Sub = "aaaaaaaa-1111-1111-1111-000000000001";

    private CliHarness(ArmEmulator emulator, string directory)
    {
        Emulator = emulator;
        Directory = directory;
    }

    public ArmEmulator Emulator { get; }
    public string Directory { get; }
    public string SettingsPath => Path.Combine(Directory, "settings.json");

    public static string Vm(string name, string group = "rg-fw") => $"/subscriptions/{Sub}/resourceGroups/{group}/providers/Microsoft.Compute/virtualMachines/{name}";

    public static string Pip(string name) => $"/subscriptions/{Sub}/resourceGroups/rg-fw/providers/Microsoft.Network/publicIPAddresses/{name}";

    public static async Task<CliHarness> StartAsync(EmulatorOptions? options = null, Action<JsonObject>? edit = null)
    {
        var emulator = await ArmEmulator.StartAsync((options ?? new EmulatorOptions()) with { Speed = 50 });
        emulator.Load(Scenario.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "topology.json")).Topology);
        var directory = Path.Combine(Path.GetTempPath(), "nvafo-cli-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var harness = new CliHarness(emulator, directory);
        var section = new JsonObject
        {
            ["ArmEndpoint"] = emulator.Endpoint.ToString(),
            ["ArmCertificateThumbprint"] = emulator.Certificate.GetCertHashString(),
            ["ArmPollInterval"] = "00:00:00.050",
            ["Clusters"] = new JsonArray(new JsonObject
            {
                ["Name"] = "fw",
                ["Nvas"] = new JsonArray(new JsonObject { ["VirtualMachineId"] = Vm("fw-a") }, new JsonObject { ["VirtualMachineId"] = Vm("fw-b") }),
                ["Probe"] = new JsonObject { ["Attempts"] = 1 },
                ["RouteTables"] = new JsonObject { ["TagValue"] = "fw" },
                ["PublicIpAddressIds"] = new JsonArray(Pip("pip-fw")),
            }),
        };
        edit?.Invoke(section);
        await File.WriteAllTextAsync(harness.SettingsPath, new JsonObject { ["NvaFailover"] = section }.ToJsonString());
        return harness;
    }

    public static async Task<Result> RunAsync(string[] args, string input = "", bool redirected = true, CancellationToken cancellationToken = default)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await NvafoCli.RunAsync(args, new CliConsole(output, error, new StringReader(input), redirected), cancellationToken);
        return new Result(code, output.ToString(), error.ToString());
    }

    /// <summary>Runs nvafo with --settings pointing at this harness's file.</summary>
    public Task<Result> NvafoAsync(params string[] args) => RunAsync([.. args, "--settings", SettingsPath]);

    public string NextHop(string table = "rt-spoke1", string route = "default") =>
        Emulator.Dump()["routeTables"]!.AsArray().Single(t => t!["id"]!.GetValue<string>().EndsWith(table, StringComparison.Ordinal))!["routes"]!.AsArray()
            .Single(r => r!["name"]!.GetValue<string>() == route)!["nextHopIpAddress"]!.GetValue<string>();

    public async ValueTask DisposeAsync()
    {
        await Emulator.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    public sealed record Result(int Code, string Out, string Err)
    {
        public override string ToString() => $"exit {Code}\n--- out\n{Out}\n--- err\n{Err}";
    }
}
