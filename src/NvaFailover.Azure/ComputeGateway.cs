using Azure;
using Azure.Core;
using Azure.ResourceManager;
using Azure.ResourceManager.Compute;
using NvaFailover.Ports;

namespace NvaFailover.Azure;

/// <summary>VM power state and NICs through Azure.ResourceManager.Compute.</summary>
internal sealed class ComputeGateway(ArmClient arm) : IComputeGateway
{
    public async Task<PowerState> GetPowerStateAsync(string virtualMachineId, CancellationToken cancellationToken = default)
    {
        try
        {
            var view = await arm.GetVirtualMachineResource(new ResourceIdentifier(virtualMachineId)).InstanceViewAsync(cancellationToken);
            var code = view.Value.Statuses.Select(s => s.Code).FirstOrDefault(c => c?.StartsWith("PowerState/", StringComparison.OrdinalIgnoreCase) == true);
            return code?["PowerState/".Length..].ToLowerInvariant() switch
            {
                "running" => PowerState.Running,
                "starting" => PowerState.Starting,
                "stopping" => PowerState.Stopping,
                "stopped" => PowerState.Stopped,
                "deallocating" => PowerState.Deallocating,
                "deallocated" => PowerState.Deallocated,
                _ => PowerState.Unknown,
            };
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return PowerState.Missing;
        }
        catch (RequestFailedException ex)
        {
            throw Translate(ex, virtualMachineId);
        }
    }

    public async Task<VirtualMachineInfo?> GetVirtualMachineAsync(string virtualMachineId, CancellationToken cancellationToken = default)
    {
        try
        {
            var vm = await arm.GetVirtualMachineResource(new ResourceIdentifier(virtualMachineId)).GetAsync(cancellationToken: cancellationToken);
            var nics = vm.Value.Data.NetworkProfile?.NetworkInterfaces ?? [];
            var ordered = nics.Select((n, i) => (n, i)).OrderByDescending(x => x.n.Primary == true).ThenBy(x => x.i).Select(x => x.n.Id.ToString()).ToList();
            return new VirtualMachineInfo(vm.Value.Data.Id.ToString(), vm.Value.Data.Location.Name, ordered);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
        catch (RequestFailedException ex)
        {
            throw Translate(ex, virtualMachineId);
        }
    }

    private static GatewayException Translate(RequestFailedException ex, string id) =>
        new(ex.Status switch { 429 => GatewayFailure.Throttled, 401 or 403 => GatewayFailure.Forbidden, _ => GatewayFailure.Failed },
            id, ex.ErrorCode, $"ARM answered HTTP {ex.Status}: {FirstLine(ex.Message)}", ex);

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
