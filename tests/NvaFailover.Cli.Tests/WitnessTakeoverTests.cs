using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using NvaFailover.Emulator;
using NvaFailover.Emulator.Scenarios;
using static NvaFailover.Cli.Tests.CliHarness;

namespace NvaFailover.Cli.Tests;

/// <summary>
/// Two <c>nvafo run</c> processes share a witness on Azurite: the leader is killed (SIGKILL) inside the public IP move,
/// and the standby finishes the failover, the public IP in its own slot, within one lease period and a round.
/// </summary>
public sealed class WitnessTakeoverTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task TheLeaderKilledInsideThePublicIpMove_TheStandbyFinishesIt_PublicIpInItsSlot()
    {
        await using var storage = await Azurite.StartAsync();
        await using var emulator = await ArmEmulator.StartAsync(new EmulatorOptions { Speed = 50 });
        emulator.Load(WithManagementNics(Scenario.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "topology.json")).Topology));
        var folder = Directory.CreateTempSubdirectory("nvafo-witness-").FullName;
        var settings = Path.Combine(folder, "settings.json");
        await File.WriteAllTextAsync(settings, Settings(emulator, storage.Container("witness")).ToJsonString());

        await using var a = Watcher.Start(settings);
        await WaitAsync(() => a.Output.Contains("this watcher leads", StringComparison.Ordinal), TimeSpan.FromSeconds(60), a);
        await using var b = Watcher.Start(settings);
        await WaitAsync(() => b.Output.Contains("another watcher holds the cluster's lease", StringComparison.Ordinal), TimeSpan.FromSeconds(60), b);

        emulator.PowerAction("fw-a", "powerOff");
        await WaitAsync(() => emulator.Requests.Any(r => r.Operation == "PUT networkInterfaces"), TimeSpan.FromSeconds(60), a);
        a.Kill();
        var killed = DateTimeOffset.UtcNow;

        await WaitAsync(() => PublicIpHolder(emulator) == Nic("fw-b-untrust") && NextHop(emulator) == "10.10.0.5", Lease + TimeSpan.FromSeconds(45), b);
        var takeover = DateTimeOffset.UtcNow - killed;

        Assert.Contains("this watcher leads", b.Output, StringComparison.Ordinal);
        Assert.Contains("open failover fw-a -> fw-b", b.Output, StringComparison.Ordinal);
        Assert.NotEqual(Nic("fw-b-mgmt"), PublicIpHolder(emulator));

        // One lease period and one round, with room for the standby's writes (a public IP attach) on a loaded machine.
        Assert.True(takeover < Lease + Interval + TimeSpan.FromSeconds(15), $"took {takeover.TotalSeconds:0.0} s\n{b.Output}");
        Directory.Delete(folder, recursive: true);
    }

    private static string Nic(string name) => $"/subscriptions/{Sub}/resourceGroups/rg-fw/providers/Microsoft.Network/networkInterfaces/{name}";

    /// <summary>The NIC whose ipconfig holds pip-fw, as the emulator holds it now; null when none does.</summary>
    private static string? PublicIpHolder(ArmEmulator emulator) =>
        emulator.Dump()["networkInterfaces"]!.AsArray()
            .FirstOrDefault(nic => nic!["ipConfigurations"]!.AsArray().Any(c => c!["publicIPAddressId"]?.GetValue<string>() == Pip("pip-fw")))?["id"]!.GetValue<string>();

    private static string NextHop(ArmEmulator emulator) =>
        emulator.Dump()["routeTables"]!.AsArray().Single(t => t!["id"]!.GetValue<string>().EndsWith("rt-spoke1", StringComparison.Ordinal))!["routes"]!.AsArray()
            .Single(r => r!["name"]!.GetValue<string>() == "default")!["nextHopIpAddress"]!.GetValue<string>();

    /// <summary>A Palo Alto style pair: a management NIC first (slot 0), the untrust NIC holding the public IP second (slot 1).</summary>
    private static JsonObject WithManagementNics(JsonObject topology)
    {
        foreach (var vm in topology["virtualMachines"]!.AsArray().Where(v => v!["id"]!.GetValue<string>().EndsWith("/fw-a", StringComparison.Ordinal) || v!["id"]!.GetValue<string>().EndsWith("/fw-b", StringComparison.Ordinal)))
        {
            var nics = vm!["networkInterfaces"]!.AsArray();
            var untrust = nics[0]!.AsObject();
            var name = vm["id"]!.GetValue<string>().Split('/')[^1];
            var config = untrust["ipConfigurations"]![0]!;
            var mgmt = new JsonObject
            {
                ["id"] = Nic($"{name}-mgmt"),
                ["ipConfigurations"] = new JsonArray(new JsonObject
                {
                    ["name"] = "ipconfig-mgmt",
                    ["privateIPAddress"] = name == "fw-a" ? "10.10.9.4" : "10.10.9.5",
                    ["primary"] = true,
                    ["subnetId"] = config["subnetId"]!.DeepClone(),
                }),
            };
            nics.Insert(0, mgmt);
        }

        return topology;
    }

    private static JsonObject Settings(ArmEmulator emulator, Uri container) => new()
    {
        ["NvaFailover"] = new JsonObject
        {
            ["ArmEndpoint"] = emulator.Endpoint.ToString(),
            ["ArmCertificateThumbprint"] = emulator.Certificate.GetCertHashString(),
            ["ArmPollInterval"] = "00:00:00.050",
            ["Witness"] = new JsonObject { ["ContainerUri"] = container.ToString(), ["LeaseDuration"] = Lease.ToString("c") },
            ["Clusters"] = new JsonArray(new JsonObject
            {
                ["Name"] = "fw",
                ["Nvas"] = new JsonArray(new JsonObject { ["VirtualMachineId"] = Vm("fw-a") }, new JsonObject { ["VirtualMachineId"] = Vm("fw-b") }),
                ["Probe"] = new JsonObject { ["Attempts"] = 1, ["Interval"] = Interval.ToString("c") },
                ["RouteTables"] = new JsonObject { ["TagValue"] = "fw" },
                ["PublicIpAddressIds"] = new JsonArray(Pip("pip-fw")),
                ["Verification"] = "None",
            }),
        },
    };

    private static async Task WaitAsync(Func<bool> condition, TimeSpan patience, Watcher watcher)
    {
        var deadline = DateTimeOffset.UtcNow + patience;
        while (!condition())
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                Assert.Fail($"not within {patience.TotalSeconds} s; the watcher said:\n{watcher.Output}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>An <c>nvafo run</c> process (the tool as built), its output kept.</summary>
    private sealed class Watcher : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private Watcher(Process process) => _process = process;

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public static Watcher Start(string settings)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "nvafo.dll"));
            start.ArgumentList.Add("run");
            start.ArgumentList.Add("--settings");
            start.ArgumentList.Add(settings);
            start.Environment.Remove("APPLICATIONINSIGHTS_CONNECTION_STRING");
            var watcher = new Watcher(Process.Start(start)!);
            watcher._process.OutputDataReceived += (_, e) => watcher.Append(e.Data);
            watcher._process.ErrorDataReceived += (_, e) => watcher.Append(e.Data);
            watcher._process.BeginOutputReadLine();
            watcher._process.BeginErrorReadLine();
            return watcher;
        }

        /// <summary>As kill -9: no cleanup, no lease released.</summary>
        public void Kill() => _process.Kill(entireProcessTree: true);

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_output)
                {
                    _output.AppendLine(line);
                }
            }
        }
    }
}
