namespace NvaFailover.Time;

/// <summary>Waiting on the app's clock.</summary>
public static class ClockExtensions
{
    /// <summary>
    /// Waits until the clock reads <paramref name="at"/> or later. A timer may fire a moment early (its period is rounded
    /// to the platform's resolution, and a scaled clock magnifies that), so this waits again for whatever is left: a
    /// caller that then asks for the next schedule occurrence never gets the one it was waiting for.
    /// </summary>
    public static async Task DelayUntilAsync(this TimeProvider time, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(time);
        for (var left = at - time.GetUtcNow(); left > TimeSpan.Zero; left = at - time.GetUtcNow())
        {
            await Task.Delay(left < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : left, time, cancellationToken);
        }
    }
}
