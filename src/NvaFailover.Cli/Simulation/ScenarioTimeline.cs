using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using NvaFailover.Emulator;
using NvaFailover.Emulator.Faults;
using NvaFailover.Emulator.Scenarios;
using NvaFailover.Monitoring;
using NvaFailover.Scheduling;
using NvaFailover.Time;

namespace NvaFailover.Cli.Simulation;

/// <summary>
/// Plays a scenario: the timer fires on the schedule (each tick one invocation, as the Functions host runs it), and
/// each timeline event happens at its own time, whatever else is running (an operator's switchover never delays a
/// power-off that follows it).
/// </summary>
/// <param name="scenario">The scenario.</param>
/// <param name="emulator">The emulator it runs on.</param>
/// <param name="watchers">The failover hosts, each on its own timer (killWatcher kills one; an operator's switchover goes to the first alive).</param>
/// <param name="schedule">The timer's schedule.</param>
/// <param name="clock">Scenario time.</param>
/// <param name="tagNames">The tags that mark the clusters' tables (RouteTables:TagName), which untagRouteTable removes.</param>
/// <param name="leader">The number of the watcher that leads most clusters now (the witness's holder), for killWatcher's <c>"watcher": "leader"</c>.</param>
internal sealed class ScenarioTimeline(Scenario scenario, ArmEmulator emulator, IReadOnlyList<SimulatedWatcher> watchers, TimerSchedule schedule, TimeProvider clock, IReadOnlyCollection<string> tagNames, Func<int>? leader = null)
{
    private readonly ConcurrentQueue<AppliedEvent> _applied = new();

    /// <summary>The events as they were applied.</summary>
    public IReadOnlyList<AppliedEvent> Applied => [.. _applied.OrderBy(e => e.At)];

    /// <summary>Runs from now until the scenario's duration has passed.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var start = clock.GetUtcNow();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = watchers.Select(w => TimerAsync(w, start + scenario.Duration, stop.Token)).ToList();
        tasks.AddRange(scenario.Timeline.Select(e => EventAsync(e, start, stop.Token)));
        try
        {
            await Until(start + scenario.Duration, cancellationToken);
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var task in tasks)
            {
                try
                {
                    await task;
                }
                catch (OperationCanceledException)
                {
                    // The scenario's time is up.
                }
            }
        }
    }

    private async Task TimerAsync(SimulatedWatcher watcher, DateTimeOffset end, CancellationToken token)
    {
        // As the Functions host: a tick starts an invocation; the next tick is the first occurrence after it returned.
        var next = schedule.Next(clock.GetUtcNow());
        while (next < end)
        {
            await Until(next, token);
            await watcher.RunInvocationAsync(token);
            next = schedule.Next(clock.GetUtcNow());
        }
    }

    private async Task EventAsync(TimelineEvent e, DateTimeOffset start, CancellationToken token)
    {
        await Until(start + e.At, token);
        string? error = null;
        try
        {
            Apply(e);
        }
        catch (ArgumentException ex)
        {
            error = ex.Message;
        }

        _applied.Enqueue(new AppliedEvent(e, clock.GetUtcNow() - start, error));
        if (e.Do == "switchover" && watchers.Select(w => w.Host).FirstOrDefault(h => h is not null)?.Get<FailoverMonitor>() is { } monitor)
        {
            // An operator's request: the round's report says what came of it.
            await monitor.RunRoundAsync(e["cluster"]!, new RoundRequest(SwitchoverTo: e["to"]), token);
        }
        else if (e.Do == "killWatcher")
        {
            var which = e.Data["watcher"] switch
            {
                null => 1,
                { } n when n.GetValueKind() == JsonValueKind.String => leader?.Invoke() ?? 1,
                { } n => n.GetValue<int>(),
            };
            await watchers[which - 1].KillAsync(TimeSpan.Parse(e["downFor"]!, CultureInfo.InvariantCulture), clock, token);
        }
    }

    private void Apply(TimelineEvent e)
    {
        switch (e.Do)
        {
            case "powerOff" or "start" or "deallocate":
                emulator.PowerAction(e["vm"]!, e.Do);
                break;
            case "probeDown" or "probeUp":
                emulator.SetProbe(e["vm"]!, e.Do == "probeUp");
                break;
            case "stopForwarding" or "startForwarding":
                emulator.SetForwarding(e["vm"]!, e.Do == "startForwarding");
                break;
            case "canaryDown" or "canaryUp":
                emulator.SetCanary(e.Do == "canaryUp");
                break;
            case "armFaults":
                var status = e.Data["status"]!.GetValueKind() == JsonValueKind.String ? 0 : e.Data["status"]!.GetValue<int>();
                var target = e["operation"] is null && e["subscription"] is null && e["resource"] is null ? null : new FaultTarget(e["operation"], e["subscription"], e["resource"]);
                emulator.AddFaults(status, e.Data["probability"]!.GetValue<double>(), TimeSpan.Parse(e["for"]!, CultureInfo.InvariantCulture), target: target,
                    retryAfter: e["retryAfter"] is { } retryAfter ? TimeSpan.Parse(retryAfter, CultureInfo.InvariantCulture) : null);
                break;
            case "editRoute":
                emulator.EditRoute(e["routeTable"]!, e["route"]!, e["nextHopIpAddress"]!);
                break;
            case "editNic":
                emulator.EditNic(e["nic"]!, e.Data["tags"]!.AsObject());
                break;
            case "untagRouteTable":
                emulator.UntagRouteTable(e["routeTable"]!, tagNames);
                break;
            case "deleteRouteTable":
                emulator.DeleteRouteTable(e["routeTable"]!);
                break;
            case "switchover" or "killWatcher":
                break;
            default:
                throw new ArgumentException($"Unknown action '{e.Do}'.");
        }
    }

    private Task Until(DateTimeOffset at, CancellationToken token) => clock.DelayUntilAsync(at, token);
}
