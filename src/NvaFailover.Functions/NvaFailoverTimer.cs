using Microsoft.Azure.Functions.Worker;
using NvaFailover.Monitoring;
using NvaFailover.Settings;

namespace NvaFailover.Functions;

/// <summary>
/// The one function: each timer tick runs one monitor invocation (with Probe:Interval it keeps probing until shortly
/// before the next tick). The platform's timer lease keeps it to one instance at a time.
/// </summary>
public sealed class NvaFailoverTimer(FailoverMonitor monitor)
{
    /// <summary>
    /// The app setting the timer's schedule is read from. A flat name, because the platform resolves a binding
    /// expression against app setting names, and on Linux an app setting name cannot hold the ':' of a nested key;
    /// NvaFailover reads the same setting as its Schedule.
    /// </summary>
    public const string ScheduleSetting = SettingsReader.FlatScheduleSetting;

    /// <summary>Runs one invocation on the schedule in the <see cref="ScheduleSetting"/> app setting.</summary>
    [Function("NvaFailoverTimer")]
    public Task RunAsync([TimerTrigger("%" + ScheduleSetting + "%", RunOnStartup = false)] TimerInfo timer, CancellationToken cancellationToken) =>
        monitor.RunInvocationAsync(cancellationToken);
}
