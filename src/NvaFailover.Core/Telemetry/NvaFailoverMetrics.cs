using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace NvaFailover.Telemetry;

/// <summary>
/// The <c>NvaFailover</c> meter and activity source. Instrument names are a contract with the dashboards in infra/.
/// Adapters record ARM throttling and conflicts here too.
/// </summary>
public sealed class NvaFailoverMetrics
{
    /// <summary>Meter and activity source name.</summary>
    public const string Name = "NvaFailover";

    /// <summary>The activity source: one span per round.</summary>
    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Histogram<double> _probeDuration;
    private readonly Histogram<double> _failoverDuration;
    private readonly Counter<long> _writes;
    private readonly Counter<long> _throttled;
    private readonly Counter<long> _conflicts;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>.</summary>
    public NvaFailoverMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(Name);
        _probeDuration = meter.CreateHistogram<double>("nvafailover.probe.duration", "s", "Time to probe one NVA, all attempts included");
        _failoverDuration = meter.CreateHistogram<double>("nvafailover.failover.duration", "s", "From detection of a failure to the last successful write");
        _writes = meter.CreateCounter<long>("nvafailover.arm.writes", "{write}", "Writes to Azure Resource Manager");
        _throttled = meter.CreateCounter<long>("nvafailover.arm.throttled", "{request}", "ARM requests answered 429");
        _conflicts = meter.CreateCounter<long>("nvafailover.arm.conflicts", "{request}", "ARM writes refused because the ETag changed (412)");
    }

    /// <summary>Records a probe round of one NVA; <paramref name="health"/> is the word the events use (up, down, unknown).</summary>
    public void ProbeCompleted(string cluster, string nva, string health, TimeSpan duration) =>
        _probeDuration.Record(duration.TotalSeconds, new("cluster", cluster), new("nva", nva), new("health", health));

    /// <summary>Records a completed failover.</summary>
    public void FailoverCompleted(string cluster, string reason, TimeSpan duration) =>
        _failoverDuration.Record(duration.TotalSeconds, new("cluster", cluster), new("reason", reason));

    /// <summary>Records a write and its outcome.</summary>
    public void Write(string resourceType, string outcome) =>
        _writes.Add(1, new("resource_type", resourceType), new("outcome", outcome));

    /// <summary>Records a throttled request.</summary>
    public void Throttled(string operation) => _throttled.Add(1, new KeyValuePair<string, object?>("operation", operation));

    /// <summary>Records an ETag conflict.</summary>
    public void Conflict(string resourceType) => _conflicts.Add(1, new KeyValuePair<string, object?>("resource_type", resourceType));
}
