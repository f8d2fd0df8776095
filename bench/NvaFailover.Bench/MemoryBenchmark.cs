using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NvaFailover.Emulator;
using NvaFailover.Monitoring;

namespace NvaFailover.Bench;

/// <summary>
/// Memory over many rounds in scaled time: the managed heap and the working set after round 200 and after the last,
/// with the emulator keeping no request log (so the growth is NvaFailover's).
/// </summary>
internal static class MemoryBenchmark
{
    public sealed record Outcome(int Rounds, long HeapAt200, long HeapAtEnd, long WorkingSetAt200, long WorkingSetAtEnd)
    {
        public double HeapGrowth => (HeapAtEnd - HeapAt200) / (double)HeapAt200;

        public double WorkingSetGrowth => (WorkingSetAtEnd - WorkingSetAt200) / (double)WorkingSetAt200;
    }

    public static async Task<Outcome> RunAsync(int rounds, TextWriter log)
    {
        await using var emulator = await ArmEmulator.StartAsync(new EmulatorOptions { Speed = 500, RecordRequests = false });
        emulator.Load(BenchTopology.Topology(10, publicIp: true));
        var settings = new Dictionary<string, string?>
        {
            ["NvaFailover:ArmEndpoint"] = emulator.Endpoint.ToString(),
            ["NvaFailover:ArmCertificateThumbprint"] = emulator.Certificate.GetCertHashString(),
            ["NvaFailover:Clusters:0:Name"] = BenchTopology.Tag,
            ["NvaFailover:Clusters:0:Nvas:0:VirtualMachineId"] = BenchTopology.Vm("nva-a"),
            ["NvaFailover:Clusters:0:Nvas:1:VirtualMachineId"] = BenchTopology.Vm("nva-b"),
            ["NvaFailover:Clusters:0:RouteTables:TagValue"] = BenchTopology.Tag,
            ["NvaFailover:Clusters:0:PublicIpAddressIds:0"] = BenchTopology.Pip,
        };
        await using var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(emulator.Clock)
            .AddNvaFailover(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .BuildServiceProvider();
        var monitor = services.GetRequiredService<FailoverMonitor>();
        long heap200 = 0, set200 = 0;
        for (var round = 1; round <= rounds; round++)
        {
            await monitor.RunRoundAsync(RoundRequest.Timer);
            await Task.Delay(TimeSpan.FromSeconds(5), emulator.Clock);
            if (round == 200)
            {
                (heap200, set200) = Sample();
            }
        }

        var (heapEnd, setEnd) = Sample();
        var outcome = new Outcome(rounds, heap200, heapEnd, set200, setEnd);
        await log.WriteLineAsync(FormattableString.Invariant($"  memory: heap {heap200 / 1048576.0:0.0} -> {heapEnd / 1048576.0:0.0} MiB ({outcome.HeapGrowth:P1}), working set {set200 / 1048576.0:0} -> {setEnd / 1048576.0:0} MiB ({outcome.WorkingSetGrowth:P1}) over {rounds} rounds"));
        return outcome;
    }

    /// <summary>The managed heap after a full compacting collection, and the working set.</summary>
    internal static (long Heap, long WorkingSet) Sample()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return (GC.GetTotalMemory(forceFullCollection: true), Environment.WorkingSet);
    }
}
