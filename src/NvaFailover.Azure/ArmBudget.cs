using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace NvaFailover.Azure;

/// <summary>ARM's request budget per subscription: a token bucket for reads and one for writes.</summary>
/// <param name="ReadCapacity">Read bucket size.</param>
/// <param name="ReadRefillPerSecond">Read tokens added per second.</param>
/// <param name="WriteCapacity">Write bucket size.</param>
/// <param name="WriteRefillPerSecond">Write tokens added per second.</param>
/// <param name="ReserveShare">The share of the read bucket and of the five minutes' writes left to the subscription's other tenants by ordinary requests.</param>
/// <param name="WritesPerFiveMinutes">Microsoft.Network's limit on writes per subscription in any five minutes.</param>
/// <param name="WriteReserve">
/// The write tokens ordinary writes leave, so an urgent one (a step of a public IP's move) never waits behind a storm of
/// route table writes. The write bucket refills its whole size in 20 s, so a failover spends it rather than keep a share
/// of it to others: restoring traffic is what the subscription's writes are for in that moment.
/// </param>
internal sealed record ArmBudgetLimits(
    double ReadCapacity = 250, double ReadRefillPerSecond = 25, double WriteCapacity = 200, double WriteRefillPerSecond = 10, double ReserveShare = 0.1, int WritesPerFiveMinutes = 1000,
    double WriteReserve = 2);

/// <summary>
/// Paces requests by ARM's budget rather than by a fixed number in flight. ARM limits the rate of requests per
/// subscription with token buckets (writes 200, refilling 10 per second; reads 250, refilling 25 per second) and says
/// what is left in <c>x-ms-ratelimit-remaining-subscription-writes</c>/<c>-reads</c>. Each bucket here models that: a
/// request starts at once while the model holds a token beyond the reserve, and otherwise waits, first come first
/// served, for the refill. ARM takes a request's token when the request arrives, which is some time between its sending
/// and its answer, and a full bucket gains nothing meanwhile; so the write bucket is also modelled at its worst, as if
/// each write arrived only when its answer came back and those not answered yet had all taken theirs, and a write
/// starts only when both models allow it. Without that a burst that reaches ARM spread over a second (a busy host, a
/// slow network) finds fewer tokens there than a model that counts from its sending, and draws 429s that spending the
/// write bucket would otherwise risk. What ARM says is left only ever lowers the model. A
/// 429 pauses the bucket for its Retry-After and halves the refill rate assumed; each answer that is not a 429 adds a
/// little back (additive increase, multiplicative decrease). Writes also keep within Microsoft.Network's limit on writes
/// in any five minutes (1,000), each counted from its answer for the same reason: a write beyond it waits for the oldest
/// of the window to leave it, and a storm that will
/// not fit is said at once, with when its last write can go. An urgent request (a probe, the poll that confirms a
/// write) may spend the reserve and does not queue. Time is the app's clock, as ARM's buckets are in a rehearsal.
/// </summary>
internal sealed class ArmBudget(TimeProvider time, ArmBudgetLimits limits, ILogger<ArmBudget>? logger = null)
{
    /// <summary>Microsoft.Network's window.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<(string Subscription, bool Write), Bucket> _buckets = new();

    /// <summary>
    /// Waits until the subscription's budget allows one more request. Dispose what it returns when the request was
    /// answered, or given up without an answer: until then the request counts as not having reached ARM yet.
    /// </summary>
    public async Task<IDisposable> AcquireAsync(string? subscription, bool write, bool urgent, CancellationToken cancellationToken)
    {
        if (subscription is null)
        {
            return Answer.None;
        }

        var bucket = BucketOf(subscription, write);
        await bucket.AcquireAsync(urgent, time, cancellationToken);
        return bucket.Arrivals is null ? Answer.None : new Answer(bucket, time);
    }

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
        ? new Bucket(limits.WriteCapacity, limits.WriteRefillPerSecond, limits.WriteReserve, time.GetUtcNow())
        {
            Arrivals = new ArrivalBound(limits.WriteCapacity, limits.WriteRefillPerSecond, time.GetUtcNow()),
            Window = new WriteWindow(limits.WritesPerFiveMinutes, (int)Math.Ceiling(limits.WritesPerFiveMinutes * limits.ReserveShare), (queued, lastAt) =>
            {
                if (logger is not null)
                {
                    Log.WriteStorm(logger, subscription, queued, limits.WritesPerFiveMinutes, Math.Round((lastAt - time.GetUtcNow()).TotalSeconds), lastAt);
                }
            }),
        }
        : new Bucket(limits.ReadCapacity, limits.ReadRefillPerSecond, limits.ReadCapacity * limits.ReserveShare, time.GetUtcNow()));

    /// <summary>
    /// The writes of the last five minutes: room for ordinary writes up to the limit less the reserve. ARM counts a write
    /// from its arrival, which can be as late as its answer, so each write counts from its answer here, and a write not
    /// answered yet counts as in the window and leaving it no sooner than five minutes from now. Says a storm once, when
    /// the writes of the window and those waiting first exceed that room. Only the caller's lock guards it.
    /// </summary>
    private sealed class WriteWindow(int limit, int reserve, Action<int, DateTimeOffset> storm)
    {
        private readonly List<DateTimeOffset> _answered = [];
        private int _unanswered;
        private DateTimeOffset? _overflowSince;
        private bool _said;

        /// <summary>True while a storm is seen but not yet said: its waiters look again within a second, so it is said soon.</summary>
        public bool Unsaid => _overflowSince is not null && !_said;

        /// <summary>When the write at place <paramref name="ahead"/> of the queue has room; <paramref name="waiting"/> ordinary writes wait in all.</summary>
        public DateTimeOffset RoomAt(DateTimeOffset now, bool urgent, long ahead, long waiting)
        {
            var left = 0;
            while (left < _answered.Count && _answered[left] <= now - Window)
            {
                left++;
            }

            _answered.RemoveRange(0, left);
            var inWindow = _answered.Count + _unanswered;
            var room = limit - (urgent ? 0 : reserve);
            var total = inWindow + waiting;
            if (total <= room)
            {
                (_overflowSince, _said) = (null, false);
            }
            else if (_overflowSince is null)
            {
                // The writes of a storm are asked for in a burst: it is said once the burst is in (a moment later), whole.
                _overflowSince = now;
            }
            else if (!_said && now > _overflowSince)
            {
                _said = true;
                storm((int)total, At(now, room, total - 1));
            }

            return At(now, room, inWindow + ahead);
        }

        public void Sent() => _unanswered++;

        public void Answered(DateTimeOffset at)
        {
            _unanswered = Math.Max(0, _unanswered - 1);
            var index = _answered.Count;
            while (index > 0 && _answered[index - 1] > at)
            {
                index--;
            }

            _answered.Insert(index, at);
        }

        /// <summary>
        /// When the write at <paramref name="position"/> (counting the window's writes first) has room: once position - room + 1
        /// writes have left the window, the answered first, then those not answered yet and those the queue sends
        /// meanwhile (a window from now, at least).
        /// </summary>
        private DateTimeOffset At(DateTimeOffset now, int room, long position)
        {
            if (position < room)
            {
                return now;
            }

            var leaving = position - room;
            return leaving < _answered.Count ? _answered[(int)leaving] + Window : now + (Window * (1 + ((leaving - _answered.Count) / room)));
        }
    }

    /// <summary>Marks one request answered (or given up), once.</summary>
    private sealed class Answer(Bucket? bucket, TimeProvider? time) : IDisposable
    {
        public static readonly Answer None = new(null, null);
        private int _done;

        public void Dispose()
        {
            if (bucket is not null && Interlocked.Exchange(ref _done, 1) == 0)
            {
                bucket.Answered(time!.GetUtcNow());
            }
        }
    }

    /// <summary>
    /// ARM's bucket at its worst for us: each request taken when its answer came back (the latest it can have arrived),
    /// so a full bucket gains nothing until then, and every request not answered yet already taken. No order of arrivals
    /// leaves ARM fewer tokens than this. Only the caller's lock guards it.
    /// </summary>
    private sealed class ArrivalBound(double capacity, double refill, DateTimeOffset now)
    {
        private readonly double _capacity = capacity;
        private double _tokens = capacity;
        private DateTimeOffset _updated = now;

        public int Unanswered { get; private set; }

        public void Sent() => Unanswered++;

        public void Answered(DateTimeOffset at)
        {
            Refill(at);
            _tokens -= 1;
            Unanswered = Math.Max(0, Unanswered - 1);
        }

        /// <summary>ARM said it had no token: none are left at the time of that answer.</summary>
        public void Empty(DateTimeOffset at)
        {
            Refill(at);
            _tokens = Math.Min(_tokens, 0);
        }

        public double Available(DateTimeOffset at)
        {
            Refill(at);
            return _tokens - Unanswered;
        }

        private void Refill(DateTimeOffset at)
        {
            if (at > _updated)
            {
                _tokens = Math.Min(_capacity, _tokens + ((at - _updated).TotalSeconds * refill));
                _updated = at;
            }
        }
    }

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

        public WriteWindow? Window { get; init; }

        public ArrivalBound? Arrivals { get; init; }

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
                        var roomAt = Window?.RoomAt(now, urgent, urgent ? 0 : ticket - _served, _issued - _served) ?? now;
                        var tokens = Arrivals is null ? _tokens : Math.Min(_tokens, Arrivals.Available(now));
                        if (now >= _pausedUntil && turn && roomAt <= now && tokens >= 1 + floor)
                        {
                            _tokens -= 1;
                            Arrivals?.Sent();
                            Window?.Sent();
                            if (!urgent)
                            {
                                _served++;
                            }

                            return;
                        }

                        var ahead = urgent ? 0 : ticket - _served;
                        var needed = ahead + 1 + floor - tokens;
                        wait = Max(Max(_pausedUntil, roomAt) - now, TimeSpan.FromSeconds(Math.Max(needed, 0.05) / _refill));
                        if (Window is { Unsaid: true } && wait > TimeSpan.FromSeconds(1))
                        {
                            wait = TimeSpan.FromSeconds(1);
                        }
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
                    Arrivals?.Empty(now);
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
                return Arrivals is null ? _tokens : Math.Min(_tokens, Arrivals.Available(now));
            }
        }

        public void Answered(DateTimeOffset now)
        {
            lock (_lock)
            {
                Arrivals?.Answered(now);
                Window?.Answered(now);
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
