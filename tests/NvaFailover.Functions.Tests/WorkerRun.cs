using System.Text.Json.Nodes;
using NvaFailover.Emulator;
using NvaFailover.Emulator.Faults;
using NvaFailover.Emulator.Scenarios;
using NvaFailover.Functions.Tests.Rpc;

namespace NvaFailover.Functions.Tests;

/// <summary>
/// One run of the built worker as the Functions host drives it: start, init, index, load the timer function, and
/// invoke it once with the primary NVA powered off, against the in-process ARM emulator, with Application Insights
/// pointed at a local stand-in. The tests assert on what each step showed.
/// </summary>
public sealed class WorkerRun : IAsyncLifetime
{
    public const string Sub = "aaaaaaaa-1111-1111-1111-000000000001";

    public ArmEmulator Emulator { get; private set; } = null!;
    public IngestionStandIn Ingestion { get; private set; } = null!;
    public FunctionsHostFake Host { get; private set; } = null!;
    public WorkerInitResponse Init { get; private set; } = null!;
    public FunctionMetadataResponse Metadata { get; private set; } = null!;
    public FunctionLoadResponse Load { get; private set; } = null!;
    public InvocationResponse Invocation { get; private set; } = null!;
    public IReadOnlyList<RequestRecord> RequestsBeforeInvocation { get; private set; } = [];

    public static string Vm(string name) => $"/subscriptions/{Sub}/resourceGroups/rg-fw/providers/Microsoft.Compute/virtualMachines/{name}";

    /// <summary>App settings pointing NvaFailover at <paramref name="emulator"/>, as infra/ would set them in Azure.</summary>
    public static Dictionary<string, string?> AppSettings(ArmEmulator emulator) => new()
    {
        ["NvaFailoverSchedule"] = "0 0 0 1 1 *",
        ["NvaFailover__ArmEndpoint"] = emulator.Endpoint.ToString(),
        ["NvaFailover__ArmCertificateThumbprint"] = emulator.Certificate.GetCertHashString(),
        ["NvaFailover__ArmPollInterval"] = "00:00:00.050",
        ["NvaFailover__Clusters__0__Name"] = "fw",
        ["NvaFailover__Clusters__0__Nvas__0__VirtualMachineId"] = Vm("fw-a"),
        ["NvaFailover__Clusters__0__Nvas__1__VirtualMachineId"] = Vm("fw-b"),
        ["NvaFailover__Clusters__0__Probe__Attempts"] = "1",

        // One round per invocation: with the default interval an invocation probes until the next tick, a year away here
        // (continuous probing is tested in the core, on a test clock).
        ["NvaFailover__Clusters__0__Probe__Interval"] = "00:00:00",
        ["NvaFailover__Clusters__0__RouteTables__TagValue"] = "fw",
        ["NvaFailover__Clusters__0__PublicIpAddressIds__0"] = $"/subscriptions/{Sub}/resourceGroups/rg-fw/providers/Microsoft.Network/publicIPAddresses/pip-fw",
    };

    public static async Task<ArmEmulator> StartEmulatorAsync()
    {
        var emulator = await ArmEmulator.StartAsync(new EmulatorOptions { Speed = 50 });
        emulator.Load(Scenario.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "topology.json")).Topology);
        return emulator;
    }

    public async Task InitializeAsync()
    {
        Emulator = await StartEmulatorAsync();
        Ingestion = await IngestionStandIn.StartAsync();
        var settings = AppSettings(Emulator);
        settings["APPLICATIONINSIGHTS_CONNECTION_STRING"] = Ingestion.ConnectionString;
        settings["APPINSIGHTS_DEVELOPER_MODE"] = "true";
        Host = await FunctionsHostFake.StartAsync(settings);

        (Init, Metadata) = await Host.InitializeAsync();
        Load = await Host.LoadAsync(Metadata.FunctionMetadataResults.Single());
        RequestsBeforeInvocation = [.. Emulator.Requests];
        Emulator.PowerAction("fw-a", "powerOff");
        Invocation = await Host.InvokeTimerAsync(Metadata.FunctionMetadataResults.Single().FunctionId, Binding(Metadata.FunctionMetadataResults.Single())["name"]!.GetValue<string>());
    }

    public static JsonObject Binding(RpcFunctionMetadata function) => (JsonObject)JsonNode.Parse(function.RawBindings.Single())!;

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Ingestion.DisposeAsync();
        await Emulator.DisposeAsync();
    }
}
