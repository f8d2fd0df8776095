using Microsoft.Extensions.Logging;
using NvaFailover.Ports;
using NvaFailover.Telemetry;

namespace NvaFailover.Execution;

/// <summary>A write one resource needs now: what to send to the snapshot it was planned on, and how much it changes.</summary>
internal sealed record PendingWrite<T>(Func<T, CancellationToken, Task<WriteResult<T>>> Send, int Changes)
    where T : class;

/// <summary>How one resource is written conditionally (route table, NIC, and whatever kind comes next).</summary>
/// <param name="ResourceType">The ARM type, for outcomes and metrics (routeTables, networkInterfaces).</param>
/// <param name="Id">The resource.</param>
/// <param name="Plan">What to write to a snapshot of it; null when that snapshot is already as wanted.</param>
/// <param name="Read">Reads it again after a conflict; null when it is gone.</param>
/// <param name="Left">
/// The outcome when the resource is no longer this failover's to write (given null when it was deleted); null while it
/// still is. The one place a re-plan asks "is it still managed?".
/// </param>
internal sealed record ConditionalWrite<T>(
    string ResourceType,
    string Id,
    Func<T, PendingWrite<T>?> Plan,
    Func<CancellationToken, Task<T?>> Read,
    Func<T?, int, WriteOutcome?> Left)
    where T : class;

/// <summary>How a conditional write ended: its outcome, and on success what Azure now holds and how much the write changed.</summary>
internal sealed record WriteDone<T>(WriteOutcome Outcome, T? Resource, int Changes)
    where T : class;

/// <summary>
/// The one conditional-write loop: write against the snapshot's ETag; on a conflict re-read, ask whether the resource is
/// still managed, re-plan and write again, a bounded number of times (ConflictRetries). Every write is counted in the
/// metrics and every conflict logged, whatever the resource.
/// </summary>
internal sealed class ConditionalWriter(ExecutionSettings settings, NvaFailoverMetrics metrics, ILogger logger)
{
    private const string NotSent = "SupersededBeforeSending";

    public async Task<WriteDone<T>> WriteAsync<T>(ExecutionRun run, ConditionalWrite<T> resource, T first)
        where T : class
    {
        var current = first;
        var writes = 0;
        for (var attempt = 0; ; attempt++)
        {
            if (resource.Plan(current) is not { } pending)
            {
                return new(Outcome(resource, WriteStatus.Succeeded, writes), current, 0);
            }

            var snapshot = current;
            var result = await SendAsync(run, ct => pending.Send(snapshot, ct));
            writes += result.ErrorCode == NotSent ? 0 : 1;
            metrics.Write(resource.ResourceType, result.Status.ToString());
            if (result.Status == WriteStatus.Succeeded)
            {
                return new(Outcome(resource, WriteStatus.Succeeded, writes), result.Resource ?? current, pending.Changes);
            }

            if (result.Status == WriteStatus.NotFound && resource.Left(null, writes) is { } deleted)
            {
                return new(deleted, null, 0);
            }

            if (result.Status != WriteStatus.Conflict || attempt >= settings.ConflictRetries)
            {
                return new(Outcome(resource, result.Status, writes) with { ErrorCode = result.ErrorCode, ErrorMessage = result.ErrorMessage }, null, 0);
            }

            metrics.Conflict(resource.ResourceType);
            Log.WriteConflict(logger, run.Topology.Cluster, resource.Id, attempt + 1);
            var fresh = await ReadAsync(run, resource.Read);
            if (fresh.Failure is { } failure)
            {
                return new(failure with { ResourceId = resource.Id, ResourceType = resource.ResourceType, Writes = writes }, null, 0);
            }

            if (resource.Left(fresh.Value, writes) is { } left)
            {
                return new(left, null, 0);
            }

            current = fresh.Value!;
        }
    }

    /// <summary>A read during execution: its value, or the outcome that ends the resource's writes.</summary>
    public static async Task<(T? Value, WriteOutcome? Failure)> ReadAsync<T>(ExecutionRun run, Func<CancellationToken, Task<T?>> read)
        where T : class
    {
        try
        {
            return (await read(run.Token), null);
        }
        catch (OperationCanceledException) when (run.Token.IsCancellationRequested)
        {
            return (null, new WriteOutcome("", "", WriteStatus.Canceled, 0, "Superseded", "a newer decision superseded this failover before the resource was re-read"));
        }
        catch (GatewayException ex)
        {
            return (null, new WriteOutcome("", "", ex.Failure == GatewayFailure.Throttled ? WriteStatus.Throttled : WriteStatus.Failed, 0, ex.ErrorCode, $"re-reading it failed: {ex.Message}"));
        }
    }

    private static WriteOutcome Outcome<T>(ConditionalWrite<T> resource, WriteStatus status, int writes)
        where T : class => new(resource.Id, resource.ResourceType, status, writes);

    private static async Task<WriteResult<T>> SendAsync<T>(ExecutionRun run, Func<CancellationToken, Task<WriteResult<T>>> write)
        where T : class
    {
        if (run.Token.IsCancellationRequested)
        {
            return WriteResult.Failure<T>(WriteStatus.Canceled, NotSent, "a newer decision superseded this failover before this write was sent");
        }

        try
        {
            return await write(run.Token);
        }
        catch (OperationCanceledException) when (run.Token.IsCancellationRequested)
        {
            return WriteResult.Failure<T>(WriteStatus.Canceled, "Superseded", "a newer decision superseded this failover; whether Azure applied this write is known when it is read again");
        }
        catch (GatewayException ex)
        {
            // An adapter reports write failures as results; a thrown one (a failed re-read, say) is a failure too.
            return new WriteResult<T>(ex.Failure == GatewayFailure.Throttled ? WriteStatus.Throttled : WriteStatus.Failed, null, ex.ErrorCode, ex.Message);
        }
    }
}
