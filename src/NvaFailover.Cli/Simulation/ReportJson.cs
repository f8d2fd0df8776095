using System.Text.Json.Nodes;
using NvaFailover.Cli.Output;
using NvaFailover.Time;

namespace NvaFailover.Cli.Simulation;

/// <summary>The simulation contract's JSON report, from the result's records.</summary>
internal static class ReportJson
{
    public static JsonObject Build(SimulationResult result)
    {
        var final = result.Final.DeepClone().AsObject();
        final.Remove("virtualMachines");
        return new JsonObject
        {
            ["scenario"] = result.Scenario.Name,
            // "cycles" is the contract's name for the report's rounds (renaming it would break the readers of reports).
            ["cycles"] = new JsonArray([.. result.Rounds.Select(r => (JsonNode)new JsonObject
            {
                ["at"] = SimulationResult.Time(result.Since(r.StartedAt)),
                ["cluster"] = r.Cluster,
                ["health"] = RoundText.HealthJson(r.Health),
                ["active"] = r.Active,
                ["action"] = RoundText.Action(r.Action),
                ["writes"] = r.Writes,
            })]),
            ["failovers"] = new JsonArray([.. result.Failovers.Select(f => (JsonNode)Failover(f))]),
            ["final"] = final,
            ["preflight"] = RoundText.FindingsJson(result.Preflight),
            ["arm"] = new JsonObject
            {
                ["reads"] = result.Arm.Reads,
                ["writes"] = result.Arm.Writes,
                ["throttled"] = result.Arm.Throttled,
                ["conflicts"] = result.Arm.Conflicts,
                ["failed"] = result.Arm.Failed,
                ["byOperation"] = new JsonObject(result.Arm.ByOperation.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
            },
        };
    }

    private static JsonObject Failover(FailoverRecord f) => new()
    {
        ["cluster"] = f.Cluster,
        ["from"] = f.From,
        ["to"] = f.To,
        ["reason"] = f.Reason,
        ["faultAt"] = f.FaultAt is { } fault ? SimulationResult.Time(fault) : null,
        ["detectedAt"] = SimulationResult.Time(f.DetectedAt),
        ["convergedAt"] = f.ConvergedAt is { } converged ? SimulationResult.Time(converged) : null,
        ["verifiedAt"] = f.VerifiedAt is { } verified ? SimulationResult.Time(verified) : null,
        ["unverified"] = new JsonArray([.. f.Unverified.Select(u => (JsonNode)new JsonObject
        {
            ["subnetId"] = u.SubnetId,
            ["addressPrefix"] = u.AddressPrefix,
            ["nextHopIpAddress"] = u.NextHopIpAddress,
            ["reason"] = u.Reason,
        })]),
        ["routesChanged"] = f.RoutesChanged,
        ["publicIpsMoved"] = f.PublicIpsMoved,
        ["status"] = f.StatusWord,
        ["routesConvergedAt"] = f.RoutesConvergedAt is { } routes ? SimulationResult.Time(routes) : null,
        ["publicIpsConvergedAt"] = f.PublicIpsConvergedAt is { } pips ? SimulationResult.Time(pips) : null,
        ["detectionSeconds"] = f.FaultAt is { } at ? Seconds.Round(f.DetectedAt - at) : null,
        ["convergenceSeconds"] = f.ConvergedAt is { } end ? Seconds.Round(end - f.DetectedAt) : null,
        ["notMoved"] = RoundText.FindingsJson(f.NotMoved),
        ["pending"] = new JsonArray([.. f.Pending.Select(p => (JsonNode)p)]),
    };
}
