using Microsoft.Extensions.Time.Testing;

namespace NvaFailover.Tests;

/// <summary>
/// The library's <see cref="FakeTimeProvider"/> (timers fire, in due order, only when the test advances time), plus
/// one thing it does not offer: running work to completion by jumping from each timer it waits on to the next, so a
/// test of a 30-second invocation neither sleeps nor guesses how far to advance.
/// </summary>
public sealed class TestClock : FakeTimeProvider
{
    private readonly Lock _lock = new();
    private readonly HashSet<TrackedTimer> _timers = [];

    public TestClock() : this(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    public TestClock(DateTimeOffset start) : base(start)
    {
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var tracked = new TrackedTimer(this);
        tracked.Inner = base.CreateTimer(tracked.Fire, (callback, state), Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        tracked.Change(dueTime, period);
        return tracked;
    }

    /// <summary>Jumps to the earliest pending timer and fires it (and any due with it); false when none is pending.</summary>
    public bool AdvanceToNextTimer()
    {
        DateTimeOffset? next;
        lock (_lock)
        {
            next = _timers.Select(t => t.Due).Where(d => d is not null).Min();
        }

        if (next is not { } due)
        {
            return false;
        }

        var now = GetUtcNow();
        Advance(due > now ? due - now : TimeSpan.Zero);
        return true;
    }

    /// <summary>
    /// Completes <paramref name="work"/> by advancing the clock from timer to timer whenever the work waits on one.
    /// Fails the test if the work neither completes nor waits on a timer.
    /// </summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> work)
    {
        // Without a synchronization context, the continuation of a fired timer runs inline in Advance, so the work has
        // reached its next wait (or its end) by the time Advance returns: no race with the clock.
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
                    // Real I/O (a loopback socket) or a thread-pool hop is still running: give it a moment of real time.
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

    /// <summary>The library's timer, with its next due time known to the clock.</summary>
    private sealed class TrackedTimer(TestClock owner) : ITimer
    {
        private TimeSpan _period = Timeout.InfiniteTimeSpan;

        public ITimer Inner { get; set; } = null!;

        public DateTimeOffset? Due { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._lock)
            {
                _period = period;
                Due = dueTime == Timeout.InfiniteTimeSpan ? null : owner.GetUtcNow() + dueTime;
                if (Due is null)
                {
                    owner._timers.Remove(this);
                }
                else
                {
                    owner._timers.Add(this);
                }
            }

            return Inner.Change(dueTime, period);
        }

        public void Fire(object? state)
        {
            lock (owner._lock)
            {
                Due = _period > TimeSpan.Zero && _period != Timeout.InfiniteTimeSpan ? owner.GetUtcNow() + _period : null;
                if (Due is null)
                {
                    owner._timers.Remove(this);
                }
            }

            var (callback, callbackState) = ((TimerCallback, object?))state!;
            callback(callbackState);
        }

        public void Dispose()
        {
            lock (owner._lock)
            {
                owner._timers.Remove(this);
            }

            Inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
