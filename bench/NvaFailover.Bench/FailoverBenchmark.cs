using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NvaFailover.Emulator;
using NvaFailover.Monitoring;

namespace NvaFailover.Bench;

/// <summary>
/// A failover of many route tables against the emulator with Azure-like latencies (route table write 5 s, NIC write
/// 15 s, read 100 ms), in scenario time: how long until every route and the public IP point at the standby, how
/// many writes it took, and what a healthy cycle costs. ha-nva-fo rewrites tables one after another.
/// </summary>
internal static class FailoverBenchmark
{
    private const string SubA = "bbbbbbbb-0000-4000-8000-00000000000a";
    private const string SubB = "bbbbbbbb-0000-4000-8000-00000000000b";

    public static async Task<int> RunAsync(int tables, int parallel, int speed)
    {
        var arm = new ArmBehaviour();
        await using var emulator = await ArmEmulator.StartAsync(new EmulatorOptions { Speed = speed, Arm = arm });
        emulator.Load(Topology(tables));
        var clock = (ScaledTimeProvider)emulator.Clock;
        var settings = new Dictionary<string, string?>
        {
            ["NvaFailover:ArmEndpoint"] = emulator.Endpoint.ToString(),
            ["NvaFailover:ArmCertificateThumbprint"] = emulator.Certificate.GetCertHashString(),
            ["NvaFailover:ArmPollInterval"] = "00:00:00.100",
            ["NvaFailover:MaxParallelWrites"] = parallel.ToString(CultureInfo.InvariantCulture),
            ["NvaFailover:Clusters:0:Name"] = "bench",
            ["NvaFailover:Clusters:0:Nvas:0:VirtualMachineId"] = $"/subscriptions/{SubA}/resourceGroups/rg-nva/providers/Microsoft.Compute/virtualMachines/nva-a",
            ["NvaFailover:Clusters:0:Nvas:1:VirtualMachineId"] = $"/subscriptions/{SubA}/resourceGroups/rg-nva/providers/Microsoft.Compute/virtualMachines/nva-b",
            ["NvaFailover:Clusters:0:RouteTables:TagValue"] = "bench",
            ["NvaFailover:Clusters:0:RouteTables:SubscriptionIds:0"] = SubA,
            ["NvaFailover:Clusters:0:RouteTables:SubscriptionIds:1"] = SubB,
            ["NvaFailover:Clusters:0:PublicIpAddressIds:0"] = $"/subscriptions/{SubA}/resourceGroups/rg-nva/providers/Microsoft.Network/publicIPAddresses/pip",
            ["NvaFailover:Clusters:0:Probe:Attempts"] = "1",
        };
        await using var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<TimeProvider>(clock)
            .AddNvaFailover(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .BuildServiceProvider();
        var monitor = services.GetRequiredService<FailoverMonitor>();

        var discovery = await monitor.RunCycleAsync("bench", CycleRequest.Timer);
        var before = emulator.Requests.Count;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var healthy = await monitor.RunCycleAsync("bench", CycleRequest.Timer);
        var healthyAllocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var healthyRequests = emulator.Requests.Skip(before).GroupBy(r => r.Operation).ToDictionary(g => g.Key, g => g.Count());

        emulator.PowerAction("nva-a", "powerOff");
        var wall = Stopwatch.StartNew();
        var failover = await monitor.RunCycleAsync("bench", CycleRequest.Timer);
        wall.Stop();

        var dump = emulator.Dump();
        var stale = dump["routeTables"]!.AsArray().SelectMany(t => t!["routes"]!.AsArray())
            .Count(r => r!["nextHopIpAddress"]?.GetValue<string>() is "10.0.1.4" or "10.0.2.4");
        var sequential = (arm.RouteTableWriteLatency * tables) + (arm.NetworkInterfaceWriteLatency * 2);
        Console.WriteLine(FormattableString.Invariant($"failover benchmark: {tables} route tables in 2 subscriptions (3 managed routes each), 1 public IP; writes {arm.RouteTableWriteLatency.TotalSeconds:0} s per table, {arm.NetworkInterfaceWriteLatency.TotalSeconds:0} s per NIC; MaxParallelWrites {parallel}; {speed}x"));
        Console.WriteLine(FormattableString.Invariant($"  discovery cycle: {discovery.Action}, {emulator.Requests.Count(r => r.Method == "GET") - healthyRequests.Values.Sum()} reads before the healthy cycle"));
        Console.WriteLine(FormattableString.Invariant($"  healthy cycle: {string.Join(", ", healthyRequests.Select(kv => $"{kv.Value} {kv.Key}"))}; {healthyAllocated / 1024.0:0} KiB allocated (client and emulator, same process)"));
        Console.WriteLine(FormattableString.Invariant($"  failover: {failover.Action} {failover.ActiveBefore} -> {failover.Active}, {failover.RoutesChanged} routes, {failover.PublicIpsMoved} public IP, {failover.Writes} writes, {(failover.Failed ? "FAILED" : "complete")}"));
        Console.WriteLine(FormattableString.Invariant($"  convergence (decision -> last write): {failover.Convergence?.TotalSeconds:0.0} s of scenario time ({wall.Elapsed.TotalSeconds:0.0} s wall); one table after another would take {sequential.TotalSeconds:0} s"));
        Console.WriteLine($"  routes still on the failed NVA: {stale}");
        return failover.Failed || stale > 0 || healthyRequests.Keys.Any(k => k != "GET instanceView") ? 1 : 0;
    }

    private static JsonObject Topology(int tables)
    {
        JsonObject Nva(string name, int host) => new()
        {
            ["id"] = $"/subscriptions/{SubA}/resourceGroups/rg-nva/providers/Microsoft.Compute/virtualMachines/{name}",
            ["location"] = "westeurope",
            ["networkInterfaces"] = new JsonArray(
                Nic($"{name}-outside", $"10.0.1.{host}", name == "nva-a"),
                Nic($"{name}-inside", $"10.0.2.{host}", false)),
        };
        JsonObject Nic(string name, string ip, bool pip)
        {
            var config = new JsonObject { ["name"] = "ipconfig1", ["privateIPAddress"] = ip, ["subnetId"] = $"/subscriptions/{SubA}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/hub/subnets/nva" };
            if (pip)
            {
                config["publicIPAddressId"] = $"/subscriptions/{SubA}/resourceGroups/rg-nva/providers/Microsoft.Network/publicIPAddresses/pip";
            }

            return new JsonObject
            {
                ["id"] = $"/subscriptions/{SubA}/resourceGroups/rg-nva/providers/Microsoft.Network/networkInterfaces/{name}",
                ["enableIPForwarding"] = true,
                ["ipConfigurations"] = new JsonArray(config),
            };
        }

        var routeTables = new JsonArray();
        for (var i = 0; i < tables; i++)
        {
            routeTables.Add(new JsonObject
            {
                ["id"] = $"/subscriptions/{(i % 2 == 0 ? SubA : SubB)}/resourceGroups/rg-spokes/providers/Microsoft.Network/routeTables/rt-{i:000}",
                ["location"] = "westeurope",
                ["tags"] = new JsonObject { ["nva_ha_udr"] = "bench" },
                ["routes"] = new JsonArray(
                    Route("default", "0.0.0.0/0", "10.0.2.4"),
                    Route("branches", "192.168.0.0/16", "10.0.2.4"),
                    Route("dmz", "172.16.0.0/12", "10.0.1.4"),
                    new JsonObject { ["name"] = "local", ["addressPrefix"] = $"10.{100 + (i % 100)}.0.0/16", ["nextHopType"] = "VnetLocal" }),
            });
        }

        return new JsonObject
        {
            ["virtualMachines"] = new JsonArray(Nva("nva-a", 4), Nva("nva-b", 5)),
            ["publicIPAddresses"] = new JsonArray(new JsonObject { ["id"] = $"/subscriptions/{SubA}/resourceGroups/rg-nva/providers/Microsoft.Network/publicIPAddresses/pip", ["ipAddress"] = "20.1.2.3", ["sku"] = "Standard" }),
            ["routeTables"] = routeTables,
        };
    }

    private static JsonObject Route(string name, string prefix, string ip) =>
        new() { ["name"] = name, ["addressPrefix"] = prefix, ["nextHopType"] = "VirtualAppliance", ["nextHopIpAddress"] = ip };
}
