using System.Net;
using Azure.Core;
using Azure.Core.Pipeline;
using NvaFailover.Time;

namespace NvaFailover.Azure.Tests;

/// <summary>What ArmResilience does with a request whose caller stops while ARM has it.</summary>
public sealed class ArmResilienceTests
{
    private const string Nic = "/subscriptions/aaaaaaaa-1111-1111-1111-000000000001/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/fw-a-nic";

    // A superseded failover stops while its NIC write is on the wire. ARM goes on with a request whose caller went away,
    // so the write is waited for until ARM answers: the decision that follows then reads what ARM took (fault-suite seed
    // 971: the next failover read the NIC before ARM took the detach, called the public IP in place, and it was detached).
    [Fact]
    public async Task AWriteOnTheWire_IsWaitedForUntilARMAnswers_WhenItsCallerStops()
    {
        var (handler, pipeline, resilience) = Held();
        using var stop = new CancellationTokenSource();

        var write = resilience.SendAsync(pipeline, Nic, write: true, urgent: true, () => Message(pipeline, RequestMethod.Put), stop.Token);
        await handler.Received.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        var stillWaiting = !write.IsCompleted;
        handler.Answer.SetResult(HttpStatusCode.Created);
        using var answer = await write.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(stillWaiting);
        Assert.Equal(201, answer.Response.Status);
        Assert.False(handler.Aborted);
    }

    [Fact]
    public async Task AReadOnTheWire_StopsWithItsCaller()
    {
        var (handler, pipeline, resilience) = Held();
        using var stop = new CancellationTokenSource();

        var read = resilience.SendAsync(pipeline, Nic, write: false, urgent: true, () => Message(pipeline, RequestMethod.Get), stop.Token);
        await handler.Received.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(handler.Aborted);
    }

    private static (HeldHandler Handler, HttpPipeline Pipeline, ArmResilience Resilience) Held()
    {
        var handler = new HeldHandler();
        var options = new TestClientOptions { Transport = new HttpClientTransport(new HttpClient(handler)) };
        options.Retry.MaxRetries = 0;
        var pipeline = HttpPipelineBuilder.Build(options);
        var resilience = new ArmResilience(
            new ArmBudget(TimeProvider.System, new ArmBudgetLimits()),
            new NetworkTimeouts(TimeProvider.System, TimeSpan.Zero),
            new ArmClientSettings(Retries: 0, RequestTimeout: TimeSpan.FromMinutes(5), OperationTimeout: TimeSpan.FromMinutes(5), PollInterval: TimeSpan.FromSeconds(1)),
            TimeProvider.System);
        return (handler, pipeline, resilience);
    }

    private static HttpMessage Message(HttpPipeline pipeline, RequestMethod method)
    {
        var message = pipeline.CreateMessage();
        message.Request.Method = method;
        message.Request.Uri.Reset(new Uri($"https://management.azure.test{Nic}?api-version=2024-05-01"));
        return message;
    }

    private sealed class TestClientOptions : ClientOptions;

    /// <summary>Holds each request until the test answers it; says whether the sender gave up on it first.</summary>
    private sealed class HeldHandler : HttpMessageHandler
    {
        public TaskCompletionSource Received { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<HttpStatusCode> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Aborted { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Received.TrySetResult();
            try
            {
                return new HttpResponseMessage(await Answer.Task.WaitAsync(cancellationToken));
            }
            catch (OperationCanceledException)
            {
                Aborted = true;
                throw;
            }
        }
    }
}
