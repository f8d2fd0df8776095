namespace NvaFailover.Tests;

/// <summary>
/// A manual clock (the feed has no Microsoft.Extensions.TimeProvider.Testing). Timers fire, in due order, only
/// when the test advances time, so every delay and timeout in the code under test is deterministic.
/// </summary>
public sealed class FakeTimeProvider(DateTimeOffset start) : TimeProvider
{
    private readonly object _lock = new();
    private readonly List<FakeTimer> _timers = [];
    private DateTimeOffset _now = start;

    public FakeTimeProvider() : this(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock)
        {
            return _now;
        }
    }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new FakeTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves the clock forward, firing every timer that falls due on the way, in order.</summary>
    public void Advance(TimeSpan by)
    {
        DateTimeOffset end;
        lock (_lock)
        {
            end = _now + by;
        }

        while (FireNext(end))
        {
        }

        lock (_lock)
        {
            _now = end;
        }
    }

    /// <summary>Jumps to the next timer and fires it; false when none is pending.</summary>
    public bool AdvanceToNextTimer() => FireNext(DateTimeOffset.MaxValue);

    /// <summary>
    /// Completes <paramref name="work"/> by advancing the clock from timer to timer whenever the work waits on one.
    /// Fails the test if the work neither completes nor waits on a timer.
    /// </summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> work)
    {
        // Without a synchronization context, the continuation of a fired timer runs inline in Advance, so the
        // work has reached its next wait (or its end) by the time Advance returns: no race with the clock.
        var context = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            var task = work();
            var idle = 0;
            while (!task.IsCompleted)
            {
                if (AdvanceToNextTimer())
                {
                    idle = 0;
                }
                else if (++idle > 10_000)
                {
                    throw new TimeoutException("The work under test neither completed nor waited on a timer.");
                }
                else
                {
                    // Real I/O (a loopback socket) is still running: give it a moment of real time.
                    Thread.Sleep(1);
                }
            }

            return await task;
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(context);
        }
    }

    public Task RunAsync(Func<Task> work) => RunAsync(async () =>
    {
        await work();
        return true;
    });

    private bool FireNext(DateTimeOffset limit)
    {
        FakeTimer? next;
        lock (_lock)
        {
            next = _timers.Where(t => t.Due is not null && t.Due <= limit).OrderBy(t => t.Due).ThenBy(t => t.Sequence).FirstOrDefault();
            if (next is null)
            {
                return false;
            }

            if (next.Due > _now)
            {
                _now = next.Due!.Value;
            }

            next.Due = next.Period is { } p && p > TimeSpan.Zero ? _now + p : null;
        }

        next.Fire();
        return true;
    }

    private sealed class FakeTimer(FakeTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private static long s_sequence;

        public DateTimeOffset? Due { get; set; }
        public TimeSpan? Period { get; private set; }
        public long Sequence { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._lock)
            {
                if (!owner._timers.Contains(this))
                {
                    owner._timers.Add(this);
                }

                Sequence = Interlocked.Increment(ref s_sequence);
                Due = dueTime == Timeout.InfiniteTimeSpan ? null : owner._now + dueTime;
                Period = period == Timeout.InfiniteTimeSpan ? null : period;
            }

            return true;
        }

        public void Fire() => callback(state);

        public void Dispose()
        {
            lock (owner._lock)
            {
                owner._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
