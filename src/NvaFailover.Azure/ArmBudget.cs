using System.Collections.Concurrent;

namespace NvaFailover.Azure;

/// <summary>ARM's request budget per subscription: a token bucket for reads and one for writes.</summary>
/// <param name="ReadCapacity">Read bucket size.</param>
/// <param name="ReadRefillPerSecond">Read tokens added per second.</param>
/// <param name="WriteCapacity">Write bucket size.</param>
/// <param name="WriteRefillPerSecond">Write tokens added per second.</param>
/// <param name="ReserveShare">The share of each bucket left to the subscription's other tenants by ordinary requests.</param>
internal sealed record ArmBudgetLimits(double ReadCapacity = 250, double ReadRefillPerSecond = 25, double WriteCapacity = 200, double WriteRefillPerSecond = 10, double ReserveShare = 0.1);

/// <summary>
/// Paces requests by ARM's budget rather than by a fixed number in flight. ARM limits the rate of requests per
/// subscription with token buckets (writes 200, refilling 10 per second; reads 250, refilling 25 per second) and says
/// what is left in <c>x-ms-ratelimit-remaining-subscription-writes</c>/<c>-reads</c>. Each bucket here models that: a
/// request starts at once while the model holds a token beyond the reserve left to the subscription's other tenants,
/// and otherwise waits, first come first served, for the refill. What ARM says is left only ever lowers the model. A
/// 429 pauses the bucket for its Retry-After and halves the refill rate assumed; each answer that is not a 429 adds a
/// little back (additive increase, multiplicative decrease). An urgent request (the public IP chain, a probe) may
/// spend the reserve and does not queue. Time is the app's clock, as ARM's buckets are in a rehearsal.
/// </summary>
internal sealed class ArmBudget(TimeProvider time, ArmBudgetLimits limits)
{
    private readonly ConcurrentDictionary<(string Subscription, bool Write), Bucket> _buckets = new();

    /// <summary>Waits until the subscription's budget allows one more request.</summary>
    public Task AcquireAsync(string? subscription, bool write, bool urgent, CancellationToken cancellationToken) =>
        subscription is null ? Task.CompletedTask : BucketOf(subscription, write).AcquireAsync(urgent, time, cancellationToken);

    /// <summary>What an answer said of the budget: what is left (when it said), and for how long it is throttled (a 429).</summary>
    public void Observe(string? subscription, bool write, int? remaining, TimeSpan? throttledFor)
    {
        if (subscription is not null)
        {
            BucketOf(subscription, write).Observe(remaining, throttledFor, time.GetUtcNow());
        }
    }

    /// <summary>The tokens the model holds now (for tests and benchmarks).</summary>
    internal double Tokens(string subscription, bool write) => BucketOf(subscription, write).Tokens(time.GetUtcNow());

    private Bucket BucketOf(string subscription, bool write) => _buckets.GetOrAdd((subscription, write), _ => write
        ? new Bucket(limits.WriteCapacity, limits.WriteRefillPerSecond, limits.WriteCapacity * limits.ReserveShare, time.GetUtcNow())
        : new Bucket(limits.ReadCapacity, limits.ReadRefillPerSecond, limits.ReadCapacity * limits.ReserveShare, time.GetUtcNow()));

    private sealed class Bucket
    {
        private readonly Lock _lock = new();
        private readonly HashSet<long> _abandoned = [];
        private readonly double _capacity;
        private readonly double _nominalRefill;
        private readonly double _reserve;
        private double _tokens;
        private double _refill;
        private DateTimeOffset _updated;
        private DateTimeOffset _pausedUntil;
        private long _issued;
        private long _served;

        public Bucket(double capacity, double nominalRefill, double reserve, DateTimeOffset now)
        {
            _capacity = capacity;
            _nominalRefill = nominalRefill;
            _reserve = reserve;
            _tokens = capacity;
            _refill = nominalRefill;
            _updated = now;
            _pausedUntil = now;
        }

        public async Task AcquireAsync(bool urgent, TimeProvider time, CancellationToken cancellationToken)
        {
            long ticket;
            lock (_lock)
            {
                ticket = urgent ? -1 : _issued++;
            }

            try
            {
                while (true)
                {
                    TimeSpan wait;
                    lock (_lock)
                    {
                        var now = time.GetUtcNow();
                        Refill(now);
                        SkipAbandoned();
                        var floor = urgent ? 0 : _reserve;
                        var turn = urgent || ticket == _served;
                        if (now >= _pausedUntil && turn && _tokens >= 1 + floor)
                        {
                            _tokens -= 1;
                            if (!urgent)
                            {
                                _served++;
                            }

                            return;
                        }

                        var ahead = urgent ? 0 : ticket - _served;
                        var needed = ahead + 1 + floor - _tokens;
                        wait = Max(_pausedUntil - now, TimeSpan.FromSeconds(Math.Max(needed, 0.05) / _refill));
                    }

                    await Task.Delay(wait, time, cancellationToken);
                }
            }
            catch (OperationCanceledException)
            {
                lock (_lock)
                {
                    if (ticket >= 0)
                    {
                        _abandoned.Add(ticket);
                    }
                }

                throw;
            }
        }

        public void Observe(int? remaining, TimeSpan? throttledFor, DateTimeOffset now)
        {
            lock (_lock)
            {
                Refill(now);
                if (throttledFor is { } pause)
                {
                    _pausedUntil = Max(_pausedUntil, now + pause);
                    _refill = Math.Max(_nominalRefill / 8, _refill / 2);
                    _tokens = 0;
                    return;
                }

                _refill = Math.Min(_nominalRefill, _refill + (_nominalRefill / 20));
                if (remaining is { } left)
                {
                    _tokens = Math.Min(_tokens, left);
                }
            }
        }

        public double Tokens(DateTimeOffset now)
        {
            lock (_lock)
            {
                Refill(now);
                return _tokens;
            }
        }

        private void Refill(DateTimeOffset now)
        {
            _tokens = Math.Min(_capacity, _tokens + ((now - _updated).TotalSeconds * _refill));
            _updated = now;
        }

        private void SkipAbandoned()
        {
            while (_abandoned.Remove(_served))
            {
                _served++;
            }
        }

        private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

        private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
    }
}
