using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using NvaFailover.Emulator;
using NvaFailover.Emulator.Scenarios;
using NvaFailover.Tests;

namespace NvaFailover.FaultSuite;

/// <summary>
/// Two <c>nvafo run</c> processes (the tool as built) share a witness on Azurite and manage one firewall pair on the ARM
/// emulator: a Palo Alto style pair, a management NIC in slot 0 and the untrust NIC holding the public IP in slot 1. The
/// active NVA is powered off; the leader is killed (SIGKILL: no cleanup, its lease not released) the moment its first NIC
/// write (the public IP's detach) reaches ARM; the standby must take the lapsed lease and finish the failover, the public
/// IP on the standby NVA's untrust NIC. The CLI tests run it once; bench/ runs it repeatedly for the takeover time.
/// </summary>
public static class WitnessDrill
{
    private const string Sub = "aaaaaaaa-1111-1111-1111-000000000001";

    /// <summary>Real time: the watchers are processes of their own, Blob Storage's leases lapse in real time.</summary>
    private static readonly TimeProvider Clock = TimeProvider.System;

    /// <summary>What the drill saw.</summary>
    /// <param name="Takeover">From the kill to the routes and the public IP on the standby NVA (null: not within the patience).</param>
    /// <param name="PublicIpHolder">The NIC holding the public IP at the end.</param>
    /// <param name="NextHop">Where rt-spoke1's default route points at the end.</param>
    /// <param name="StandbyOutput">What the surviving watcher printed.</param>
    public sealed record Outcome(TimeSpan? Takeover, string? PublicIpHolder, string NextHop, string StandbyOutput)
    {
        /// <summary>The NIC the public IP must end on: fw-b's untrust NIC, slot 1.</summary>
        public static string ExpectedHolder => Nic("fw-b-untrust");
    }

    /// <exception cref="TimeoutException">A watcher did not lead or stand by within a minute (its output says why).</exception>
    public static async Task<Outcome> RunAsync(string topologyPath, TimeSpan lease, TimeSpan interval, TimeSpan patience)
    {
        await using var storage = await Azurite.StartAsync();
        await using var emulator = await ArmEmulator.StartAsync(new EmulatorOptions { Speed = 50, RecordRequests = true });
        emulator.Load(WithManagementNics(Scenario.Load(topologyPath).Topology));
        var folder = Directory.CreateTempSubdirectory("nvafo-witness-").FullName;
        try
        {
            var settings = Path.Combine(folder, "settings.json");
            await File.WriteAllTextAsync(settings, Settings(emulator, storage.Container("witness"), lease, interval).ToJsonString());

            await using var a = Watcher.Start(settings);
            await UntilAsync(() => a.Output.Contains("this watcher leads", StringComparison.Ordinal), TimeSpan.FromSeconds(60), a);
            await using var b = Watcher.Start(settings);
            await UntilAsync(() => b.Output.Contains("another watcher holds the cluster's lease", StringComparison.Ordinal), TimeSpan.FromSeconds(60), b);

            emulator.PowerAction("fw-a", "powerOff");
            await UntilAsync(() => emulator.Requests.Any(r => r.Operation == "PUT networkInterfaces"), TimeSpan.FromSeconds(60), a);
            a.Kill();
            var killed = Clock.GetTimestamp();

            TimeSpan? takeover = null;
            while (Clock.GetElapsedTime(killed) < patience)
            {
                if (PublicIpHolder(emulator) == Outcome.ExpectedHolder && NextHop(emulator) == "10.10.0.5")
                {
                    takeover = Clock.GetElapsedTime(killed);
                    break;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(20), Clock);
            }

            return new Outcome(takeover, PublicIpHolder(emulator), NextHop(emulator), b.Output);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string Vm(string name) => $"/subscriptions/{Sub}/resourceGroups/rg-fw/providers/Microsoft.Compute/virtualMachines/{name}";

    private static string Pip(string name) => $"/subscriptions/{Sub}/resourceGroups/rg-fw/providers/Microsoft.Network/publicIPAddresses/{name}";

    private static string Nic(string name) => $"/subscriptions/{Sub}/resourceGroups/rg-fw/providers/Microsoft.Network/networkInterfaces/{name}";

    /// <summary>The NIC whose ipconfig holds pip-fw, as the emulator holds it now; null when none does.</summary>
    private static string? PublicIpHolder(ArmEmulator emulator) =>
        emulator.Dump()["networkInterfaces"]!.AsArray()
            .FirstOrDefault(nic => nic!["ipConfigurations"]!.AsArray().Any(c => c!["publicIPAddressId"]?.GetValue<string>() == Pip("pip-fw")))?["id"]!.GetValue<string>();

    private static string NextHop(ArmEmulator emulator) =>
        emulator.Dump()["routeTables"]!.AsArray().Single(t => t!["id"]!.GetValue<string>().EndsWith("rt-spoke1", StringComparison.Ordinal))!["routes"]!.AsArray()
            .Single(r => r!["name"]!.GetValue<string>() == "default")!["nextHopIpAddress"]!.GetValue<string>();

    /// <summary>A management NIC first (slot 0) for fw-a and fw-b; the untrust NIC with the public IP becomes slot 1.</summary>
    private static JsonObject WithManagementNics(JsonObject topology)
    {
        foreach (var name in new[] { "fw-a", "fw-b" })
        {
            var vm = topology["virtualMachines"]!.AsArray().Single(v => v!["id"]!.GetValue<string>() == Vm(name))!;
            var nics = vm["networkInterfaces"]!.AsArray();
            var subnet = nics[0]!["ipConfigurations"]![0]!["subnetId"]!.DeepClone();
            nics.Insert(0, new JsonObject
            {
                ["id"] = Nic($"{name}-mgmt"),
                ["ipConfigurations"] = new JsonArray(new JsonObject
                {
                    ["name"] = "ipconfig-mgmt",
                    ["privateIPAddress"] = name == "fw-a" ? "10.10.9.4" : "10.10.9.5",
                    ["primary"] = true,
                    ["subnetId"] = subnet,
                }),
            });
        }

        return topology;
    }

    private static JsonObject Settings(ArmEmulator emulator, Uri container, TimeSpan lease, TimeSpan interval) => new()
    {
        ["NvaFailover"] = new JsonObject
        {
            ["ArmEndpoint"] = emulator.Endpoint.ToString(),
            ["ArmCertificateThumbprint"] = emulator.Certificate.GetCertHashString(),
            ["ArmPollInterval"] = "00:00:00.050",
            ["Witness"] = new JsonObject { ["ContainerUri"] = container.ToString(), ["LeaseDuration"] = lease.ToString("c") },
            ["Clusters"] = new JsonArray(new JsonObject
            {
                ["Name"] = "fw",
                ["Nvas"] = new JsonArray(new JsonObject { ["VirtualMachineId"] = Vm("fw-a") }, new JsonObject { ["VirtualMachineId"] = Vm("fw-b") }),
                ["Probe"] = new JsonObject { ["Attempts"] = 1, ["Interval"] = interval.ToString("c") },
                ["RouteTables"] = new JsonObject { ["TagValue"] = "fw" },
                ["PublicIpAddressIds"] = new JsonArray(Pip("pip-fw")),
                ["Verification"] = "None",
            }),
        },
    };

    private static async Task UntilAsync(Func<bool> condition, TimeSpan patience, Watcher watcher)
    {
        var waited = Clock.GetTimestamp();
        while (!condition())
        {
            if (Clock.GetElapsedTime(waited) > patience)
            {
                throw new TimeoutException($"not within {patience.TotalSeconds} s; the watcher said:\n{watcher.Output}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), Clock);
        }
    }

    /// <summary>An <c>nvafo run</c> process, its output kept.</summary>
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
