using Microsoft.Extensions.Logging;
using NvaFailover.Decisions;
using NvaFailover.Planning;
using NvaFailover.Telemetry;
using NvaFailover.Topology;

namespace NvaFailover.Monitoring;

/// <summary>What a cluster's rounds find wrong, said once: each finding when it first appears, and "cannot fail over" as a page.</summary>
internal sealed class ClusterFindings(string cluster, ClusterMemory memory, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan CannotFailOverRepeat = TimeSpan.FromMinutes(1);

    /// <summary>True the first time <paramref name="key"/> is seen: what is said once is said under that key.</summary>
    public bool First(string key) => memory.LoggedFindings.Add(key);

    /// <summary>
    /// Logs a dry run's changes under <paramref name="key"/> (action, from, to) once: false when they were logged already.
    /// A <paramref name="repeatable"/> run (nvafo plan) logs them every time and leaves the key as it was.
    /// </summary>
    public bool LogDryRun(string key, FailoverPlan plan, bool repeatable)
    {
        if (!repeatable && memory.DryRunLogged == key)
        {
            return false;
        }

        foreach (var (resource, change) in PlanText.Changes(plan))
        {
            Log.DryRunChange(logger, cluster, resource, change);
        }

        memory.DryRunLogged = repeatable ? memory.DryRunLogged : key;
        return true;
    }

    public void LogNew(IEnumerable<Finding> findings)
    {
        foreach (var finding in findings)
        {
            if (First($"{finding.ResourceId}|{finding.Message}"))
            {
                var level = finding.Severity == FindingSeverity.Error ? LogLevel.Error : LogLevel.Warning;
                Log.Finding(logger, level, cluster, finding.SeverityWord, finding.ResourceId, finding.Message);
            }
        }
    }

    /// <summary>
    /// A watchdog that cannot fail over pages: an Error event when it starts, again every minute while it lasts (so the
    /// alert on it stays raised and resolves once it stops), and an Information event when it clears.
    /// </summary>
    public void ReportCannotFailOver(IReadOnlyList<string> reasons)
    {
        var now = time.GetUtcNow();
        if (reasons.Count == 0)
        {
            if (memory.CannotFailOverLogged is not null)
            {
                memory.CannotFailOverLogged = null;
                Log.ClusterCanFailOver(logger, cluster);
            }

            return;
        }

        var reason = string.Join(" | ", reasons);
        if (memory.CannotFailOverLogged is not { } logged || logged.Reason != reason || now - logged.At >= CannotFailOverRepeat)
        {
            memory.CannotFailOverLogged = (reason, now);
            Log.ClusterCannotFailOver(logger, cluster, reason);
        }
    }
}
