using NvaFailover.Ports;

namespace NvaFailover.Tests.Fakes;

/// <summary>
/// A witness for the runner's rules (who writes, what is recorded): a holder per cluster and the record under it. Blob
/// Storage's own lease behaviour (lapses, conditional writes) is tested against Azurite in the Azure adapter's tests.
/// </summary>
public sealed class FakeWitness : IWitness
{
    public const string Me = "this watcher";

    /// <summary>Who holds each cluster's lease (absent: nobody).</summary>
    public Dictionary<string, string> Holders { get; } = new(StringComparer.Ordinal);

    /// <summary>The record stored per cluster.</summary>
    public Dictionary<string, FlightRecord> Records { get; } = new(StringComparer.Ordinal);

    /// <summary>Every record written, in order.</summary>
    public List<FlightRecord> Written { get; } = [];

    /// <summary>Thrown by every call when set (storage unreachable).</summary>
    public GatewayException? Fault { get; set; }

    /// <summary>Thrown by record writes only, when set.</summary>
    public GatewayException? WriteFault { get; set; }

    /// <summary>
    /// When set, each lease call answers after this long on this clock, as Blob Storage's answer comes later: the round goes
    /// on meanwhile (a test clock runs it deterministically).
    /// </summary>
    public (TimeProvider Clock, TimeSpan Delay)? Latency { get; set; }

    public async Task<bool> AcquireOrRenewAsync(string cluster, TimeSpan duration, CancellationToken cancellationToken)
    {
        if (Latency is var (clock, delay))
        {
            await Task.Delay(delay, clock, cancellationToken);
        }

        Throw();
        lock (Holders)
        {
            if (Holders.TryGetValue(cluster, out var holder) && holder != Me)
            {
                return false;
            }

            Holders[cluster] = Me;
            return true;
        }
    }

    public Task<FlightRecord?> ReadAsync(string cluster, CancellationToken cancellationToken)
    {
        Throw();
        lock (Holders)
        {
            return Task.FromResult(Records.GetValueOrDefault(cluster));
        }
    }

    public Task WriteAsync(FlightRecord record, CancellationToken cancellationToken)
    {
        Throw();
        if (WriteFault is { } refused)
        {
            throw refused;
        }

        lock (Holders)
        {
            if (Holders.GetValueOrDefault(record.Cluster) != Me)
            {
                throw new GatewayException(GatewayFailure.Failed, record.Cluster, "LeaseIdMismatchWithBlobOperation", "this watcher no longer holds the cluster's lease");
            }

            Records[record.Cluster] = record;
            Written.Add(record);
        }

        return Task.CompletedTask;
    }

    public Task ReleaseAsync(string cluster, CancellationToken cancellationToken)
    {
        lock (Holders)
        {
            Holders.Remove(cluster);
        }

        return Task.CompletedTask;
    }

    private void Throw()
    {
        if (Fault is { } fault)
        {
            throw fault;
        }
    }
}
