using Azure;
using Azure.Core;
using Azure.ResourceManager;
using Azure.ResourceManager.Compute;
using Azure.ResourceManager.Compute.Models;
using NvaFailover.Ports;

namespace NvaFailover.Azure;

/// <summary>VM power state and NICs through Azure.ResourceManager.Compute, each request through <see cref="ArmResilience"/>.</summary>
internal sealed class ComputeGateway(ArmClient arm, ArmResilience resilience, AzureConnection connection) : IComputeGateway
{
    public async Task<PowerState> GetPowerStateAsync(string virtualMachineId, CancellationToken cancellationToken = default)
    {
        try
        {
            // A probe: urgent, it may spend the budget's reserve and does not queue behind writes' polls.
            var view = await resilience.ExecuteAsync(virtualMachineId, write: false, urgent: true,
                ct => arm.GetVirtualMachineResource(new ResourceIdentifier(virtualMachineId)).InstanceViewAsync(ct), cancellationToken);
            return PowerStateOf(view.Value.Statuses);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return PowerState.Missing;
        }
        catch (Exception ex) when (ex is RequestFailedException or ArmAttemptTimeoutException)
        {
            throw Translate(ex, virtualMachineId);
        }
    }

    public async Task<PowerStateList> GetPowerStatesAsync(string subscriptionId, CancellationToken cancellationToken = default)
    {
        var scope = $"/subscriptions/{subscriptionId}";
        var states = new Dictionary<string, PowerState>(StringComparer.OrdinalIgnoreCase);
        var subscription = arm.GetSubscriptionResource(new ResourceIdentifier(scope));
        string? next = null;
        var pages = 0;
        try
        {
            do
            {
                pages++;
                // One page per request through the budget and retries (a probe: urgent); ARM's nextLink is the continuation.
                var continuation = next;
                var page = await resilience.ExecuteAsync(scope, write: false, urgent: true, async ct =>
                {
                    await foreach (var first in subscription.GetVirtualMachinesAsync(statusOnly: "true", cancellationToken: ct).AsPages(continuation).WithCancellation(ct))
                    {
                        return first;
                    }

                    return null;
                }, cancellationToken);
                foreach (var vm in page?.Values ?? [])
                {
                    states[vm.Id.ToString()] = PowerStateOf(vm.Data.InstanceView?.Statuses ?? []);
                }

                next = page?.ContinuationToken;
            }
            while (!string.IsNullOrEmpty(next));
        }
        catch (Exception ex) when (ex is RequestFailedException or ArmAttemptTimeoutException)
        {
            throw Translate(ex, scope);
        }

        return new PowerStateList(states, pages);
    }

    /// <summary>The state of the <c>PowerState/...</c> status; Unknown when there is none.</summary>
    private static PowerState PowerStateOf(IEnumerable<InstanceViewStatus> statuses) =>
        statuses.Select(s => s.Code).FirstOrDefault(c => c?.StartsWith("PowerState/", StringComparison.OrdinalIgnoreCase) == true)?["PowerState/".Length..].ToLowerInvariant() switch
        {
            "running" => PowerState.Running,
            "starting" => PowerState.Starting,
            "stopping" => PowerState.Stopping,
            "stopped" => PowerState.Stopped,
            "deallocating" => PowerState.Deallocating,
            "deallocated" => PowerState.Deallocated,
            _ => PowerState.Unknown,
        };

    public async Task<VirtualMachineInfo?> GetVirtualMachineAsync(string virtualMachineId, CancellationToken cancellationToken = default)
    {
        try
        {
            var vm = await resilience.ExecuteAsync(virtualMachineId, write: false, urgent: false,
                ct => arm.GetVirtualMachineResource(new ResourceIdentifier(virtualMachineId)).GetAsync(cancellationToken: ct), cancellationToken);
            var nics = vm.Value.Data.NetworkProfile?.NetworkInterfaces ?? [];
            var ordered = nics.Select((n, i) => (n, i)).OrderByDescending(x => x.n.Primary == true).ThenBy(x => x.i).Select(x => x.n.Id.ToString()).ToList();
            return new VirtualMachineInfo(vm.Value.Data.Id.ToString(), vm.Value.Data.Location.Name, ordered);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
        catch (Exception ex) when (ex is RequestFailedException or ArmAttemptTimeoutException)
        {
            throw Translate(ex, virtualMachineId);
        }
    }

    private GatewayException Translate(Exception ex, string id) => ex switch
    {
        RequestFailedException failed => new(failed.Status switch { 0 => GatewayFailure.Unreachable, 429 => GatewayFailure.Throttled, 401 or 403 => GatewayFailure.Forbidden, _ => GatewayFailure.Failed },
            id, failed.ErrorCode, connection.DescribeFailure(failed), failed),
        _ => new(GatewayFailure.Failed, id, "RequestTimedOut", ex.Message, ex),
    };
}
