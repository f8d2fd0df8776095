using System.Collections.Concurrent;

namespace NvaFailover.Emulator;

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

/// <summary>A window of scenario time in which a share of ARM requests fails.</summary>
/// <param name="From">Start (scenario time).</param>
/// <param name="Until">End (scenario time).</param>
/// <param name="Status">429, 500, 503, 409, or 0 for a request that never answers.</param>
/// <param name="Probability">Share of requests that fail, 0 to 1.</param>
/// <param name="FailOperations">When true the writes are accepted and their long-running operation ends Failed instead.</param>
public sealed record FaultWindow(DateTimeOffset From, DateTimeOffset Until, int Status, double Probability, bool FailOperations = false);

/// <summary>Decides, reproducibly (seeded), which requests a fault window hits.</summary>
internal sealed class FaultInjector(TimeProvider time, int seed)
{
    private readonly object _lock = new();
    private readonly Random _random = new(seed);
    private readonly List<FaultWindow> _windows = [];

    public void Add(FaultWindow window)
    {
        lock (_lock)
        {
            _windows.Add(window);
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _windows.Clear();
        }
    }

    /// <summary>The window that hits this request, if any.</summary>
    public FaultWindow? Hit(bool operationFailuresOnly = false)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            foreach (var window in _windows.Where(w => w.From <= now && now < w.Until && w.FailOperations == operationFailuresOnly))
            {
                if (_random.NextDouble() < window.Probability)
                {
                    return window;
                }
            }

            return null;
        }
    }
}

/// <summary>One ARM request as the emulator saw it.</summary>
/// <param name="At">Scenario time.</param>
/// <param name="Method">HTTP method.</param>
/// <param name="PathTemplate">The path with ids replaced by placeholders.</param>
/// <param name="Operation"><c>METHOD resourceType</c>, for example <c>PUT routeTables</c>.</param>
/// <param name="Status">HTTP status answered.</param>
/// <param name="IfMatch">Whether an If-Match header was sent.</param>
/// <param name="Actions">The RBAC actions Azure would check for it.</param>
/// <param name="Subscription">The subscription, if any.</param>
public sealed record RequestRecord(DateTimeOffset At, string Method, string PathTemplate, string Operation, int Status, bool IfMatch, IReadOnlyList<string> Actions, string? Subscription);
