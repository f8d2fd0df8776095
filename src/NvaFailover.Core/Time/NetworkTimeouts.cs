namespace NvaFailover.Time;

/// <summary>
/// Timeouts of network calls (a probe attempt, an ARM request) on the app's clock, so a rehearsal at N times real
/// speed scales them with everything else. A rehearsal sets <see cref="RealTimeFloor"/>: however fast scenario time
/// runs, a timeout never lasts less real time than a busy loopback needs to answer, so speed alone never fakes a down
/// NVA or a failed request. In production the floor is zero and the app's clock is the wall clock.
/// </summary>
public sealed class NetworkTimeouts(TimeProvider time, TimeSpan realTimeFloor)
{
    /// <summary>The least real time a timeout lasts.</summary>
    public TimeSpan RealTimeFloor { get; } = realTimeFloor;

    /// <summary>A token cancelled once <paramref name="timeout"/> has passed on the app's clock and the floor in real time.</summary>
    public CancellationTokenSource Start(TimeSpan timeout)
    {
        if (RealTimeFloor <= TimeSpan.Zero)
        {
            return new CancellationTokenSource(timeout, time);
        }

        var source = new CancellationTokenSource();
        var appClock = Task.Delay(timeout, time, source.Token);
        var wallClock = Task.Delay(RealTimeFloor, TimeProvider.System, source.Token);
        _ = Task.WhenAll(appClock, wallClock).ContinueWith(
            static (t, state) =>
            {
                if (t.IsCompletedSuccessfully)
                {
                    try
                    {
                        ((CancellationTokenSource)state!).Cancel();
                    }
                    catch (ObjectDisposedException)
                    {
                        // The call finished and disposed its timeout first.
                    }
                }
            },
            source,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return source;
    }
}
