using System.Collections.Concurrent;

namespace NvaFailover.Emulator.Faults;

/// <summary>
/// ARM's per-subscription token buckets (reads 250 refilling 25/s, writes 200 refilling 10/s by default) and, when set,
/// Microsoft.Network's limit on writes in any five minutes, in scenario time. A write needs both a token and room in
/// the window.
/// </summary>
internal sealed class Throttle(TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<(string Subscription, bool Write), Bucket> _buckets = new();

    public double ReadCapacity { get; set; } = 250;
    public double ReadRefillPerSecond { get; set; } = 25;
    public double WriteCapacity { get; set; } = 200;
    public double WriteRefillPerSecond { get; set; } = 10;

    /// <summary>Writes allowed per subscription in any five minutes; null for no such limit.</summary>
    public int? WritesPerWindow { get; set; }

    /// <summary>Takes a token; returns the tokens left, or the wait (scenario time) until one is free.</summary>
    public (bool Allowed, int Remaining, TimeSpan RetryAfter) Take(string subscription, bool write)
    {
        var bucket = _buckets.GetOrAdd((subscription, write), _ => new Bucket(write ? WriteCapacity : ReadCapacity, time.GetUtcNow()));
        var capacity = write ? WriteCapacity : ReadCapacity;
        var refill = write ? WriteRefillPerSecond : ReadRefillPerSecond;
        lock (bucket)
        {
            var now = time.GetUtcNow();
            bucket.Tokens = Math.Min(capacity, bucket.Tokens + ((now - bucket.At).TotalSeconds * refill));
            bucket.At = now;
            while (bucket.Recent.Count > 0 && bucket.Recent.Peek() <= now - Window)
            {
                bucket.Recent.Dequeue();
            }

            if (write && WritesPerWindow is { } limit && bucket.Recent.Count >= limit)
            {
                return (false, 0, bucket.Recent.Peek() + Window - now);
            }

            if (bucket.Tokens >= 1)
            {
                bucket.Tokens -= 1;
                if (write && WritesPerWindow is not null)
                {
                    bucket.Recent.Enqueue(now);
                }

                return (true, (int)bucket.Tokens, TimeSpan.Zero);
            }

            return (false, 0, TimeSpan.FromSeconds((1 - bucket.Tokens) / refill));
        }
    }

    private sealed class Bucket(double tokens, DateTimeOffset at)
    {
        public double Tokens { get; set; } = tokens;
        public DateTimeOffset At { get; set; } = at;

        /// <summary>When the writes of the last five minutes were taken (with a window limit only).</summary>
        public Queue<DateTimeOffset> Recent { get; } = new();
    }
}
