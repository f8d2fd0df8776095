using Microsoft.Azure.Functions.Worker;
using NvaFailover.Monitoring;

namespace NvaFailover.Functions;

/// <summary>
/// The one function: each timer tick runs one monitor invocation (with Probe:Interval it keeps probing until shortly
/// before the next tick). The platform's timer lease keeps it to one instance at a time.
/// </summary>
public sealed class NvaFailoverTimer(FailoverMonitor monitor)
{
    /// <summary>Runs one invocation on the NvaFailover:Schedule app setting (NvaFailover__Schedule).</summary>
    [Function("NvaFailoverTimer")]
    public Task RunAsync([TimerTrigger("%NvaFailover:Schedule%", RunOnStartup = false)] TimerInfo timer, CancellationToken cancellationToken) =>
        monitor.RunInvocationAsync(cancellationToken);
}
