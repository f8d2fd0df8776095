using System.Text.Json.Nodes;

namespace NvaFailover.Emulator.Arm;

/// <summary>A long-running operation: it is InProgress until <see cref="CompletesAt"/>, then Succeeded or Failed.</summary>
/// <param name="Id">Operation id.</param>
/// <param name="ResourceId">The resource it changes.</param>
/// <param name="Provider"><c>Microsoft.Network</c> or <c>Microsoft.Compute</c>.</param>
/// <param name="Location">Region of the resource.</param>
/// <param name="CompletesAt">Scenario time it ends.</param>
/// <param name="Failure">Set when it ends Failed.</param>
/// <param name="OnSucceeded">What a VM power action does when it ends.</param>
internal sealed record Operation(string Id, string ResourceId, string Provider, string Location, DateTimeOffset CompletesAt, ArmError? Failure, Action? OnSucceeded)
{
    /// <summary>For an action that answers with a result (final-state-via location): the result, computed when it is fetched.</summary>
    public Func<JsonObject>? Result { get; init; }

    public string ApiVersion => Provider == "Microsoft.Compute" ? "2024-11-01" : "2024-07-01";

    /// <summary>The operation's status URL on the ARM endpoint <paramref name="baseUri"/> (the Azure-AsyncOperation header).</summary>
    public string StatusUrl(string baseUri) =>
        $"{baseUri.TrimEnd('/')}/subscriptions/{ResourceId.Split('/')[2]}/providers/{Provider}/locations/{Location}/operations/{Id}?api-version={ApiVersion}";
}

/// <summary>The operations in flight, by id. Not thread-safe: the store calls it under its lock.</summary>
internal sealed class LongRunningOperations(TimeProvider time)
{
    private readonly Dictionary<string, Operation> _operations = new(StringComparer.OrdinalIgnoreCase);

    public Operation this[string id] => _operations[id];

    /// <summary>Starts an operation on <paramref name="resource"/> that lasts <paramref name="latency"/>.</summary>
    public Operation Start(ArmResource resource, string provider, string location, TimeSpan latency, ArmError? failWith, Action? onSucceeded = null)
    {
        var operation = new Operation(Guid.NewGuid().ToString(), resource.Id, provider, location, time.GetUtcNow() + latency, failWith, onSucceeded);
        _operations[operation.Id] = operation;
        resource.PendingOperation = operation.Id;
        return operation;
    }

    /// <summary>Starts an operation that reads (an action's result), which leaves the resource free for writes.</summary>
    public Operation StartRead(ArmResource resource, string provider, string location, TimeSpan latency, Func<JsonObject> result)
    {
        var operation = new Operation(Guid.NewGuid().ToString(), resource.Id, provider, location, time.GetUtcNow() + latency, null, null) { Result = result };
        _operations[operation.Id] = operation;
        return operation;
    }

    /// <summary>The result of a finished operation that has one; null otherwise.</summary>
    public JsonObject? ResultOf(string operationId) =>
        _operations.TryGetValue(operationId, out var op) && op.Result is { } result && op.CompletesAt <= time.GetUtcNow() ? result() : null;

    /// <summary>InProgress (with the time left), Succeeded, or Failed with its error.</summary>
    public (string Status, ArmError? Error, TimeSpan Remaining) Status(string operationId)
    {
        if (!_operations.TryGetValue(operationId, out var op))
        {
            throw new ArmError(System.Net.HttpStatusCode.NotFound, "OperationNotFound", $"The operation '{operationId}' was not found.");
        }

        var remaining = op.CompletesAt - time.GetUtcNow();
        return remaining > TimeSpan.Zero ? ("InProgress", null, remaining) : (op.Failure is null ? "Succeeded" : "Failed", op.Failure, TimeSpan.Zero);
    }

    /// <summary>The operations whose time has passed and that <paramref name="isPending"/> still, in the order they end.</summary>
    public IReadOnlyList<Operation> Due(Func<Operation, bool> isPending)
    {
        var now = time.GetUtcNow();
        return [.. _operations.Values.Where(o => o.CompletesAt <= now && isPending(o)).OrderBy(o => o.CompletesAt)];
    }

    public void Clear() => _operations.Clear();
}
