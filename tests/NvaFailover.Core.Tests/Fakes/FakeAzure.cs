using System.Collections.Concurrent;
using NvaFailover.Ports;
using NvaFailover.Resources;

namespace NvaFailover.Tests.Fakes;

/// <summary>
/// An in-memory Azure behind the core's ports, with the rules that matter to a failover: writes are conditional on
/// the ETag (a stale one is a conflict), every write renews the ETag, a public IP cannot be attached while it is on
/// another ipconfig, and faults can be injected per resource. Every call is recorded.
/// </summary>
public sealed class FakeAzure : IComputeGateway, IRouteTableGateway, INetworkInterfaceGateway, IPublicIpGateway, IVirtualNetworkGateway, IEffectiveRouteGateway, IAccessGateway
{
    /// <summary>Effective routes by NIC id; a NIC absent (or null) is not attached to a running VM.</summary>
    public Dictionary<string, IReadOnlyList<EffectiveRoute>?> EffectiveRoutes { get; } = new(ArmId.Comparer);

    /// <summary>Route tables only a subscription listing sees (tables nobody tagged), besides <see cref="Tables"/>.</summary>
    public Dictionary<string, RouteTableSnapshot> UntaggedTables { get; } = new(ArmId.Comparer);

    private readonly object _lock = new();
    private long _etag;

    public Dictionary<string, FakeVm> Vms { get; } = new(ArmId.Comparer);
    public Dictionary<string, RouteTableSnapshot> Tables { get; } = new(ArmId.Comparer);
    public Dictionary<string, NetworkInterfaceSnapshot> Nics { get; } = new(ArmId.Comparer);
    public Dictionary<string, PublicIpSnapshot> PublicIps { get; } = new(ArmId.Comparer);
    public Dictionary<string, SubnetSnapshot> Subnets { get; } = new(ArmId.Comparer);
    public Dictionary<string, VirtualNetworkSnapshot> VirtualNetworks { get; } = new(ArmId.Comparer);

    /// <summary>The actions the identity lacks, by scope kind (none by default).</summary>
    public Dictionary<AccessScope, IReadOnlyList<string>> MissingActions { get; } = [];

    /// <summary>Calls in order: "GET routeTables rt-1", "PUT networkInterfaces a-nic0", "POWER vm-a" (one VM), "POWERS {subscription}" (all of them), "LIST tag".</summary>
    public ConcurrentQueue<string> Calls { get; } = new();

    /// <summary>Answers a write with this status instead of performing it (null: perform).</summary>
    public Func<string, WriteStatus?> WriteFault { get; set; } = _ => null;

    /// <summary>Runs before a write is checked; used to make an outside edit race the write.</summary>
    public Action<string> BeforeWrite { get; set; } = _ => { };

    /// <summary>Thrown by the tag query, when set.</summary>
    public GatewayException? TagQueryFault { get; set; }

    /// <summary>Thrown by reads of these ids.</summary>
    public Dictionary<string, GatewayException> ReadFaults { get; } = new(ArmId.Comparer);

    /// <summary>Thrown by the list of a subscription's power states (by subscription id), when set.</summary>
    public Dictionary<string, GatewayException> PowerListFaults { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Failures of reading a VM itself (discovery), apart from its power state (<see cref="ReadFaults"/>).</summary>
    public Dictionary<string, GatewayException> VmReadFaults { get; } = new(ArmId.Comparer);

    public int Writes => Calls.Count(c => c.StartsWith("PUT", StringComparison.Ordinal));

    public IEnumerable<string> WritesTo(string type) => Calls.Where(c => c.StartsWith($"PUT {type} ", StringComparison.Ordinal));

    public string NewETag() => $"W/\"{Interlocked.Increment(ref _etag)}\"";

    /// <summary>VMs per page of the subscription's power-state list (ARM pages it with nextLink).</summary>
    public int PowerListPageSize { get; set; } = 100;

    public Task<PowerStateList> GetPowerStatesAsync(string subscriptionId, CancellationToken cancellationToken = default)
    {
        Calls.Enqueue($"POWERS {subscriptionId}");
        if (PowerListFaults.TryGetValue(subscriptionId, out var fault))
        {
            throw fault;
        }

        lock (_lock)
        {
            var states = Vms
                .Where(v => string.Equals(ArmId.SubscriptionId(v.Key), subscriptionId, StringComparison.OrdinalIgnoreCase))
                .ToDictionary(v => v.Key, v => v.Value.Power, ArmId.Comparer);
            return Task.FromResult(new PowerStateList(states, Math.Max(1, (states.Count + PowerListPageSize - 1) / PowerListPageSize)));
        }
    }

    public Task<PowerState> GetPowerStateAsync(string virtualMachineId, CancellationToken cancellationToken = default)
    {
        Record("POWER", virtualMachineId);
        if (ReadFaults.TryGetValue(virtualMachineId, out var fault))
        {
            throw fault;
        }

        lock (_lock)
        {
            return Task.FromResult(Vms.TryGetValue(virtualMachineId, out var vm) ? vm.Power : PowerState.Missing);
        }
    }

    public Task<VirtualMachineInfo?> GetVirtualMachineAsync(string virtualMachineId, CancellationToken cancellationToken = default)
    {
        Record("GET virtualMachines", virtualMachineId);
        if (VmReadFaults.TryGetValue(virtualMachineId, out var fault))
        {
            throw fault;
        }

        lock (_lock)
        {
            return Task.FromResult(Vms.TryGetValue(virtualMachineId, out var vm) ? new VirtualMachineInfo(virtualMachineId, vm.Location, vm.NicIds) : null);
        }
    }

    public Task<IReadOnlyList<string>> FindTaggedAsync(IReadOnlyCollection<string> subscriptionIds, string tagName, string tagValue, CancellationToken cancellationToken = default)
    {
        Calls.Enqueue($"LIST {tagName}={tagValue}");
        if (TagQueryFault is { } fault)
        {
            throw fault;
        }

        lock (_lock)
        {
            // Like ARM, the tag filter ignores the case of the value; the core must check it.
            IReadOnlyList<string> ids = [.. Tables.Values
                .Where(t => subscriptionIds.Count == 0 || subscriptionIds.Contains(ArmId.SubscriptionId(t.Id)!, StringComparer.OrdinalIgnoreCase))
                .Where(t => t.Tags.Any(kv => kv.Key.Equals(tagName, StringComparison.OrdinalIgnoreCase) && kv.Value.Equals(tagValue, StringComparison.OrdinalIgnoreCase)))
                .Select(t => t.Id)];
            return Task.FromResult(ids);
        }
    }

    public Task<RouteTableSnapshot?> GetAsync(string routeTableId, CancellationToken cancellationToken = default) =>
        Read("routeTables", routeTableId, Tables);

    Task<NetworkInterfaceSnapshot?> INetworkInterfaceGateway.GetAsync(string networkInterfaceId, CancellationToken cancellationToken) =>
        Read("networkInterfaces", networkInterfaceId, Nics);

    Task<PublicIpSnapshot?> IPublicIpGateway.GetAsync(string publicIpId, CancellationToken cancellationToken) =>
        Task.FromResult(Read("publicIPAddresses", publicIpId, PublicIps).Result is { } pip ? AfterPublicIpRead(pip) : null);

    /// <summary>Rewrites what a public IP read answers (Azure answering something other than what was written).</summary>
    public Func<PublicIpSnapshot, PublicIpSnapshot> AfterPublicIpRead { get; set; } = pip => pip;

    public Task<IReadOnlyList<RouteTableSnapshot>> ListAsync(string subscriptionId, CancellationToken cancellationToken = default)
    {
        Calls.Enqueue($"LIST routeTables {subscriptionId}");
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<RouteTableSnapshot>>([.. Tables.Values.Concat(UntaggedTables.Values).Where(t => string.Equals(ArmId.SubscriptionId(t.Id), subscriptionId, StringComparison.OrdinalIgnoreCase))]);
        }
    }

    public Task<IReadOnlyList<EffectiveRoute>?> GetEffectiveRoutesAsync(string networkInterfaceId, CancellationToken cancellationToken = default)
    {
        Calls.Enqueue($"POST effectiveRouteTable {ArmId.Name(networkInterfaceId)}");
        return Task.FromResult(EffectiveRoutes.GetValueOrDefault(networkInterfaceId));
    }

    public Task<SubnetSnapshot?> GetSubnetAsync(string subnetId, CancellationToken cancellationToken = default) =>
        Read("subnets", subnetId, Subnets);

    public Task<VirtualNetworkSnapshot?> GetVirtualNetworkAsync(string virtualNetworkId, CancellationToken cancellationToken = default) =>
        Read("virtualNetworks", virtualNetworkId, VirtualNetworks);

    /// <summary>Resource providers' registration states by namespace; one not listed is Registered.</summary>
    public Dictionary<string, string> ProviderStates { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Task<string?> GetProviderRegistrationStateAsync(string subscriptionId, string providerNamespace, CancellationToken cancellationToken = default)
    {
        Calls.Enqueue($"GET providers {providerNamespace}");
        return Task.FromResult<string?>(ProviderStates.GetValueOrDefault(providerNamespace, "Registered"));
    }

    public Task<IReadOnlyList<string>> FindMissingActionsAsync(string scope, AccessScope kind, CancellationToken cancellationToken = default)
    {
        Calls.Enqueue($"ACCESS {kind} {scope}");
        return Task.FromResult(MissingActions.GetValueOrDefault(kind) ?? []);
    }

    public Task<WriteResult<RouteTableSnapshot>> SetNextHopsAsync(RouteTableSnapshot table, IReadOnlyDictionary<string, string> nextHopIpByRouteName, CancellationToken cancellationToken = default)
    {
        Record("PUT routeTables", table.Id);
        BeforeWrite(table.Id);
        lock (_lock)
        {
            if (Check(table.Id, table.ETag, Tables) is { } failure)
            {
                return Task.FromResult(WriteResult.Failure<RouteTableSnapshot>(failure, failure.ToString(), $"injected {failure}"));
            }

            var current = Tables[table.Id];
            var updated = current with
            {
                ETag = NewETag(),
                Routes = [.. current.Routes.Select(r => nextHopIpByRouteName.TryGetValue(r.Name, out var ip) ? r with { NextHopIpAddress = ip } : r)],
            };
            Tables[table.Id] = updated;
            return Task.FromResult(WriteResult.Success(updated));
        }
    }

    public Task<WriteResult<NetworkInterfaceSnapshot>> SetPublicIpAddressesAsync(NetworkInterfaceSnapshot networkInterface, IReadOnlyDictionary<string, string?> publicIpIdByIpConfigurationName, CancellationToken cancellationToken = default)
    {
        Record("PUT networkInterfaces", networkInterface.Id);
        BeforeWrite(networkInterface.Id);
        lock (_lock)
        {
            if (Check(networkInterface.Id, networkInterface.ETag, Nics) is { } failure)
            {
                return Task.FromResult(WriteResult.Failure<NetworkInterfaceSnapshot>(failure, failure.ToString(), $"injected {failure}"));
            }

            var current = Nics[networkInterface.Id];
            foreach (var (config, pip) in publicIpIdByIpConfigurationName)
            {
                var holder = pip is null ? null : PublicIps[pip].IpConfigurationId;
                if (holder is not null && !ArmId.Comparer.Equals(holder, ArmId.IpConfigurationId(current.Id, config)))
                {
                    return Task.FromResult(WriteResult.Failure<NetworkInterfaceSnapshot>(WriteStatus.Failed, "PublicIPAddressInUse", $"Public IP address {pip} is in use by {holder}."));
                }
            }

            var configs = current.IpConfigurations.Select(c =>
            {
                if (!publicIpIdByIpConfigurationName.TryGetValue(c.Name, out var pip))
                {
                    return c;
                }

                if (c.PublicIpAddressId is { } old && PublicIps.TryGetValue(old, out var detached))
                {
                    PublicIps[old] = detached with { IpConfigurationId = null };
                }

                if (pip is not null)
                {
                    PublicIps[pip] = PublicIps[pip] with { IpConfigurationId = ArmId.IpConfigurationId(current.Id, c.Name) };
                }

                return c with { PublicIpAddressId = pip };
            }).ToList();
            var updated = current with { ETag = NewETag(), IpConfigurations = configs };
            Nics[current.Id] = updated;
            return Task.FromResult(WriteResult.Success(updated));
        }
    }

    /// <summary>An outside edit of one route's next hop (a person in the portal), with a new ETag.</summary>
    public void EditRoute(string tableId, string routeName, string nextHopIp)
    {
        lock (_lock)
        {
            var table = Tables[tableId];
            Tables[tableId] = table with
            {
                ETag = NewETag(),
                Routes = [.. table.Routes.Select(r => r.Name == routeName ? r with { NextHopIpAddress = nextHopIp } : r)],
            };
        }
    }

    /// <summary>Moves a public IP behind everyone's back (a write that landed after its failover was superseded), renewing the NICs' ETags.</summary>
    public void MovePublicIp(string pipId, string toIpConfigurationId)
    {
        lock (_lock)
        {
            foreach (var (id, nic) in Nics.ToList())
            {
                var configs = nic.IpConfigurations.Select(c =>
                {
                    var here = ArmId.Comparer.Equals(ArmId.IpConfigurationId(id, c.Name), toIpConfigurationId);
                    return here ? c with { PublicIpAddressId = pipId } : ArmId.Comparer.Equals(c.PublicIpAddressId, pipId) ? c with { PublicIpAddressId = null } : c;
                }).ToList();
                if (!configs.SequenceEqual(nic.IpConfigurations))
                {
                    Nics[id] = nic with { ETag = NewETag(), IpConfigurations = configs };
                }
            }

            PublicIps[pipId] = PublicIps[pipId] with { IpConfigurationId = toIpConfigurationId };
        }
    }

    public void SetPower(string vmId, PowerState state)
    {
        lock (_lock)
        {
            Vms[vmId].Power = state;
        }
    }

    public string NextHop(string tableId, string routeName)
    {
        lock (_lock)
        {
            return Tables[tableId].Routes.Single(r => r.Name == routeName).NextHopIpAddress!;
        }
    }

    public string? PublicIpHolder(string pipId)
    {
        lock (_lock)
        {
            return PublicIps[pipId].IpConfigurationId;
        }
    }

    private WriteStatus? Check<T>(string id, string etag, Dictionary<string, T> store)
        where T : class
    {
        if (WriteFault(id) is { } fault)
        {
            return fault;
        }

        if (!store.TryGetValue(id, out var current))
        {
            return WriteStatus.NotFound;
        }

        var currentETag = current switch
        {
            RouteTableSnapshot t => t.ETag,
            NetworkInterfaceSnapshot n => n.ETag,
            _ => throw new InvalidOperationException(),
        };
        return currentETag == etag ? null : WriteStatus.Conflict;
    }

    private Task<T?> Read<T>(string type, string id, Dictionary<string, T> store)
        where T : class
    {
        Record($"GET {type}", id);
        if (ReadFaults.TryGetValue(id, out var fault))
        {
            throw fault;
        }

        lock (_lock)
        {
            return Task.FromResult(store.GetValueOrDefault(id));
        }
    }

    private void Record(string operation, string id) => Calls.Enqueue($"{operation} {ArmId.Name(id)}");
}

public sealed class FakeVm(string location, IReadOnlyList<string> nicIds, PowerState power = PowerState.Running)
{
    public string Location { get; } = location;
    public IReadOnlyList<string> NicIds { get; } = nicIds;
    public PowerState Power { get; set; } = power;
}
