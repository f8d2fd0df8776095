namespace NvaFailover.Emulator.Time;

/// <summary>
/// Scenario time: runs <see cref="Speed"/> times faster than the time it is based on. Every latency, token-bucket
/// refill and Retry-After of the emulator is expressed in scenario time, so they all scale together.
/// </summary>
public sealed class ScaledTimeProvider : TimeProvider
{
    private readonly TimeProvider _inner;
    private Origin _origin;

    /// <summary>Creates a clock that starts at <paramref name="start"/> and runs <paramref name="speed"/> times faster than <paramref name="inner"/>.</summary>
    public ScaledTimeProvider(TimeProvider inner, double speed, DateTimeOffset start)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(speed, 0);
        _inner = inner;
        Speed = speed;
        _origin = new Origin(start, inner.GetTimestamp());
    }

    /// <summary>Scenario seconds per second of the inner clock.</summary>
    public double Speed { get; }

    /// <summary>Scenario time elapsed since the start.</summary>
    public TimeSpan Elapsed => _inner.GetElapsedTime(Volatile.Read(ref _origin).InnerStart) * Speed;

    /// <summary>Makes <paramref name="start"/> the scenario time of this instant (a simulation starts its clock when it starts running).</summary>
    public void Rebase(DateTimeOffset start) => Volatile.Write(ref _origin, new Origin(start, _inner.GetTimestamp()));

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow()
    {
        var origin = Volatile.Read(ref _origin);
        return origin.Start + (_inner.GetElapsedTime(origin.InnerStart) * Speed);
    }

    /// <inheritdoc />
    public override long GetTimestamp()
    {
        var origin = Volatile.Read(ref _origin);
        return (long)(origin.InnerStart + ((_inner.GetTimestamp() - origin.InnerStart) * Speed));
    }

    /// <inheritdoc />
    public override long TimestampFrequency => _inner.TimestampFrequency;

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        _inner.CreateTimer(callback, state, Scale(dueTime), Scale(period));

    private TimeSpan Scale(TimeSpan t) => t == Timeout.InfiniteTimeSpan ? t : t / Speed;

    private sealed record Origin(DateTimeOffset Start, long InnerStart);
}
