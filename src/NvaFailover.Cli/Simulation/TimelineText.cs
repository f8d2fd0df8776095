using System.Globalization;
using NvaFailover.Emulator.Scenarios;
using NvaFailover.Cli.Output;
using NvaFailover.Decisions;
using NvaFailover.Time;
using NvaFailover.Topology;

namespace NvaFailover.Cli.Simulation;

/// <summary>The readable timeline of a rehearsal, printed from its records.</summary>
internal static class TimelineText
{
    public static async Task PrintAsync(TextWriter output, SimulationResult result)
    {
        var scenario = result.Scenario;
        await output.WriteLineAsync(FormattableString.Invariant($"Scenario {scenario.Name}: {scenario.Duration:c} of scenario time at {result.Speed:0.##}x, on the local ARM emulator (real monitor, real adapters, HTTPS)."));
        foreach (var finding in result.Preflight.Where(f => f.Severity != FindingSeverity.Info))
        {
            await output.WriteLineAsync($"preflight {finding.SeverityWord} {finding.ResourceId}: {finding.Message}");
        }

        foreach (var (at, text) in Lines(result))
        {
            await output.WriteLineAsync($"{SimulationResult.Time(at)} {text}");
        }

        await output.WriteLineAsync();
        await output.WriteLineAsync(result.Failovers.Count == 0 ? "No failover happened." : "Failovers:");
        foreach (var f in result.Failovers)
        {
            await output.WriteLineAsync($"  {Describe(f)}");
            foreach (var left in f.NotMoved)
            {
                await output.WriteLineAsync($"    not moved: {left.ResourceId}: {left.Message}");
            }

            foreach (var pending in f.Pending)
            {
                await output.WriteLineAsync($"    pending: {pending}");
            }
        }

        var arm = result.Arm;
        await output.WriteLineAsync($"ARM: {RoundText.Count(arm.Reads, "read")}, {RoundText.Count(arm.Writes, "write")}, {arm.Throttled} throttled, {RoundText.Count(arm.Conflicts, "conflict")}, {arm.Failed} failed.");
    }

    /// <summary>Events when they were applied; a round when it decided, if its health changed or it acted or failed.</summary>
    public static List<(TimeSpan At, string Text)> Lines(SimulationResult result)
    {
        var lines = new List<(TimeSpan At, int Order, string Text)>();
        foreach (var e in result.Events)
        {
            lines.Add((e.At, 0, $">> {Event(e)}{(e.Error is null ? "" : $" (could not be applied: {e.Error})")}"));
        }

        var previous = new Dictionary<string, string>();
        foreach (var r in result.Rounds.OrderBy(r => r.DecidedAt))
        {
            var health = RoundText.Health(r);
            var changed = !previous.TryGetValue(r.Cluster, out var before) || before != health;
            previous[r.Cluster] = health;
            if (changed || r.Action != RoundAction.None || r.Failed)
            {
                lines.Add((result.Since(r.DecidedAt), 1, $"   {RoundText.Summary(r)}"));
            }
        }

        return [.. lines.OrderBy(l => SimulationResult.Time(l.At), StringComparer.Ordinal).ThenBy(l => l.Order).ThenBy(l => l.At).Select(l => (l.At, l.Text))];
    }

    public static string Event(AppliedEvent e) => e.Event.Do switch
    {
        "switchover" => $"operator: switchover of {e.Event["cluster"]} to {e.Event["to"]}",
        "editRoute" => $"someone edits route {e.Event["route"]} of {e.Event["routeTable"]} to {e.Event["nextHopIpAddress"]}",
        "editNic" => $"someone tags NIC {e.Event["nic"]} ({string.Join(", ", e.Event.Data["tags"]!.AsObject().Select(t => $"{t.Key}={t.Value}"))})",
        "untagRouteTable" => $"someone removes the cluster's tag from route table {e.Event["routeTable"]}",
        "deleteRouteTable" => $"someone deletes route table {e.Event["routeTable"]}",
        "killWatcher" => $"the failover host{(e.Event.Data["watcher"] is { } n ? $" watcher-{n}" : "")} is killed (kill -9); a new one starts {e.Event["downFor"]} later",
        "armFaults" => string.Create(CultureInfo.InvariantCulture, $"ARM starts failing: {e.Event.Data["status"]} for {e.Event.Data["probability"]!.GetValue<double>():P0} of {FaultTargetText(e.Event)}, for {e.Event["for"]}{(e.Event["retryAfter"] is { } retry ? $" (Retry-After {retry})" : "")}"),
        "probeDown" => $"{e.Event["vm"]} hangs (its probe stops answering, the VM keeps running)",
        "probeUp" => $"{e.Event["vm"]} answers its probe again",
        "stopForwarding" => $"{e.Event["vm"]} stops forwarding (gray failure: the VM runs, its probe still answers)",
        "startForwarding" => $"{e.Event["vm"]} forwards again",
        "canaryDown" => "the destination beyond every NVA (the forwarding probes' canary) stops answering",
        "canaryUp" => "the canary answers again",
        _ => $"{e.Event.Do} {e.Event["vm"]}",
    };

    /// <summary>Which requests an armFaults event aims at: "requests", or "PUT networkInterfaces requests to nic-b in subscription S".</summary>
    private static string FaultTargetText(TimelineEvent e) =>
        $"{(e["operation"] is { } operation ? $"{operation} " : "")}requests{(e["resource"] is { } resource ? $" to {resource}" : "")}{(e["subscription"] is { } subscription ? $" in subscription {subscription}" : "")}";

    public static string Describe(FailoverRecord f)
    {
        var fault = f.FaultAt is { } at ? $"fault {SimulationResult.Time(at)}, " : "";
        var detection = f.FaultAt is { } faultAt ? $" (+{Seconds.Text(f.DetectedAt - faultAt)})" : "";
        var outcome = f.Status switch
        {
            FailoverStatus.Converged => $"converged {SimulationResult.Time(f.ConvergedAt!.Value)} (+{Seconds.Text(f.ConvergedAt.Value - f.DetectedAt)})",
            FailoverStatus.NotMoved => "NOT converged: every write succeeded but some of it could not move",
            FailoverStatus.Failed => "NOT converged: a write failed and was not repaired before the end",
            FailoverStatus.Superseded => "superseded by a later decision",
            _ => "still writing when the scenario ended",
        };
        var routes = f.RoutesConvergedAt is { } r && f.PublicIpsConvergedAt is { } p
            ? $" (routes {SimulationResult.Time(r)}, public IPs {SimulationResult.Time(p)})"
            : "";
        var verified = f.VerifiedAt is { } v ? $", verified {SimulationResult.Time(v)}{(f.FaultAt is { } from ? $" (+{Seconds.Text(v - from)} from the fault)" : "")}"
            : f.Unverified.Count > 0 ? $", NOT verified on the data plane: {string.Join("; ", f.Unverified)}"
            : "";
        return $"{f.Cluster}: {f.From} -> {f.To} ({f.Reason}): {fault}detected {SimulationResult.Time(f.DetectedAt)}{detection}, {outcome}{routes}{verified}; {RoundText.Count(f.RoutesChanged, "route")}, {RoundText.Count(f.PublicIpsMoved, "public IP")}";
    }
}
