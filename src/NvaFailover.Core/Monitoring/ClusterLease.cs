using Microsoft.Extensions.Logging;
using NvaFailover.Ports;
using NvaFailover.Telemetry;
using NvaFailover.Topology;

namespace NvaFailover.Monitoring;

/// <summary>
/// A cluster's right to write, held in the witness (none configured: always, as one watcher). A round takes or renews the
/// lease beside its probes, so probing never waits for storage. A leader renews once a third of the lease has passed, and
/// stops writing a sixth of the lease before it could lapse (renewals failing, storage unreachable): its running writes
/// are stopped then, as a superseded failover's are, and ETag If-Match stays the last guard against a write already sent.
/// A watcher that takes the lease reads the flight record: the public IP slots it names are known from then on (a
/// detached public IP goes back to its own slot, never a guessed one), and an open failover is said and finished.
/// </summary>
internal sealed class ClusterLease : IDisposable
{
    private readonly string _cluster;
    private readonly IWitness? _witness;
    private readonly TimeSpan _duration;
    private readonly TopologyCache _topologies;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly ITimer _lapseTimer;
    private CancellationTokenSource _lapse = new();
    private DateTimeOffset _validUntil;
    private bool _held;
    private bool? _said;
    private string? _unreachableSaid;

    public ClusterLease(string cluster, IWitness? witness, TimeSpan duration, TopologyCache topologies, TimeProvider time, ILogger logger)
    {
        (_cluster, _witness, _duration, _topologies, _time, _logger) = (cluster, witness, duration, topologies, time, logger);
        _lapseTimer = time.CreateTimer(_ => Lapsed(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>How long before the lease could lapse the leader stops writing.</summary>
    public TimeSpan Margin => _duration / 6;

    /// <summary>True when a witness decides who writes.</summary>
    public bool Witnessed => _witness is not null;

    /// <summary>True while this watcher may write for the cluster: no witness, or the lease held and not about to lapse.</summary>
    public bool MayWrite
    {
        get
        {
            lock (_lock)
            {
                return _witness is null || (_held && _time.GetUtcNow() < _validUntil - Margin);
            }
        }
    }

    /// <summary>Cancelled when the lease could lapse before it is renewed: the writes stop then.</summary>
    public CancellationToken Lapse
    {
        get
        {
            lock (_lock)
            {
                return _lapse.Token;
            }
        }
    }

    /// <summary>The flight record last read or written (null before one is known).</summary>
    public FlightRecord? Record { get; private set; }

    /// <summary>How many times this watcher has taken the lease (a take, not a renewal: another watcher may have written before).</summary>
    public int Takes => Volatile.Read(ref _takes);

    /// <summary>How far apart two watchers' clocks may be (NTP keeps Azure's hosts within a second; this is generous).</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);

    private int _takes;

    /// <summary>True when the flight record could be read at the last take (null or not).</summary>
    private volatile bool _recordReadAtTake;

    /// <summary>
    /// Whether what this watcher holds of the cluster may be older than what another watcher wrote before this one took
    /// the lease, so it must read the cluster again before it decides. A leader records every failover before its first
    /// write and closes the record only once its writes read back, so a complete read that began after the last flight
    /// closed (its clock's skew allowed for) holds everything any watcher wrote; so does any complete read when no
    /// watcher ever recorded one. An open flight, a record that could not be read, or a partial read: read again.
    /// </summary>
    public bool Outdates(ClusterTopology? topology) =>
        _witness is not null
        && (topology is not { IsComplete: true } || !_recordReadAtTake || Record is { ClosedAt: null }
            || (Record is { ClosedAt: { } closed } && closed >= topology.ReadSince - ClockSkew));

    public void Dispose()
    {
        _lapseTimer.Dispose();
        lock (_lock)
        {
            _lapse.Dispose();
        }
    }

    /// <summary>Takes or renews the lease when due; returns whether this watcher may write.</summary>
    public async Task<bool> EnsureAsync(CancellationToken cancellationToken)
    {
        if (_witness is null)
        {
            return true;
        }

        var started = _time.GetUtcNow();
        lock (_lock)
        {
            if (_held && started < _validUntil - (_duration * 2 / 3))
            {
                return true;
            }
        }

        bool held;
        try
        {
            held = await _witness.AcquireOrRenewAsync(_cluster, _duration, cancellationToken);
        }
        catch (GatewayException ex)
        {
            if (_unreachableSaid != ex.Message)
            {
                _unreachableSaid = ex.Message;
                Log.WitnessUnreachable(_logger, _cluster, ex.Message, _held ? (_validUntil - Margin).ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) : "now");
            }

            return MayWrite;
        }

        if (_unreachableSaid is not null)
        {
            // The witness answers again: say where this watcher stands now (the no-leader alert resolves on it).
            (_unreachableSaid, _said) = (null, null);
        }

        bool taken;
        lock (_lock)
        {
            taken = held && !_held;
            _held = held;
            if (held)
            {
                _validUntil = started + _duration;
                if (_lapse.IsCancellationRequested)
                {
                    _lapse.Dispose();
                    _lapse = new CancellationTokenSource();
                }

                var left = _validUntil - Margin - _time.GetUtcNow();
                _lapseTimer.Change(left > TimeSpan.Zero ? left : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
            }
            else
            {
                _lapse.Cancel();
            }
        }

        if (_said != held)
        {
            _said = held;
            if (held)
            {
                Log.WitnessLeading(_logger, _cluster, _duration.TotalSeconds);
            }
            else
            {
                Log.WitnessStandby(_logger, _cluster);
            }
        }

        if (taken)
        {
            // Another watcher may have written since this one last read: the runner, on seeing the take, asks Outdates
            // whether to read the cluster again before it decides. ETags guard the writes meanwhile.
            await ReadRecordAsync(cancellationToken);
            Interlocked.Increment(ref _takes);
        }

        return MayWrite;
    }

    /// <summary>Writes the flight record; false (and said) when it cannot be written, so nothing is written to Azure.</summary>
    public async Task<bool> WriteAsync(FlightRecord record, CancellationToken cancellationToken)
    {
        if (_witness is null)
        {
            return true;
        }

        try
        {
            await _witness.WriteAsync(record, cancellationToken);
            Record = record;
            return true;
        }
        catch (GatewayException ex)
        {
            Log.WitnessUnreachable(_logger, _cluster, ex.Message, "now");
            return false;
        }
    }

    /// <summary>Gives the lease up (a watcher stopping cleanly), so another leads at once.</summary>
    public async Task ReleaseAsync(CancellationToken cancellationToken)
    {
        if (_witness is null || !_held)
        {
            return;
        }

        lock (_lock)
        {
            _held = false;
            _lapse.Cancel();
        }

        try
        {
            await _witness.ReleaseAsync(_cluster, cancellationToken);
        }
        catch (GatewayException)
        {
            // It lapses on its own.
        }
    }

    private void Lapsed()
    {
        lock (_lock)
        {
            _lapse.Cancel();
        }
    }

    private async Task ReadRecordAsync(CancellationToken cancellationToken)
    {
        FlightRecord? record;
        _recordReadAtTake = false;
        try
        {
            record = await _witness!.ReadAsync(_cluster, cancellationToken);
        }
        catch (GatewayException ex)
        {
            Log.WitnessUnreachable(_logger, _cluster, ex.Message, "now");
            return;
        }

        Record = record;
        _recordReadAtTake = true;
        if (record is null)
        {
            return;
        }

        _topologies.RememberSlots(_cluster, record.PublicIpSlots);
        if (record.IsOpen)
        {
            var done = record.Done.Count;
            var planned = record.Planned.Count;
            Log.FlightResumed(_logger, _cluster, record.From ?? "(none)", record.To, record.DecidedAt, record.Watcher, done, planned);
        }
    }
}
