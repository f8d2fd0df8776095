using System.Collections.Concurrent;

namespace NvaFailover.Emulator.Faults;

/// <summary>ARM's per-subscription token buckets (reads 250 refilling 25/s, writes 200 refilling 10/s by default), in scenario time.</summary>
internal sealed class Throttle(TimeProvider time)
{
    private readonly ConcurrentDictionary<(string Subscription, bool Write), Bucket> _buckets = new();

    public double ReadCapacity { get; set; } = 250;
    public double ReadRefillPerSecond { get; set; } = 25;
    public double WriteCapacity { get; set; } = 200;
    public double WriteRefillPerSecond { get; set; } = 10;

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
            if (bucket.Tokens >= 1)
            {
                bucket.Tokens -= 1;
                return (true, (int)bucket.Tokens, TimeSpan.Zero);
            }

            return (false, 0, TimeSpan.FromSeconds((1 - bucket.Tokens) / refill));
        }
    }

    private sealed class Bucket(double tokens, DateTimeOffset at)
    {
        public double Tokens { get; set; } = tokens;
        public DateTimeOffset At { get; set; } = at;
    }
}
