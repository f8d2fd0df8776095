using NvaFailover.Ports;
using NvaFailover.Resources;

namespace NvaFailover.Topology;

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

/// <summary>The subnet the failover host's own traffic leaves from, and the route table it uses (HostSubnetId).</summary>
/// <param name="SubnetId">The subnet.</param>
/// <param name="RouteTable">Its route table as read; null when it has none or it could not be read.</param>
public sealed record HostNetwork(string SubnetId, RouteTableSnapshot? RouteTable)
{
    /// <summary>The subnet's virtual network (its DNS servers, its gateway subnets); null when it could not be read.</summary>
    public VirtualNetworkSnapshot? VirtualNetwork { get; init; }
}

/// <summary>The tag that marks a cluster's route tables: a table is managed only while it carries this value exactly.</summary>
/// <param name="Name">The tag name (compared case-insensitively, as Azure does).</param>
/// <param name="Value">The tag value (compared case-sensitively).</param>
public sealed record ManagedTag(string Name, string Value)
{
    /// <summary>The value <paramref name="table"/> carries under this tag's name, if any.</summary>
    public string? ValueOn(RouteTableSnapshot table) => table.Tags.FirstOrDefault(t => t.Key.Equals(Name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>True when <paramref name="table"/> carries this tag with this value exactly.</summary>
    public bool Marks(RouteTableSnapshot table) => string.Equals(ValueOn(table), Value, StringComparison.Ordinal);

    /// <inheritdoc />
    public override string ToString() => $"{Name}={Value}";
}

/// <summary>Everything discovered for a cluster: NVAs and their slots, managed route tables, public IPs.</summary>
/// <param name="Cluster">Cluster name.</param>
/// <param name="Nvas">NVAs in priority order.</param>
/// <param name="RouteTables">The tables carrying the cluster's tag exactly.</param>
/// <param name="PublicIps">The cluster's public IPs.</param>
/// <param name="Findings">What discovery found wrong.</param>
/// <param name="DiscoveredAt">When.</param>
/// <param name="IsComplete">False when a read failed (then parts are the last ones read, or missing); refreshed sooner.</param>
/// <param name="Host">The host's own subnet and route table, when HostSubnetId is set.</param>
public sealed record ClusterTopology(
    string Cluster,
    IReadOnlyList<NvaTopology> Nvas,
    IReadOnlyList<RouteTableSnapshot> RouteTables,
    IReadOnlyList<PublicIpSnapshot> PublicIps,
    IReadOnlyList<Finding> Findings,
    DateTimeOffset DiscoveredAt,
    bool IsComplete,
    HostNetwork? Host = null)
{
    private Dictionary<string, (NvaTopology Nva, NvaSlot Slot)>? _slotsByIp;
    private Dictionary<string, (NvaTopology Nva, NvaSlot Slot)>? _slotsByIpConfiguration;

    // A copy ('with') must not carry the lookup indexes: they point at the NVA records of the original.
    private ClusterTopology(ClusterTopology original)
    {
        Cluster = original.Cluster;
        Nvas = original.Nvas;
        RouteTables = original.RouteTables;
        PublicIps = original.PublicIps;
        Findings = original.Findings;
        DiscoveredAt = original.DiscoveredAt;
        IsComplete = original.IsComplete;
        Host = original.Host;
        Tag = original.Tag;
        PublicIpSlots = original.PublicIpSlots;
        ProbeRoutes = original.ProbeRoutes;
        SearchedSubscriptions = original.SearchedSubscriptions;
        ReadSince = original.ReadSince;
    }

    /// <summary>
    /// When the discovery that read it began: what Azure held from then on is in it, for what it read completely. The
    /// default (no discovery) is older than anything.
    /// </summary>
    public DateTimeOffset ReadSince { get; init; }

    /// <summary>The subscriptions RouteTables:SubscriptionIds names for the tag query; empty when every visible one is searched.</summary>
    public IReadOnlyList<string> SearchedSubscriptions { get; init; } = [];

    /// <summary>
    /// The forwarding probes' host routes, prefix to the NVA whose path each proves (<c>10.99.0.1/32</c> -> fw-a): a
    /// route to one of them is never moved, or the probe of one NVA would go through another.
    /// </summary>
    public IReadOnlyDictionary<string, string> ProbeRoutes { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The name of the NVA that has <paramref name="ip"/> as a slot; null when none has.</summary>
    public string? OwnerOf(string? ip) => TryFindSlotByIp(ip, out var nva, out _) ? nva.Name : null;

    /// <summary>True when <paramref name="route"/> is a forwarding probe's host route: never moved, never traffic left behind.</summary>
    public bool IsProbeRoute(RouteInfo route) => route.AddressPrefix is { } prefix && ProbeRoutes.ContainsKey(prefix);

    /// <summary>A WARN for each forwarding-probe host route found in a managed table: it stays where it points.</summary>
    public IEnumerable<Finding> ProbeRoutesInManagedTables() =>
        from table in RouteTables
        from route in table.Routes
        where IsProbeRoute(route)
        select new Finding(FindingSeverity.Warning, table.Id,
            $"route '{route.Name}' ({route.AddressPrefix}) is {ProbeRoutes[route.AddressPrefix!]}'s forwarding-probe path (its ForwardingProbeEndpoint) in a managed table, so failovers never move it: moved, it would test another NVA under {ProbeRoutes[route.AddressPrefix!]}'s name. Keep the probe routes in the host subnet's route table, which carries no cluster tag.");

    /// <summary>
    /// The interface slot each public IP was last seen on, by public IP id: what tells a detached public IP's slot (a
    /// move that was interrupted). Learned from what this process has read; empty after a restart.
    /// </summary>
    public IReadOnlyDictionary<string, int> PublicIpSlots { get; init; } = new Dictionary<string, int>(ArmId.Comparer);

    /// <summary>
    /// The slot of <paramref name="publicIp"/>: the one holding it, else the one it was last seen on, else slot 0 when every
    /// NVA has that one slot only (a one-armed appliance: nothing to guess); null when unknown.
    /// </summary>
    public int? SlotOf(PublicIpSnapshot publicIp) =>
        TryFindSlotByIpConfiguration(publicIp.IpConfigurationId, out _, out var slot) ? slot.Index
        : PublicIpSlots.TryGetValue(publicIp.Id, out var known) ? known
        : Nvas.Count > 0 && Nvas.All(n => n.Slots.Count == 1) ? 0
        : null;

    /// <summary>This topology, knowing also the public IP slots <paramref name="previous"/> knew or saw.</summary>
    public ClusterTopology Remembering(ClusterTopology? previous)
    {
        var slots = new Dictionary<string, int>(ArmId.Comparer);
        foreach (var source in previous is null ? new[] { this } : new[] { previous, this })
        {
            foreach (var (id, slot) in source.PublicIpSlots)
            {
                slots[id] = slot;
            }

            foreach (var pip in source.PublicIps)
            {
                if (source.TryFindSlotByIpConfiguration(pip.IpConfigurationId, out _, out var held))
                {
                    slots[pip.Id] = held.Index;
                }
            }
        }

        return this with { PublicIpSlots = slots };
    }

    /// <summary>The tag of the cluster's route tables; null when unknown (then every table given is managed).</summary>
    public ManagedTag? Tag { get; init; }

    /// <summary>True while <paramref name="table"/> belongs to the cluster: it carries the cluster's tag.</summary>
    public bool Manages(RouteTableSnapshot table) => Tag?.Marks(table) ?? true;

    /// <summary>A copy without a route table that left the cluster (deleted or untagged).</summary>
    public ClusterTopology Without(string routeTableId) =>
        this with { RouteTables = [.. RouteTables.Where(t => !ArmId.Comparer.Equals(t.Id, routeTableId))] };

    /// <summary>The NVA and slot a private IP belongs to; false for an IP of no NVA (or of two, which is a finding).</summary>
    public bool TryFindSlotByIp(string? ip, out NvaTopology nva, out NvaSlot slot) =>
        TryFind(_slotsByIp ??= Index(s => s.IpAddress, StringComparer.OrdinalIgnoreCase), ip, out nva, out slot);

    /// <summary>The NVA and slot an ipconfig id belongs to.</summary>
    public bool TryFindSlotByIpConfiguration(string? ipConfigurationId, out NvaTopology nva, out NvaSlot slot) =>
        TryFind(_slotsByIpConfiguration ??= Index(s => s.IpConfigurationId, ArmId.Comparer), ipConfigurationId, out nva, out slot);

    /// <summary>
    /// The active NVA: the one most managed routes and public IPs point at (the routes are the source of truth), except
    /// that <paramref name="preferred"/> (the NVA this watcher last moved traffic to) stays active while anything points
    /// at it: a failover that could write only part of its tables (a role missing in one spoke subscription) is
    /// finished by repairs toward its target, not decided again from the NVA it left. Ties go to priority order. Null
    /// when nothing points at any NVA of the cluster.
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
        return preferred is not null && votes.ContainsKey(preferred)
            ? preferred
            : Nvas.OrderBy(n => n.Priority).Select(n => n.Name).First(tied.Contains);
    }

    /// <summary>The NVAs whose interfaces could not be discovered (a VM or its NICs not found or unreadable).</summary>
    public IReadOnlyList<string> UndiscoveredNvas => [.. Nvas.Where(n => n.Slots.Count == 0).Select(n => n.Name)];

    /// <summary>
    /// Why the cluster cannot fail over, one line per NVA whose interfaces are unknown, each with its root cause (the
    /// ERROR findings of its VM): traffic can be moved neither to it nor, when it is the active one, away from it. Empty
    /// when every NVA is known.
    /// </summary>
    public IReadOnlyList<string> CannotFailOver() =>
    [
        .. Nvas.Where(n => n.Slots.Count == 0).Select(n =>
        {
            var causes = Findings.Where(f => f.Severity == FindingSeverity.Error && ArmId.Comparer.Equals(f.ResourceId, n.VirtualMachineId)).Select(f => f.Message).ToList();
            return $"the interfaces of NVA {n.Name} are unknown: {(causes.Count > 0 ? string.Join("; ", causes) : "its NICs could not be read, or it has none (see the ERROR findings for its NICs)")}";
        }),
    ];

    /// <summary>
    /// For a finding about a route or public IP that points at no known NVA: the root cause when some NVA could not be
    /// discovered (then the address may well be that NVA's), so the finding advises fixing that, not changing production.
    /// Null when every NVA is known.
    /// </summary>
    public string? UndiscoveredCause() => UndiscoveredNvas is { Count: > 0 } unknown
        ? $"NVA {string.Join(", ", unknown)} could not be discovered (see its ERROR finding), so this may well be its address: fix that first and run nvafo check again; change nothing here until then"
        : null;

    /// <summary>
    /// What does not point at <paramref name="target"/> yet: each managed route (a VirtualAppliance route to a slot of
    /// another NVA of the cluster) and each public IP on another NVA's interface, or on none; in words, one per item.
    /// </summary>
    public IReadOnlyList<string> NotOn(string target)
    {
        var left = new List<string>();
        foreach (var table in RouteTables)
        {
            foreach (var route in table.Routes.Where(r => r.IsVirtualAppliance))
            {
                if (TryFindSlotByIp(route.NextHopIpAddress, out var nva, out _) && !nva.Name.Equals(target, StringComparison.OrdinalIgnoreCase) && !IsProbeRoute(route))
                {
                    left.Add($"route '{route.Name}' of {ArmId.Name(table.Id)} points at {nva.Name} ({route.NextHopIpAddress})");
                }
            }
        }

        foreach (var pip in PublicIps)
        {
            var on = TryFindSlotByIpConfiguration(pip.IpConfigurationId, out var nva, out _) ? nva.Name : null;
            if (!string.Equals(on, target, StringComparison.OrdinalIgnoreCase))
            {
                left.Add($"public IP {ArmId.Name(pip.Id)} is on {on ?? pip.IpConfigurationId ?? "no interface"}");
            }
        }

        return left;
    }

    /// <summary>The NVA with this name.</summary>
    public NvaTopology? FindNva(string name) => Nvas.FirstOrDefault(n => n.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The NIC snapshot with this id, from any NVA.</summary>
    public NetworkInterfaceSnapshot? FindNetworkInterface(string id) =>
        Nvas.SelectMany(n => n.NetworkInterfaces).FirstOrDefault(n => ArmId.Comparer.Equals(n.Id, id));

    /// <summary>A copy with one route table replaced by a newer snapshot.</summary>
    public ClusterTopology With(RouteTableSnapshot table) =>
        this with { RouteTables = [.. RouteTables.Select(t => ArmId.Comparer.Equals(t.Id, table.Id) ? table : t)] };

    /// <summary>A copy with one NIC replaced by a newer snapshot (slots keep their meaning: IPs do not move).</summary>
    public ClusterTopology With(NetworkInterfaceSnapshot nic) => this with
    {
        Nvas = [.. Nvas.Select(n => n with { NetworkInterfaces = [.. n.NetworkInterfaces.Select(x => ArmId.Comparer.Equals(x.Id, nic.Id) ? nic : x)] })],
    };

    /// <summary>A copy with one public IP replaced by a newer snapshot.</summary>
    public ClusterTopology With(PublicIpSnapshot publicIp) =>
        this with { PublicIps = [.. PublicIps.Select(p => ArmId.Comparer.Equals(p.Id, publicIp.Id) ? publicIp : p)] };

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
