using Microsoft.Extensions.DependencyInjection;
using NvaFailover.Monitoring;
using NvaFailover.Tests.Fakes;
using NvaFailover.Topology;

namespace NvaFailover.Tests.Topology;

/// <summary>A fleet's rediscoveries spread over the period instead of all falling in one round.</summary>
public sealed class RefreshScheduleTests
{
    [Fact]
    public void FirstPeriods_AreSpreadEvenlyByPlace_ThenEveryClusterKeepsThePeriod_StretchedWhenTold()
    {
        var schedule = new RefreshSchedule(TimeSpan.FromMinutes(4), ["a", "b", "c", "d"]);

        Assert.Equal([1, 2, 3, 4], new[] { "a", "b", "c", "d" }.Select(c => schedule.FirstPeriod(c).TotalMinutes));
        Assert.Equal(TimeSpan.FromMinutes(4), schedule.Period("b"));

        schedule.Stretch("b", 1.5);
        Assert.Equal(TimeSpan.FromMinutes(6), schedule.Period("b"));
        Assert.Equal(TimeSpan.FromMinutes(3), schedule.FirstPeriod("b"));
        Assert.Equal(TimeSpan.FromMinutes(4), schedule.Period("a"));
    }

    [Fact]
    public async Task AFleetDiscoveredTogether_IsRediscoveredOneClusterAtATime()
    {
        var world = new World();
        for (var c = 0; c < 4; c++)
        {
            world.AddNva($"fw-{c}-a", "eastus2", [($"fw-{c}-a-nic", $"10.0.{c}.4")]);
            world.AddNva($"fw-{c}-b", "eastus2", [($"fw-{c}-b-nic", $"10.0.{c}.5")]);
            world.AddTable($"rt-{c}", $"fleet-{c}", World.Va("default", "0.0.0.0/0", $"10.0.{c}.4"));
            world.Cluster(c, $"fleet-{c}", $"fleet-{c}", [$"fw-{c}-a", $"fw-{c}-b"]);
        }

        world.Settings["NvaFailover:DiscoveryRefresh"] = "00:04:00";
        using var services = world.Services();
        var monitor = services.GetRequiredService<FailoverMonitor>();
        var cache = services.GetRequiredService<TopologyCache>();
        var clusters = monitor.Options.Clusters;
        foreach (var cluster in clusters)
        {
            await monitor.DiscoverAsync(cluster.Name);
        }

        var refreshed = new List<int>();
        for (var minute = 1; minute <= 4; minute++)
        {
            world.Time.Advance(TimeSpan.FromMinutes(1));
            var before = world.Azure.Calls.Count(c => c.StartsWith("LIST nva_ha_udr=", StringComparison.Ordinal));
            foreach (var cluster in clusters)
            {
                await cache.GetAsync(cluster, mayRefresh: true, CancellationToken.None);
            }

            await WaitForAsync(() => world.Azure.Calls.Count(c => c.StartsWith("LIST nva_ha_udr=", StringComparison.Ordinal)) > before);
            refreshed.Add(world.Azure.Calls.Count(c => c.StartsWith("LIST nva_ha_udr=", StringComparison.Ordinal)) - before);
        }

        // One cluster's rediscovery a minute, not four at minute four.
        Assert.Equal([1, 1, 1, 1], refreshed);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(10);
        }
    }
}
