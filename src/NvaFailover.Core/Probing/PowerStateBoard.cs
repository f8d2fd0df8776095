using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using NvaFailover.Ports;
using NvaFailover.Resources;
using NvaFailover.Telemetry;

namespace NvaFailover.Probing;

/// <summary>
/// VMs' power states from one read per subscription. A probe attempt takes the answer of the subscription's read that
/// started at most <see cref="Sharing"/> before it (running or done), else starts one, so the rounds of a hundred
/// clusters cost one request per subscription and round, not one per VM (ARM refills 25 reads a second per subscription).
/// Where the list cannot be used (the identity may not list the subscription's VMs: a role older than this one), that
/// subscription's VMs are read one by one, and the log says so once, with what to grant.
/// </summary>
internal sealed class PowerStateBoard(IComputeGateway compute, TimeProvider time, ILogger<PowerStateBoard> logger)
{
    /// <summary>
    /// How much older than an attempt a read it takes may be: less than Probe:Delay's default (2 s), so each attempt of a
    /// failing NVA sees a read of its own.
    /// </summary>
    public static readonly TimeSpan Sharing = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Listing> _latest = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, bool> _oneByOne = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, int> _pages = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>True once the subscription's VMs are read one by one (the list was refused).</summary>
    public bool IsOneByOne(string subscription) => _oneByOne.ContainsKey(subscription);

    /// <summary>The requests the subscription's last list took (its pages); 1 before one is known.</summary>
    public int Pages(string subscription) => _pages.GetValueOrDefault(subscription, 1);

    /// <summary>The VM's power state: <see cref="PowerState.Missing"/> when its subscription has no such VM.</summary>
    /// <exception cref="GatewayException">The read failed.</exception>
    public async Task<PowerState> GetAsync(string virtualMachineId, CancellationToken cancellationToken)
    {
        if (ArmId.SubscriptionId(virtualMachineId) is not { } subscription || _oneByOne.ContainsKey(subscription))
        {
            return await compute.GetPowerStateAsync(virtualMachineId, cancellationToken);
        }

        IReadOnlyDictionary<string, PowerState> states;
        try
        {
            // The read is shared, so no one attempt's cancellation stops it; the attempt stops waiting for it.
            states = (await Current(subscription).Read.Value.WaitAsync(cancellationToken)).States;
        }
        catch (GatewayException ex) when (ex.Failure == GatewayFailure.Forbidden)
        {
            if (_oneByOne.TryAdd(subscription, true))
            {
                Log.PowerStatesOneByOne(logger, subscription, ex.Message);
            }

            return await compute.GetPowerStateAsync(virtualMachineId, cancellationToken);
        }

        return states.TryGetValue(virtualMachineId, out var state) ? state : PowerState.Missing;
    }

    private Listing Current(string subscription)
    {
        while (true)
        {
            var now = time.GetUtcNow();
            var latest = _latest.GetValueOrDefault(subscription);
            if (latest is not null && now - latest.StartedAt <= Sharing)
            {
                return latest;
            }

            var fresh = new Listing(now, new Lazy<Task<PowerStateList>>(() => ListAsync(subscription)));
            if (latest is null ? _latest.TryAdd(subscription, fresh) : _latest.TryUpdate(subscription, fresh, latest))
            {
                return fresh;
            }
        }
    }

    /// <summary>One list of the subscription's power states, its pages noted once it is read.</summary>
    private async Task<PowerStateList> ListAsync(string subscription)
    {
        var list = await compute.GetPowerStatesAsync(subscription, CancellationToken.None);
        _pages[subscription] = list.Pages;
        return list;
    }

    private sealed record Listing(DateTimeOffset StartedAt, Lazy<Task<PowerStateList>> Read);
}
