namespace NvaFailover.Planning;

/// <summary>A plan in words, in one place: what each change does, for the dry-run log, the CLI and reports.</summary>
public static class PlanText
{
    /// <summary>Each change of <paramref name="plan"/>: the resource and the change (route next hop, public IP move).</summary>
    public static IEnumerable<(string Resource, string Change)> Changes(FailoverPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        foreach (var table in plan.RouteTables)
        {
            foreach (var change in table.Changes)
            {
                yield return (table.Table.Id, $"route '{change.RouteName}' ({change.AddressPrefix}) next hop {change.FromIp} -> {change.ToIp}");
            }
        }

        foreach (var move in plan.PublicIpMoves)
        {
            yield return (move.PublicIp.Id, $"public IP {move.PublicIp.IpAddress} from {move.FromIpConfigurationId ?? "(unattached)"} -> {move.To.IpConfigurationId}");
        }
    }
}
