using System.Globalization;
using System.Runtime.InteropServices;
using NvaFailover.Emulator;
using NvaFailover.Emulator.Scenarios;

// Standalone: nvafo-emulator --scenario FILE [--speed N]. Prints the ARM endpoint and serves until Ctrl+C or SIGTERM.
string? scenarioPath = null;
var speed = 1.0;
var port = 0;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--scenario" when i + 1 < args.Length:
            scenarioPath = args[++i];
            break;
        case "--speed" when i + 1 < args.Length && double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0:
            speed = s;
            i++;
            break;
        case "--port" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and < 65536:
            port = p;
            i++;
            break;
        case "--help" or "-h":
            Console.WriteLine("Usage: dotnet run --project src/NvaFailover.Emulator -- --scenario FILE [--speed N] [--port P]");
            Console.WriteLine("Serves a local Azure Resource Manager for the scenario's topology on https://127.0.0.1:<port>/ until Ctrl+C.");
            return 0;
        default:
            Console.Error.WriteLine($"Unknown or incomplete argument '{args[i]}'. Usage: --scenario FILE [--speed N] [--port P] (N > 0, P a free port from 1 to 65535).");
            return 2;
    }
}

if (scenarioPath is null)
{
    Console.Error.WriteLine("--scenario FILE is required: a scenario file as described in the simulation contract (see README).");
    return 2;
}

Scenario scenario;
try
{
    scenario = Scenario.Load(scenarioPath);
}
catch (ScenarioException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

ArmEmulator emulator;
try
{
    emulator = await ArmEmulator.StartAsync(new EmulatorOptions { Speed = speed, Arm = scenario.Arm, Port = port });
}
catch (IOException ex)
{
    Console.Error.WriteLine($"Cannot serve on port {port}: {ex.Message} Choose another --port, or leave it out for a free one.");
    return 1;
}

await using var lifetime = emulator;
emulator.Load(scenario);
Console.WriteLine($"ARM endpoint: {emulator.Endpoint}");
Console.WriteLine($"Certificate thumbprint (trust it for this endpoint only): {emulator.Certificate.GetCertHashString()}");
foreach (var vm in scenario.Topology["virtualMachines"]!.AsArray())
{
    var name = vm!["id"]!.GetValue<string>().Split('/')[^1];
    Console.WriteLine($"Probe endpoint of {name}: {emulator.ProbeEndpoint(name)} (HTTP: http://{emulator.ProbeEndpoint(name)}/health)");
}

Console.WriteLine($"Control: {emulator.Endpoint}_emulator/state, /_emulator/requests, /_emulator/probes. Ctrl+C to stop.");
Console.Out.Flush();
using var stop = new CancellationTokenSource();
void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}

using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
try
{
    await Task.Delay(Timeout.InfiniteTimeSpan, TimeProvider.System, stop.Token);
}
catch (OperationCanceledException)
{
    Console.WriteLine("Emulator stopped.");
}

return 0;
