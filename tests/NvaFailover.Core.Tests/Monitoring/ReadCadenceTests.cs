using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NvaFailover.Monitoring;
using NvaFailover.Ports;
using NvaFailover.Probing;
using NvaFailover.Tests.Fakes;
using NvaFailover.Topology;

namespace NvaFailover.Tests.Monitoring;

/// <summary>A fleet's routine reads held within ARM's read budget: rediscoveries spaced out first, then probes, evenly.</summary>
public sealed class ReadCadenceTests
{
    private const int Clusters = 10;

    [Theory]
    [InlineData(0.2, 0.2, 0.4, 1, 1)] // fits
    [InlineData(0.2, 0.6, 0.4, 1, 3)] // rediscoveries take what probes leave
    [InlineData(3.0, 1.0, 2.0, 2, 2)] // probes need more than half: both, by one factor
    public void Factors_SpaceRediscoveriesFirst_ThenEverything(double probe, double discovery, double available, double probeFactor, double discoveryFactor)
    {
        var (p, d) = ReadCadence.Factors(probe, discovery, available);

        Assert.Equal(probeFactor, p, 6);
        Assert.Equal(discoveryFactor, d, 6);
    }

    [Fact]
    public async Task AFleetWhoseRediscoveriesExceedTheBudget_RediscoversLessOften_ProbesAtItsInterval_AndSaysSoOnce()
    {
        // 10 clusters x (2 VMs, 2 NICs, 2 tables, 1 tag query) = 70 reads per DiscoveryRefresh (300 s): 0.233/s; probes: one
        // list per 5 s round: 0.2/s. Routine reads may take 0.8 x 0.5 = 0.4/s: rediscoveries get 0.2/s, 1.167 times apart.
        var (world, services) = await Fleet(new ReadBudget(0.5));
        var cadence = Cadence(services);

        cadence.Update();
        cadence.Update();

        var schedule = services.GetRequiredService<RefreshSchedule>();
        var cluster = Options(services).Clusters[3];
        Assert.Equal(TimeSpan.FromSeconds(5), cadence.Interval(cluster));
        Assert.Equal(TimeSpan.FromSeconds(300 * 7.0 / 6), schedule.Period(cluster.Name));
        var said = Assert.Single(world.Logs.Named("ReadBudgetStretched"));
        Assert.Equal(LogLevel.Warning, said.Level);
        Assert.Equal(0.4, said.Properties["AvailablePerSecond"]);
        Assert.Equal(0.2, said.Properties["ProbePerSecond"]);
        Assert.Equal(350.0, said.Properties["RefreshSeconds"]);
        Assert.Equal(5.0, said.Properties["IntervalSeconds"]);

        // The tables go: rediscoveries are cheaper, the cadence comes back, and the log says so.
        world.Azure.Tables.Clear();
        var monitor = services.GetRequiredService<FailoverMonitor>();
        foreach (var c in Options(services).Clusters)
        {
            await monitor.DiscoverAsync(c.Name);
        }

        cadence.Update();

        Assert.Equal(TimeSpan.FromSeconds(300), schedule.Period(cluster.Name));
        Assert.Single(world.Logs.Named("ReadBudgetRestored"));
    }

    [Fact]
    public async Task VmsReadOneByOne_NeedMoreThanTheBudget_EveryClusterProbesLessOften_ByTheSameFactor()
    {
        // The list is refused: 20 VMs each read every 5 s is 4/s, plus rediscoveries 0.233/s, against 0.8 x 2.5 = 2/s.
        var (world, services) = await Fleet(new ReadBudget(2.5));
        world.Azure.PowerListFaults[World.Sub] = new GatewayException(GatewayFailure.Forbidden, $"/subscriptions/{World.Sub}", "AuthorizationFailed", "not allowed");
        await services.GetRequiredService<PowerStateBoard>().GetAsync(World.Vm("fw-0-a"), CancellationToken.None);
        var cadence = Cadence(services);

        cadence.Update();

        var expected = (4 + (70 / 300.0)) / 2;
        var schedule = services.GetRequiredService<RefreshSchedule>();
        foreach (var cluster in Options(services).Clusters)
        {
            Assert.Equal(5 * expected, cadence.Interval(cluster).TotalSeconds, 3);
            Assert.Equal(300 * expected, schedule.Period(cluster.Name).TotalSeconds, 3);
        }

        Assert.Single(world.Logs.Named("ReadBudgetStretched"));
    }

    [Fact]
    public async Task APowerStateListOfSeveralPages_CostsARead_PerPage()
    {
        // 20 VMs listed 5 to a page: 4 reads per 5 s round (0.8/s), plus rediscoveries 0.233/s, against 0.8 x 1 = 0.8/s.
        // Counted as one read a round, the fleet would fit (0.433/s) and nothing would stretch.
        var (world, services) = await Fleet(new ReadBudget(1));
        world.Azure.PowerListPageSize = 5;
        await services.GetRequiredService<PowerStateBoard>().GetAsync(World.Vm("fw-0-a"), CancellationToken.None);
        var cadence = Cadence(services);

        cadence.Update();

        var expected = (0.8 + (70 / 300.0)) / 0.8;
        Assert.Equal(4, services.GetRequiredService<PowerStateBoard>().Pages(World.Sub));
        Assert.Equal(5 * expected, cadence.Interval(Options(services).Clusters[0]).TotalSeconds, 3);
        Assert.Equal(0.8, Assert.Single(world.Logs.Named("ReadBudgetStretched")).Properties["ProbePerSecond"]);
    }

    [Fact]
    public async Task WithinTheBudget_NothingIsStretchedOrSaid()
    {
        var (world, services) = await Fleet(new ReadBudget(22.5));
        var cadence = Cadence(services);

        cadence.Update();

        Assert.Equal(TimeSpan.FromSeconds(5), cadence.Interval(Options(services).Clusters[0]));
        Assert.Equal(TimeSpan.FromSeconds(300), services.GetRequiredService<RefreshSchedule>().Period("fleet-0"));
        Assert.Empty(world.Logs.Named("ReadBudgetStretched"));
    }

    private static NvaFailover.Settings.NvaFailoverOptions Options(IServiceProvider services) =>
        services.GetRequiredService<Microsoft.Extensions.Options.IOptions<NvaFailover.Settings.NvaFailoverOptions>>().Value;

    private static ReadCadence Cadence(ServiceProvider services) => new(
        [.. Options(services).Clusters],
        services.GetRequiredService<ReadBudget>(),
        services.GetRequiredService<RefreshSchedule>(),
        services.GetRequiredService<PowerStateBoard>(),
        services.GetRequiredService<TopologyCache>(),
        services.GetRequiredService<TimeProvider>(),
        services.GetRequiredService<ILogger<ReadCadenceTests>>());

    /// <summary>Ten clusters, each two NVAs of one NIC and two tagged tables, all discovered.</summary>
    private static async Task<(World World, ServiceProvider Services)> Fleet(ReadBudget budget)
    {
        var world = new World();
        for (var c = 0; c < Clusters; c++)
        {
            world.AddNva($"fw-{c}-a", "eastus2", [($"fw-{c}-a-nic", $"10.0.{c}.4")]);
            world.AddNva($"fw-{c}-b", "eastus2", [($"fw-{c}-b-nic", $"10.0.{c}.5")]);
            world.AddTable($"rt-{c}-1", $"fleet-{c}", World.Va("default", "0.0.0.0/0", $"10.0.{c}.4"));
            world.AddTable($"rt-{c}-2", $"fleet-{c}", World.Va("default", "0.0.0.0/0", $"10.0.{c}.4"));
            world.Cluster(c, $"fleet-{c}", $"fleet-{c}", [$"fw-{c}-a", $"fw-{c}-b"]);
        }

        var services = world.Services(s => s.AddSingleton(budget));
        var monitor = services.GetRequiredService<FailoverMonitor>();
        foreach (var cluster in monitor.Options.Clusters)
        {
            await monitor.DiscoverAsync(cluster.Name);
        }

        return (world, services);
    }
}
