namespace NvaFailover.Emulator;

/// <summary>
/// Scenario time: runs <see cref="Speed"/> times faster than the time it is based on. Every latency, token-bucket
/// refill and Retry-After of the emulator is expressed in scenario time, so they all scale together.
/// </summary>
public sealed class ScaledTimeProvider : TimeProvider
{
    private readonly TimeProvider _inner;
    private readonly DateTimeOffset _start;
    private readonly long _innerStart;

    /// <summary>Creates a clock that starts at <paramref name="start"/> and runs <paramref name="speed"/> times faster than <paramref name="inner"/>.</summary>
    public ScaledTimeProvider(TimeProvider inner, double speed, DateTimeOffset start)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(speed, 0);
        _inner = inner;
        Speed = speed;
        _start = start;
        _innerStart = inner.GetTimestamp();
    }

    /// <summary>Scenario seconds per second of the inner clock.</summary>
    public double Speed { get; }

    /// <summary>Scenario time elapsed since the start.</summary>
    public TimeSpan Elapsed => _inner.GetElapsedTime(_innerStart) * Speed;

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => _start + Elapsed;

    /// <inheritdoc />
    public override long GetTimestamp() => (long)(_innerStart + ((_inner.GetTimestamp() - _innerStart) * Speed));

    /// <inheritdoc />
    public override long TimestampFrequency => _inner.TimestampFrequency;

    /// <summary>How long <paramref name="scenarioTime"/> takes on the inner clock.</summary>
    public TimeSpan ToInner(TimeSpan scenarioTime) => scenarioTime / Speed;

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        _inner.CreateTimer(callback, state, Scale(dueTime), Scale(period));

    private TimeSpan Scale(TimeSpan t) => t == Timeout.InfiniteTimeSpan ? t : t / Speed;
}
