namespace NvaFailover.Ports;

/// <summary>Reads appliance VMs. Implemented over ARM by the Azure adapters.</summary>
public interface IComputeGateway
{
    /// <summary>The VM's power state from its instance view; <see cref="PowerState.Missing"/> when the VM does not exist.</summary>
    /// <exception cref="GatewayException">The read failed (throttled, forbidden, service error).</exception>
    Task<PowerState> GetPowerStateAsync(string virtualMachineId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The power state of every VM in the subscription, in one read (ARM's List All with <c>statusOnly=true</c>, page by
    /// page), keyed by VM id (case-insensitive). A VM not in it does not exist.
    /// </summary>
    /// <exception cref="GatewayException">The read failed; <see cref="GatewayFailure.Forbidden"/> when the identity may not list the subscription's VMs.</exception>
    Task<PowerStateList> GetPowerStatesAsync(string subscriptionId, CancellationToken cancellationToken = default);

    /// <summary>The VM's location and NICs (primary first, then the VM's order); null when the VM does not exist.</summary>
    /// <exception cref="GatewayException">The read failed.</exception>
    Task<VirtualMachineInfo?> GetVirtualMachineAsync(string virtualMachineId, CancellationToken cancellationToken = default);
}

/// <summary>The power state of every VM in a subscription, and what reading it cost.</summary>
/// <param name="States">By VM id (case-insensitive).</param>
/// <param name="Pages">The requests the list took (one per page): each is one read of the subscription's budget.</param>
public sealed record PowerStateList(IReadOnlyDictionary<string, PowerState> States, int Pages);

/// <summary>A VM's power state (<c>PowerState/...</c> codes of the instance view).</summary>
public enum PowerState
{
    /// <summary>The state could not be told.</summary>
    Unknown,
    /// <summary><c>PowerState/running</c>: the only state that counts as up.</summary>
    Running,
    /// <summary><c>PowerState/starting</c>.</summary>
    Starting,
    /// <summary><c>PowerState/stopping</c>.</summary>
    Stopping,
    /// <summary><c>PowerState/stopped</c>.</summary>
    Stopped,
    /// <summary><c>PowerState/deallocating</c>.</summary>
    Deallocating,
    /// <summary><c>PowerState/deallocated</c>.</summary>
    Deallocated,
    /// <summary>The VM does not exist.</summary>
    Missing,
}

/// <summary>What the core needs of a VM.</summary>
/// <param name="Id">ARM id.</param>
/// <param name="Location">Azure region.</param>
/// <param name="NetworkInterfaceIds">NIC ids, primary first, then the VM's order.</param>
public sealed record VirtualMachineInfo(string Id, string Location, IReadOnlyList<string> NetworkInterfaceIds);
