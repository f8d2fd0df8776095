using NvaFailover.Ports;
using NvaFailover.Resources;

namespace NvaFailover.Topology;

/// <summary>How serious a finding is.</summary>
public enum FindingSeverity
{
    /// <summary>For information.</summary>
    Info,
    /// <summary>Works, but deserves attention.</summary>
    Warning,
    /// <summary>Something that will stop a failover from being complete.</summary>
    Error,
}

/// <summary>Something found about the configuration or the resources, with what to do about it.</summary>
/// <param name="Severity">How serious.</param>
/// <param name="ResourceId">The resource or setting concerned.</param>
/// <param name="Message">What is wrong and what to do.</param>
public sealed record Finding(FindingSeverity Severity, string ResourceId, string Message);

/// <summary>Interface slot <paramref name="Index"/> of an NVA: the private IP routes point at, and where it lives.</summary>
/// <param name="Index">Slot index; slot i of every NVA forms one failover group.</param>
/// <param name="IpAddress">The private IP.</param>
/// <param name="NetworkInterfaceId">The NIC holding it, when known.</param>
/// <param name="IpConfigurationName">The ipconfig holding it, when known.</param>
/// <param name="Location">The NIC's region, when known.</param>
public sealed record NvaSlot(int Index, string IpAddress, string? NetworkInterfaceId, string? IpConfigurationName, string? Location)
{
    /// <summary>The ipconfig id, when known.</summary>
    public string? IpConfigurationId => NetworkInterfaceId is null || IpConfigurationName is null
        ? null
        : ArmId.IpConfigurationId(NetworkInterfaceId, IpConfigurationName);
}

/// <summary>One NVA as discovered.</summary>
/// <param name="Priority">0 is preferred.</param>
/// <param name="Name">The VM name.</param>
/// <param name="VirtualMachineId">The VM id.</param>
/// <param name="Slots">Its interface slots.</param>
/// <param name="NetworkInterfaces">Its NICs as read (with ETags).</param>
public sealed record NvaTopology(int Priority, string Name, string VirtualMachineId, IReadOnlyList<NvaSlot> Slots, IReadOnlyList<NetworkInterfaceSnapshot> NetworkInterfaces);

/// <summary>Everything discovered for a cluster: NVAs and their slots, managed route tables, public IPs.</summary>
/// <param name="Cluster">Cluster name.</param>
/// <param name="Nvas">NVAs in priority order.</param>
/// <param name="RouteTables">The tables carrying the cluster's tag exactly.</param>
/// <param name="PublicIps">The cluster's public IPs.</param>
/// <param name="Findings">What discovery found wrong.</param>
/// <param name="DiscoveredAt">When.</param>
/// <param name="IsComplete">False when a read failed; such a topology is not reused.</param>
public sealed record ClusterTopology(
    string Cluster,
    IReadOnlyList<NvaTopology> Nvas,
    IReadOnlyList<RouteTableSnapshot> RouteTables,
    IReadOnlyList<PublicIpSnapshot> PublicIps,
    IReadOnlyList<Finding> Findings,
    DateTimeOffset DiscoveredAt,
    bool IsComplete)
{
    private Dictionary<string, (NvaTopology Nva, NvaSlot Slot)>? _slotsByIp;
    private Dictionary<string, (NvaTopology Nva, NvaSlot Slot)>? _slotsByIpConfiguration;

    /// <summary>The NVA and slot a private IP belongs to; false for an IP of no NVA (or of two, which is a finding).</summary>
    public bool TryFindSlotByIp(string? ip, out NvaTopology nva, out NvaSlot slot) =>
        TryFind(_slotsByIp ??= Index(s => s.IpAddress, StringComparer.OrdinalIgnoreCase), ip, out nva, out slot);

    /// <summary>The NVA and slot an ipconfig id belongs to.</summary>
    public bool TryFindSlotByIpConfiguration(string? ipConfigurationId, out NvaTopology nva, out NvaSlot slot) =>
        TryFind(_slotsByIpConfiguration ??= Index(s => s.IpConfigurationId, ArmId.Comparer), ipConfigurationId, out nva, out slot);

    /// <summary>
    /// The active NVA: the one most managed routes and public IPs point at (the routes are the source of truth).
    /// Ties (a partial failover, an outside edit) go to <paramref name="preferred"/> when it is among them, then to
    /// priority order. Null when nothing points at any NVA of the cluster.
    /// </summary>
    public string? ActiveNva(string? preferred = null)
    {
        var votes = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var route in RouteTables.SelectMany(t => t.Routes).Where(r => r.IsVirtualAppliance))
        {
            if (TryFindSlotByIp(route.NextHopIpAddress, out var nva, out _))
            {
                votes[nva.Name] = votes.GetValueOrDefault(nva.Name) + 1;
            }
        }

        foreach (var pip in PublicIps)
        {
            if (TryFindSlotByIpConfiguration(pip.IpConfigurationId, out var nva, out _))
            {
                votes[nva.Name] = votes.GetValueOrDefault(nva.Name) + 1;
            }
        }

        if (votes.Count == 0)
        {
            return null;
        }

        var most = votes.Values.Max();
        var tied = votes.Where(v => v.Value == most).Select(v => v.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return preferred is not null && tied.Contains(preferred)
            ? preferred
            : Nvas.OrderBy(n => n.Priority).Select(n => n.Name).First(tied.Contains);
    }

    /// <summary>The NVA with this name.</summary>
    public NvaTopology? FindNva(string name) => Nvas.FirstOrDefault(n => n.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The NIC snapshot with this id, from any NVA.</summary>
    public NetworkInterfaceSnapshot? FindNetworkInterface(string id) =>
        Nvas.SelectMany(n => n.NetworkInterfaces).FirstOrDefault(n => ArmId.Comparer.Equals(n.Id, id));

    /// <summary>A copy with one route table replaced by a newer snapshot.</summary>
    public ClusterTopology With(RouteTableSnapshot table) =>
        Fresh(this with { RouteTables = [.. RouteTables.Select(t => ArmId.Comparer.Equals(t.Id, table.Id) ? table : t)] });

    /// <summary>A copy with one NIC replaced by a newer snapshot (slots keep their meaning: IPs do not move).</summary>
    public ClusterTopology With(NetworkInterfaceSnapshot nic) => Fresh(this with
    {
        Nvas = [.. Nvas.Select(n => n with { NetworkInterfaces = [.. n.NetworkInterfaces.Select(x => ArmId.Comparer.Equals(x.Id, nic.Id) ? nic : x)] })],
    });

    /// <summary>A copy with one public IP replaced by a newer snapshot.</summary>
    public ClusterTopology With(PublicIpSnapshot publicIp) =>
        Fresh(this with { PublicIps = [.. PublicIps.Select(p => ArmId.Comparer.Equals(p.Id, publicIp.Id) ? publicIp : p)] });

    // A copy made with 'with' would carry this instance's lookup caches, which point at the old NVA records.
    private static ClusterTopology Fresh(ClusterTopology copy)
    {
        copy._slotsByIp = null;
        copy._slotsByIpConfiguration = null;
        return copy;
    }

    private Dictionary<string, (NvaTopology, NvaSlot)> Index(Func<NvaSlot, string?> key, StringComparer comparer)
    {
        var index = new Dictionary<string, (NvaTopology, NvaSlot)>(comparer);
        var ambiguous = new HashSet<string>(comparer);
        foreach (var nva in Nvas)
        {
            foreach (var slot in nva.Slots)
            {
                if (key(slot) is { } k && !index.TryAdd(k, (nva, slot)))
                {
                    ambiguous.Add(k);
                }
            }
        }

        foreach (var k in ambiguous)
        {
            index.Remove(k);
        }

        return index;
    }

    private static bool TryFind(Dictionary<string, (NvaTopology Nva, NvaSlot Slot)> index, string? key, out NvaTopology nva, out NvaSlot slot)
    {
        if (key is not null && index.TryGetValue(key, out var hit))
        {
            (nva, slot) = hit;
            return true;
        }

        (nva, slot) = (null!, null!);
        return false;
    }
}
