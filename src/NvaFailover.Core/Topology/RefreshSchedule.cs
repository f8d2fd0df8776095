using System.Collections.Concurrent;

namespace NvaFailover.Topology;

/// <summary>
/// When each cluster's topology is read again: every DiscoveryRefresh, stretched when ARM's read budget cannot hold the
/// fleet's routine reads (<see cref="Stretch"/>). A fleet's clusters are first read together, at start-up; so that their
/// rediscoveries do not all fall in the same round from then on (five hundred clusters at once is thousands of reads, a
/// queue minutes long in front of every other routine read), each cluster's first rediscovery comes at its own point of
/// one period, spread evenly by its place in the settings: cluster i of n after (i + 1) / n of a period.
/// </summary>
internal sealed class RefreshSchedule
{
    private readonly TimeSpan _period;
    private readonly Dictionary<string, int> _places;
    private readonly ConcurrentDictionary<string, double> _stretch = new(StringComparer.OrdinalIgnoreCase);

    /// <param name="period">DiscoveryRefresh.</param>
    /// <param name="clusters">The clusters' names in the settings' order.</param>
    public RefreshSchedule(TimeSpan period, IReadOnlyList<string> clusters)
    {
        _period = period;
        _places = clusters.Select((name, i) => (name, i)).ToDictionary(c => c.name, c => c.i, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>DiscoveryRefresh as configured.</summary>
    public TimeSpan Configured => _period;

    /// <summary>How long a topology read at one rediscovery is used before the next.</summary>
    public TimeSpan Period(string cluster) => _period * _stretch.GetValueOrDefault(cluster, 1);

    /// <summary>How long the topology of the first discovery is used: a share of one period, by the cluster's place.</summary>
    public TimeSpan FirstPeriod(string cluster) =>
        _places.TryGetValue(cluster, out var place) ? Period(cluster) * ((place + 1) / (double)_places.Count) : Period(cluster);

    /// <summary>Sets the cluster's rediscoveries <paramref name="factor"/> times DiscoveryRefresh apart (1: as configured).</summary>
    public void Stretch(string cluster, double factor) => _stretch[cluster] = Math.Max(1, factor);
}
