using NvaFailover.Tests;

namespace NvaFailover.Azure.Tests;

/// <summary>The model of ARM's per-subscription token buckets that paces our requests.</summary>
public sealed class ArmBudgetTests
{
    private const string Sub = "aaaaaaaa-1111-1111-1111-000000000001";
    private const string Sub2 = "aaaaaaaa-1111-1111-1111-000000000002";

    // A small write bucket: 10 tokens, 1 per second, 1 kept by ordinary writes for urgent ones.
    private static readonly ArmBudgetLimits Small = new(ReadCapacity: 20, ReadRefillPerSecond: 2, WriteCapacity: 10, WriteRefillPerSecond: 1, ReserveShare: 0.1, WriteReserve: 1);

    /// <summary>Writes answered as soon as they start (ARM took their tokens then).</summary>
    private static List<Task> Acquire(ArmBudget budget, int count, string subscription = Sub, bool urgent = false, CancellationToken cancellationToken = default) =>
        [.. Enumerable.Range(0, count).Select(_ => AnsweredAtOnce(budget.AcquireAsync(subscription, write: true, urgent, cancellationToken)))];

    private static async Task AnsweredAtOnce(Task<IDisposable> started) => (await started).Dispose();

    /// <summary>Writes that start when the budget allows and are answered only by <see cref="AnswerAsync"/>.</summary>
    private static List<Task<IDisposable>> Unanswered(ArmBudget budget, int count) =>
        [.. Enumerable.Range(0, count).Select(_ => budget.AcquireAsync(Sub, write: true, urgent: false, CancellationToken.None))];

    private static async Task AnswerAsync(IEnumerable<Task<IDisposable>> started)
    {
        foreach (var request in started)
        {
            (await request).Dispose();
        }
    }

    [Fact]
    public void Acquire_WithinTheBucketLessTheReserve_StartsAtOnce()
    {
        var budget = new ArmBudget(new TestClock(), Small);

        var requests = Acquire(budget, 9);

        Assert.All(requests, r => Assert.True(r.IsCompletedSuccessfully));
    }

    [Fact]
    public void Acquire_BeyondTheBucket_StartsAtTheRefillRateFirstComeFirstServed()
    {
        var clock = new TestClock();
        var budget = new ArmBudget(clock, Small);
        var requests = Acquire(budget, 12);

        var started = new List<int>();
        for (var second = 0; second <= 3; second++)
        {
            started.Add(requests.Count(r => r.IsCompleted));
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal([9, 10, 11, 12], started);
        Assert.True(requests.Select((r, i) => (r, i)).Where(x => x.r.IsCompleted).Max(x => x.i) == 11);
    }

    [Fact]
    public void Acquire_BeyondTheWritesOfFiveMinutes_WaitsForTheOldestToLeaveTheWindow_AndSaysTheStormOnce()
    {
        // A bucket that does not limit here, and a window of 10 writes (1 kept in reserve): 9 ordinary writes in any 5 minutes.
        var clock = new TestClock();
        var log = new ListLogger();
        var budget = new ArmBudget(clock, new ArmBudgetLimits(WriteCapacity: 1000, WriteRefillPerSecond: 10, ReserveShare: 0.1, WritesPerFiveMinutes: 10), log);
        var first = Acquire(budget, 5);
        clock.Advance(TimeSpan.FromMinutes(1));
        var second = Acquire(budget, 8);

        var startedEarly = first.Concat(second).Count(r => r.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));
        var saidWithinASecond = log.Messages.Count;
        clock.Advance(TimeSpan.FromMinutes(4) - TimeSpan.FromSeconds(2));
        var beforeTheOldestLeaves = first.Concat(second).Count(r => r.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));
        var whenTheFirstFiveLeave = first.Concat(second).Count(r => r.IsCompleted);
        var deadline = clock.GetUtcNow() + TimeSpan.FromSeconds(1);
        while (first.Concat(second).Any(r => !r.IsCompleted) && clock.GetUtcNow() < deadline && clock.AdvanceToNextTimer())
        {
        }

        var aSecondLater = first.Concat(second).Count(r => r.IsCompleted);

        Assert.Equal(9, startedEarly);
        Assert.Equal(1, saidWithinASecond);
        Assert.Equal(9, beforeTheOldestLeaves);
        Assert.InRange(whenTheFirstFiveLeave, 10, 13);
        Assert.Equal(13, aSecondLater);
        var storm = Assert.Single(log.Messages);
        Assert.Contains("13 writes in five minutes, beyond the 10 Microsoft.Network allows", storm, StringComparison.Ordinal);
        Assert.Contains("the last in about 239 s (00:05:00 UTC)", storm, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Acquire_BeyondTheWritesOfFiveMinutes_CountsEachWriteFromItsAnswer()
    {
        // Nine ordinary writes fill the window (10, 1 kept in reserve). They leave at once and are answered 20 s later: ARM
        // may have counted them as late as that, so they leave its window no sooner than 5 min after their answers.
        var clock = new TestClock();
        var budget = new ArmBudget(clock, new ArmBudgetLimits(WriteCapacity: 1000, WriteRefillPerSecond: 10, ReserveShare: 0.1, WritesPerFiveMinutes: 10));
        var burst = Unanswered(budget, 9);
        clock.Advance(TimeSpan.FromSeconds(20));
        await AnswerAsync(burst);

        var next = budget.AcquireAsync(Sub, write: true, urgent: false, CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(10));
        var fiveMinutesAfterTheirSending = next.IsCompleted;
        clock.Advance(TimeSpan.FromSeconds(9));
        var justBeforeFiveMinutesAfterTheirAnswers = next.IsCompleted;
        clock.Advance(TimeSpan.FromSeconds(2));

        Assert.All(burst, b => Assert.True(b.IsCompletedSuccessfully));
        Assert.False(fiveMinutesAfterTheirSending);
        Assert.False(justBeforeFiveMinutesAfterTheirAnswers);
        Assert.True(next.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Acquire_WritesNotAnsweredYet_GainNoRefillUntilTheirAnswersShowARMCanHaveTakenThem()
    {
        // Nine writes leave at once and reach ARM late (a busy host): ARM's bucket, full until they arrive, gains nothing
        // meanwhile. Counting from their sending, the model would think three tokens had come back after 3 s.
        var clock = new TestClock();
        var budget = new ArmBudget(clock, Small);
        var burst = Unanswered(budget, 9);
        clock.Advance(TimeSpan.FromSeconds(3));

        var next = budget.AcquireAsync(Sub, write: true, urgent: false, CancellationToken.None);
        var beforeTheAnswers = next.IsCompleted;
        await AnswerAsync(burst);

        var atTheAnswers = next.IsCompleted;
        clock.Advance(TimeSpan.FromSeconds(0.9));
        var justBeforeOneRefilled = next.IsCompleted;
        clock.Advance(TimeSpan.FromSeconds(0.2));

        Assert.All(burst, b => Assert.True(b.IsCompletedSuccessfully));
        Assert.False(beforeTheAnswers);
        Assert.False(atTheAnswers);
        Assert.False(justBeforeOneRefilled);
        Assert.True(next.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Acquire_AnswerGivenTwice_CountsOnce()
    {
        var clock = new TestClock();
        var budget = new ArmBudget(clock, Small);
        var first = await budget.AcquireAsync(Sub, write: true, urgent: false, CancellationToken.None);

        first.Dispose();
        first.Dispose();

        Assert.Equal(9, budget.Tokens(Sub, write: true), 3);
    }

    [Fact]
    public void Acquire_Urgent_SpendsTheReserveAndDoesNotQueue()
    {
        var budget = new ArmBudget(new TestClock(), Small);
        var ordinary = Acquire(budget, 10);

        var urgent = budget.AcquireAsync(Sub, write: true, urgent: true, CancellationToken.None);

        Assert.True(urgent.IsCompletedSuccessfully);
        Assert.False(ordinary[^1].IsCompleted);
    }

    [Fact]
    public void Acquire_ProbesAndConfirmationPolls_NeverQueueBehindRoutineReads()
    {
        // Routine reads (discovery) have emptied the read bucket down to its reserve and more wait for the refill; a probe
        // and the poll that confirms a failover's write are urgent: they start at once, on the reserve.
        var budget = new ArmBudget(new TestClock(), Small);
        var routine = Enumerable.Range(0, 25).Select(_ => budget.AcquireAsync(Sub, write: false, urgent: false, CancellationToken.None)).ToList();

        var probe = budget.AcquireAsync(Sub, write: false, urgent: true, CancellationToken.None);
        var confirmation = budget.AcquireAsync(Sub, write: false, urgent: true, CancellationToken.None);

        Assert.Equal(18, routine.Count(r => r.IsCompleted));
        Assert.True(probe.IsCompletedSuccessfully);
        Assert.True(confirmation.IsCompletedSuccessfully);
    }

    [Fact]
    public void Acquire_SubscriptionsHaveTheirOwnBuckets_AndReadsTheirOwn()
    {
        var budget = new ArmBudget(new TestClock(), Small);
        Acquire(budget, 9);

        var otherSubscription = budget.AcquireAsync(Sub2, write: true, urgent: false, CancellationToken.None);
        var read = budget.AcquireAsync(Sub, write: false, urgent: false, CancellationToken.None);

        Assert.True(otherSubscription.IsCompletedSuccessfully);
        Assert.True(read.IsCompletedSuccessfully);
    }

    [Fact]
    public void Observe_Throttled_PausesForRetryAfterAndHalvesTheRefill()
    {
        var clock = new TestClock();
        var budget = new ArmBudget(clock, Small);

        budget.Observe(Sub, write: true, remaining: null, throttledFor: TimeSpan.FromSeconds(5));
        var waiting = budget.AcquireAsync(Sub, write: true, urgent: false, CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(4.9));
        var stillWaiting = !waiting.IsCompleted;
        clock.Advance(TimeSpan.FromSeconds(5));

        Assert.True(stillWaiting);
        Assert.True(waiting.IsCompletedSuccessfully);

        // After the pause the bucket refills at half the rate: 0.5 token per second.
        var tokens = budget.Tokens(Sub, write: true);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1.0, budget.Tokens(Sub, write: true) - tokens, 3);
    }

    [Fact]
    public void Observe_Remaining_OnlyEverLowersTheModel()
    {
        var budget = new ArmBudget(new TestClock(), Small);

        budget.Observe(Sub, write: true, remaining: 3, throttledFor: null);
        var lowered = budget.Tokens(Sub, write: true);
        budget.Observe(Sub, write: true, remaining: 500, throttledFor: null);

        Assert.Equal(3, lowered);
        Assert.Equal(3, budget.Tokens(Sub, write: true));
    }

    [Fact]
    public async Task Acquire_CancelledWhileQueued_GivesUpItsTurn()
    {
        var clock = new TestClock();
        var budget = new ArmBudget(clock, Small);
        Acquire(budget, 9);
        using var cancel = new CancellationTokenSource();
        var abandoned = budget.AcquireAsync(Sub, write: true, urgent: false, cancel.Token);
        var next = budget.AcquireAsync(Sub, write: true, urgent: false, CancellationToken.None);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        clock.Advance(TimeSpan.FromSeconds(2));

        // Without giving the turn up, the queue would wait for the abandoned request forever. (The fired timer's
        // continuation may be posted to the test's context: waited for, with a real-time bound that only a hang reaches.)
        await next.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(next.IsCompletedSuccessfully);
    }

    /// <summary>Keeps what is logged, as text.</summary>
    private sealed class ListLogger : Microsoft.Extensions.Logging.ILogger<ArmBudget>
    {
        public List<string> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Add(formatter(state, exception));
    }
}
