using System.Globalization;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using NvaFailover.Time;
using Polly;
using Polly.Retry;

namespace NvaFailover.Azure;

/// <summary>What the ARM adapters need of the settings.</summary>
/// <param name="Retries">Retries of a request answered 408, 429 or 5xx, or not answered within <paramref name="RequestTimeout"/>.</param>
/// <param name="RequestTimeout">Longest one attempt may take.</param>
/// <param name="OperationTimeout">Longest a write may take, retries and long-running operation included.</param>
/// <param name="PollInterval">Wait between polls of a long-running operation when the service gives no Retry-After.</param>
internal sealed record ArmClientSettings(int Retries, TimeSpan RequestTimeout, TimeSpan OperationTimeout, TimeSpan PollInterval);

/// <summary>An attempt that got no answer within ArmRequestTimeout (the caller had not cancelled).</summary>
internal sealed class ArmAttemptTimeoutException(TimeSpan timeout) : TimeoutException($"Azure did not answer within ArmRequestTimeout {Seconds.Text(timeout)}")
{
}

/// <summary>
/// Every ARM request of both pipelines (the Compute SDK's and the Network client's) goes through here: it waits for the
/// subscription's budget (<see cref="ArmBudget"/>), then makes an attempt bounded by ArmRequestTimeout on the app's
/// clock, and retries what is worth retrying (408, 429, 5xx, no answer) after the service's Retry-After or an
/// exponential backoff, on the app's clock too, so a rehearsal at N times real speed scales every wait. Azure.Core's
/// own retry is off: its waits are wall-clock only.
/// </summary>
internal sealed class ArmResilience
{
    private static readonly ResiliencePropertyKey<HttpMessage?> LastAnswer = new("nvafailover.answer");
    private readonly ArmBudget _budget;
    private readonly NetworkTimeouts _timeouts;
    private readonly ArmClientSettings _settings;
    private readonly ResiliencePipeline _pipeline;

    public ArmResilience(ArmBudget budget, NetworkTimeouts timeouts, ArmClientSettings settings, TimeProvider time)
    {
        _budget = budget;
        _timeouts = timeouts;
        _settings = settings;
        var builder = new ResiliencePipelineBuilder { TimeProvider = time };
        if (settings.Retries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = settings.Retries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(500),
                MaxDelay = TimeSpan.FromSeconds(30),
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome.Exception)),
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Exception)),
            });
        }

        _pipeline = builder.Build();
    }

    public TimeSpan RequestTimeout => _settings.RequestTimeout;

    /// <summary>
    /// Runs <paramref name="attempt"/> (a request that throws <see cref="RequestFailedException"/> on an error answer)
    /// within the budget of <paramref name="resourceId"/>'s subscription, with a timeout per attempt and retries.
    /// </summary>
    public async Task<T> ExecuteAsync<T>(string resourceId, bool write, bool urgent, Func<CancellationToken, Task<T>> attempt, CancellationToken cancellationToken)
    {
        var subscription = Resources.ArmId.SubscriptionId(resourceId);
        return await _pipeline.ExecuteAsync(
            async token =>
            {
                using var answer = await _budget.AcquireAsync(subscription, write, urgent, token);
                using var timeout = _timeouts.Start(_settings.RequestTimeout);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, timeout.Token);
                try
                {
                    return await attempt(linked.Token).WaitAsync(linked.Token);
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested && !token.IsCancellationRequested)
                {
                    throw new ArmAttemptTimeoutException(_settings.RequestTimeout);
                }
            },
            cancellationToken);
    }

    /// <summary>
    /// Sends a message built by <paramref name="create"/> (a new one per attempt) through <paramref name="pipeline"/>;
    /// an answer worth retrying is retried until the retries are spent, then the last answer is returned for the
    /// caller to read. The caller disposes the message.
    /// </summary>
    public async Task<HttpMessage> SendAsync(HttpPipeline pipeline, string resourceId, bool write, bool urgent, Func<HttpMessage> create, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            var outcome = await _pipeline.ExecuteOutcomeAsync<HttpMessage, string>(
                async (ctx, id) =>
                {
                    try
                    {
                        var message = await ExecuteOnceAsync(pipeline, id, write, urgent, create, ctx.CancellationToken);
                        if (ctx.Properties.TryGetValue(LastAnswer, out var earlier))
                        {
                            earlier?.Dispose();
                        }

                        ctx.Properties.Set(LastAnswer, message);
                        return IsTransient(message.Response.Status)
                            ? Outcome.FromException<HttpMessage>(new RequestFailedException(message.Response))
                            : Outcome.FromResult(message);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !ctx.CancellationToken.IsCancellationRequested)
                    {
                        return Outcome.FromException<HttpMessage>(ex);
                    }
                },
                context,
                resourceId);
            if (outcome.Exception is RequestFailedException && context.Properties.TryGetValue(LastAnswer, out var last) && last is not null)
            {
                return last;
            }

            outcome.ThrowIfException();
            return outcome.Result!;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async Task<HttpMessage> ExecuteOnceAsync(HttpPipeline pipeline, string resourceId, bool write, bool urgent, Func<HttpMessage> create, CancellationToken cancellationToken)
    {
        using var answer = await _budget.AcquireAsync(Resources.ArmId.SubscriptionId(resourceId), write, urgent, cancellationToken);
        using var timeout = _timeouts.Start(_settings.RequestTimeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var message = create();
        try
        {
            // A write, once sent, is waited for until ARM answers it (within ArmRequestTimeout), even when the caller stops
            // (a superseded failover, a lease about to lapse): ARM may go on with a request whose caller went away, and only
            // its answer says whether it did. A decision made after the caller stopped then reads what ARM accepted (a NIC
            // still updating, say) instead of reading before ARM takes the write and being overtaken by it.
            await pipeline.SendAsync(message, write ? timeout.Token : linked.Token);
            return message;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            message.Dispose();
            throw new ArmAttemptTimeoutException(_settings.RequestTimeout);
        }
        catch
        {
            message.Dispose();
            throw;
        }
    }

    /// <summary>An answer or failure worth another attempt: 408, 429, 500, 502, 503, 504, no answer, a dropped connection.</summary>
    private static bool IsTransient(Exception? exception) => exception switch
    {
        ArmAttemptTimeoutException => true,
        RequestFailedException { Status: 0 } e => e.InnerException is HttpRequestException { InnerException: not System.Security.Authentication.AuthenticationException } or IOException,
        RequestFailedException e => IsTransient(e.Status),
        HttpRequestException e => e.InnerException is not System.Security.Authentication.AuthenticationException,
        _ => false,
    };

    private static bool IsTransient(int status) => status is 408 or 429 or 500 or 502 or 503 or 504;

    private static TimeSpan? RetryAfter(Exception? exception) =>
        exception is RequestFailedException e && e.GetRawResponse() is { } response ? RetryAfter(response) : null;

    /// <summary>The wait the service asked for: x-ms-retry-after-ms, retry-after-ms, or Retry-After (seconds), at most a minute.</summary>
    internal static TimeSpan? RetryAfter(Response response)
    {
        TimeSpan? wait = null;
        if ((response.Headers.TryGetValue("x-ms-retry-after-ms", out var ms) || response.Headers.TryGetValue("retry-after-ms", out ms))
            && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds))
        {
            wait = TimeSpan.FromMilliseconds(milliseconds);
        }
        else if (response.Headers.TryGetValue("Retry-After", out var seconds) && double.TryParse(seconds, NumberStyles.Float, CultureInfo.InvariantCulture, out var s))
        {
            wait = TimeSpan.FromSeconds(s);
        }

        return wait > TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : wait;
    }
}

/// <summary>Feeds every answer of both pipelines back to the budget: what ARM says is left, and its 429s.</summary>
internal sealed class ArmBudgetPolicy(ArmBudget budget) : HttpPipelineSynchronousPolicy
{
    public override void OnReceivedResponse(HttpMessage message)
    {
        var write = message.Request.Method != RequestMethod.Get && message.Request.Method != RequestMethod.Head;
        var subscription = Resources.ArmId.SubscriptionId(message.Request.Uri.Path);
        var response = message.Response;
        var header = write ? "x-ms-ratelimit-remaining-subscription-writes" : "x-ms-ratelimit-remaining-subscription-reads";
        int? remaining = response.Headers.TryGetValue(header, out var value) && int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var left) ? left : null;
        var throttled = response.Status == 429 && !IsBusyResource(response);
        budget.Observe(subscription, write, remaining, throttled ? ArmResilience.RetryAfter(response) ?? TimeSpan.FromSeconds(1) : null);
    }

    // A 429 because the resource is busy with another operation is about that resource, not the subscription's budget.
    private static bool IsBusyResource(Response response) =>
        ArmHttpClient.ArmErrorOf(response).Code is "RetryableErrorDueToAnotherOperation" or "RetryableError" or "AnotherOperationInProgress";
}
