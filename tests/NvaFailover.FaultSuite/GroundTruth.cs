namespace NvaFailover.FaultSuite;

/// <summary>When an NVA was really unable to forward traffic: what the timeline did to it, not what anyone observed.</summary>
/// <param name="Cluster">Its cluster.</param>
/// <param name="Nva">The NVA (VM name).</param>
/// <param name="From">Scenario time it stopped forwarding (power off, hang).</param>
/// <param name="To">Scenario time it forwarded again (start plus its boot, or the probe answering again).</param>
/// <param name="Observable">
/// Whether the cluster's probe can see it: a hung appliance keeps its VM running, so a cluster probing only the power
/// state cannot tell (the documented limit of VmPowerState); the invariants hold NvaFailover to what it can observe.
/// </param>
internal sealed record DownEpisode(string Cluster, string Nva, TimeSpan From, TimeSpan To, bool Observable = true);

/// <summary>What a generated scenario holds, known to the generator: the truth the invariants are checked against.</summary>
internal sealed class GroundTruth
{
    /// <summary>Each cluster's NVAs, and each NVA's interface IPs in slot order.</summary>
    public Dictionary<string, Dictionary<string, List<string>>> Clusters { get; } = [];

    /// <summary>Each cluster's public IP ids.</summary>
    public Dictionary<string, List<string>> PublicIps { get; } = [];

    /// <summary>Every episode of an NVA not forwarding.</summary>
    public List<DownEpisode> Down { get; } = [];

    /// <summary>Each cluster's Probe:Kind.</summary>
    public Dictionary<string, string> ProbeKinds { get; } = [];

    /// <summary>How many ARM fault windows the timeline opens.</summary>
    public int ArmFaultWindows { get; set; }

    /// <summary>ARM fault windows aimed where random ones rarely land: a 403 on one subscription's table writes, a 429 with a long Retry-After, a 503 on one NIC's writes.</summary>
    public int AimedFaults { get; set; }

    /// <summary>Outside route edits.</summary>
    public int RouteEdits { get; set; }

    /// <summary>True when the watchers share a witness (the rehearsal's in-process store).</summary>
    public bool Witness { get; set; }

    /// <summary>How many watchers run at once (two only with a witness).</summary>
    public int Watchers { get; set; } = 1;

    /// <summary>When the watcher is killed, and for how long it is down.</summary>
    public List<(TimeSpan At, TimeSpan DownFor)> Kills { get; } = [];

    /// <summary>Managed route tables a person tried to take out of their cluster (untagged) or to delete, and when.</summary>
    public List<(TimeSpan At, string Table, bool Deleted)> Released { get; } = [];

    /// <summary>
    /// The releases that took effect in <paramref name="result"/>: an untag or delete Azure refused (a delete while a write
    /// to the table runs) released nothing, and the table is still the cluster's.
    /// </summary>
    public List<(TimeSpan At, string Table, bool Deleted)> ReleasedIn(Cli.Simulation.SimulationResult result) =>
        [.. Released.Where(r => result.Events.Any(e => e.Error is null && e.Event.Do is "untagRouteTable" or "deleteRouteTable"
            && string.Equals(e.Event["routeTable"], r.Table, StringComparison.OrdinalIgnoreCase)))];

    /// <summary>When the last fault or edit ends: after it, the network must settle.</summary>
    public TimeSpan FaultsEnd { get; set; }

    /// <summary>The cluster and NVA that own an interface IP, if any.</summary>
    public (string Cluster, string Nva, int Slot)? Owner(string? ip)
    {
        foreach (var (cluster, nvas) in Clusters)
        {
            foreach (var (nva, ips) in nvas)
            {
                var slot = ips.IndexOf(ip ?? "");
                if (slot >= 0)
                {
                    return (cluster, nva, slot);
                }
            }
        }

        return null;
    }

    /// <summary>True when <paramref name="nva"/> of <paramref name="cluster"/> was down at <paramref name="at"/>.</summary>
    public bool IsDown(string cluster, string nva, TimeSpan at) => Down.Any(d => d.Observable && d.Cluster == cluster && d.Nva == nva && d.From <= at && at < d.To);

    /// <summary>The spans in which every NVA of <paramref name="cluster"/> was down.</summary>
    public List<(TimeSpan From, TimeSpan To)> AllDown(string cluster, TimeSpan end)
    {
        var edges = Down.Where(d => d.Observable && d.Cluster == cluster).SelectMany(d => new[] { d.From, d.To }).Append(TimeSpan.Zero).Append(end).Distinct().Order().ToList();
        var spans = new List<(TimeSpan From, TimeSpan To)>();
        for (var i = 0; i + 1 < edges.Count; i++)
        {
            var mid = edges[i] + ((edges[i + 1] - edges[i]) / 2);
            if (Clusters[cluster].Keys.All(n => IsDown(cluster, n, mid)))
            {
                if (spans.Count > 0 && spans[^1].To == edges[i])
                {
                    spans[^1] = (spans[^1].From, edges[i + 1]);
                }
                else
                {
                    spans.Add((edges[i], edges[i + 1]));
                }
            }
        }

        return spans;
    }
}
