using Microsoft.Extensions.Logging;

namespace NvaFailover.Telemetry;

/// <summary>
/// Every event NvaFailover logs. EventIds and property names are a contract: Application Insights stores the
/// properties as custom dimensions, and the alert rules and workbook in infra/ query them by these names.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1000, EventName = "RoundCompleted", Level = LogLevel.Information,
        Message = "Cluster {Cluster}: round {Action}, active {ActiveNva}, health {Health}, writes: {Writes}, in {DurationMs} ms")]
    public static partial void RoundCompleted(ILogger logger, string cluster, string action, string activeNva, string health, int writes, long durationMs);

    [LoggerMessage(EventId = 1001, EventName = "NvaDown", Level = LogLevel.Warning,
        Message = "Cluster {Cluster}: NVA {Nva} is down (failed attempts: {Attempts}): {Reason}")]
    public static partial void NvaDown(ILogger logger, string cluster, string nva, int attempts, string reason);

    [LoggerMessage(EventId = 1002, EventName = "NvaUp", Level = LogLevel.Information,
        Message = "Cluster {Cluster}: NVA {Nva} is up")]
    public static partial void NvaUp(ILogger logger, string cluster, string nva);

    [LoggerMessage(EventId = 1003, EventName = "FailoverStarted", Level = LogLevel.Warning,
        Message = "Cluster {Cluster}: {Action} from {FromNva} to {ToNva} ({Reason}), detected after {DetectionSeconds} s; to move: routes {RouteCount} in route tables {TableCount}, public IPs {PublicIpCount}")]
    public static partial void FailoverStarted(ILogger logger, string cluster, string action, string fromNva, string toNva, string reason, double detectionSeconds, int routeCount, int tableCount, int publicIpCount);

    [LoggerMessage(EventId = 1004, EventName = "FailoverCompleted", Level = LogLevel.Warning,
        Message = "Cluster {Cluster}: {Action} from {FromNva} to {ToNva} ({Reason}) completed: detection {DetectionSeconds} s, convergence {ConvergenceSeconds} s, routes changed: {RoutesChanged}, public IPs moved: {PublicIpsMoved}")]
    public static partial void FailoverCompleted(ILogger logger, string cluster, string action, string fromNva, string toNva, string reason, double detectionSeconds, double convergenceSeconds, int routesChanged, int publicIpsMoved);

    [LoggerMessage(EventId = 1005, EventName = "AllNvasDown", Level = LogLevel.Error,
        Message = "Cluster {Cluster}: every NVA is down ({Health}); holding the last known good routes through {ActiveNva}, nothing is written until one recovers")]
    public static partial void AllNvasDown(ILogger logger, string cluster, string health, string activeNva);

    [LoggerMessage(EventId = 1006, EventName = "Reconciled", Level = LogLevel.Warning,
        Message = "Cluster {Cluster}: routes and public IPs that disagreed with active NVA {ActiveNva} were put back: routes {RoutesChanged}, public IPs {PublicIpsMoved}")]
    public static partial void Reconciled(ILogger logger, string cluster, string activeNva, int routesChanged, int publicIpsMoved);

    [LoggerMessage(EventId = 1007, EventName = "PartialFailure", Level = LogLevel.Error,
        Message = "Cluster {Cluster}: write to {ResourceId} failed ({Status}, {ErrorCode}): {ErrorMessage}; the next round re-reads and repairs it")]
    public static partial void PartialFailure(ILogger logger, string cluster, string resourceId, string status, string errorCode, string errorMessage);

    [LoggerMessage(EventId = 1008, EventName = "ConfigWarning", Level = LogLevel.Warning,
        Message = "Setting {Setting}: {Warning}")]
    public static partial void ConfigWarning(ILogger logger, string setting, string warning);

    /// <summary>At Error level for an ERROR finding (something that stops a failover from being complete), else Warning.</summary>
    [LoggerMessage(EventId = 1009, EventName = "Finding",
        Message = "Cluster {Cluster}: {Severity} at {ResourceId}: {Finding}")]
    public static partial void Finding(ILogger logger, LogLevel level, string cluster, string severity, string resourceId, string finding);

    [LoggerMessage(EventId = 1020, EventName = "ClusterCannotFailOver", Level = LogLevel.Error,
        Message = "Cluster {Cluster} cannot fail over: {Reason}")]
    public static partial void ClusterCannotFailOver(ILogger logger, string cluster, string reason);

    [LoggerMessage(EventId = 1021, EventName = "ClusterCanFailOver", Level = LogLevel.Information,
        Message = "Cluster {Cluster} can fail over again: every NVA's interfaces are known")]
    public static partial void ClusterCanFailOver(ILogger logger, string cluster);

    [LoggerMessage(EventId = 1010, EventName = "DryRunChange", Level = LogLevel.Information,
        Message = "Cluster {Cluster}: dry run, would change {ResourceId}: {Change}")]
    public static partial void DryRunChange(ILogger logger, string cluster, string resourceId, string change);

    [LoggerMessage(EventId = 1011, EventName = "SwitchoverRefused", Level = LogLevel.Warning,
        Message = "Cluster {Cluster}: switchover to {ToNva} refused: {Reason}")]
    public static partial void SwitchoverRefused(ILogger logger, string cluster, string toNva, string reason);

    [LoggerMessage(EventId = 1012, EventName = "RoundFailed", Level = LogLevel.Error,
        Message = "Cluster {Cluster}: round failed: {ErrorMessage}")]
    public static partial void RoundFailed(ILogger logger, Exception exception, string cluster, string errorMessage);

    [LoggerMessage(EventId = 1013, EventName = "ProbeAttemptFailed", Level = LogLevel.Debug,
        Message = "Cluster {Cluster}: probe {Attempt} of {Attempts} for NVA {Nva} failed: {Reason}")]
    public static partial void ProbeAttemptFailed(ILogger logger, string cluster, string nva, int attempt, int attempts, string reason);

    [LoggerMessage(EventId = 1014, EventName = "WriteConflict", Level = LogLevel.Information,
        Message = "Cluster {Cluster}: {ResourceId} changed since it was read (ETag); re-reading and re-planning, attempt {Attempt}")]
    public static partial void WriteConflict(ILogger logger, string cluster, string resourceId, int attempt);

    [LoggerMessage(EventId = 1016, EventName = "FailoverIncomplete", Level = LogLevel.Error,
        Message = "Cluster {Cluster}: failover from {FromNva} to {ToNva} left traffic behind: {NotMoved}")]
    public static partial void FailoverIncomplete(ILogger logger, string cluster, string fromNva, string toNva, string notMoved);

    [LoggerMessage(EventId = 1017, EventName = "NvaUnknown", Level = LogLevel.Warning,
        Message = "Cluster {Cluster}: NVA {Nva}'s health is unknown (not treated as down): {Reason}")]
    public static partial void NvaUnknown(ILogger logger, string cluster, string nva, string reason);

    [LoggerMessage(EventId = 1024, EventName = "FailoverVerified", Level = LogLevel.Information,
        Message = "Cluster {Cluster}: the failover from {FromNva} to {ToNva} is verified on the data plane: the effective routes of {Subnets} subnet(s) send every managed prefix to {ToNva}, and no subnet sends traffic to {FromNva} through a table nobody tagged or a learned route; {FaultToVerifiedSeconds} s from the fault")]
    public static partial void FailoverVerified(ILogger logger, string cluster, string fromNva, string toNva, int subnets, double faultToVerifiedSeconds);

    [LoggerMessage(EventId = 1023, EventName = "ForwardingDestinationSuspect", Level = LogLevel.Warning,
        Message = "Cluster {Cluster}: all {Count} NVAs' forwarding probes fail at the same moment; the destination beyond them (the canary the probes reach, or its network) is suspect, not the appliances, so every NVA's health is unknown and nothing moves. Check the canary. {Details}")]
    public static partial void ForwardingDestinationSuspect(ILogger logger, string cluster, int count, string details);

    [LoggerMessage(EventId = 1018, EventName = "FailoverSuperseded", Level = LogLevel.Warning,
        Message = "Cluster {Cluster}: the failover to {ToNva} is superseded while writing: {Reason}")]
    public static partial void FailoverSuperseded(ILogger logger, string cluster, string toNva, string reason);

    [LoggerMessage(EventId = 1019, EventName = "TargetReprobed", Level = LogLevel.Information,
        Message = "Cluster {Cluster}: {Nva} was last seen up {AgeSeconds} s ago (the round waited on slower probes); probing it again before writing")]
    public static partial void TargetReprobed(ILogger logger, string cluster, string nva, double ageSeconds);

    [LoggerMessage(EventId = 1015, EventName = "DiscoveryCompleted", Level = LogLevel.Information,
        Message = "Cluster {Cluster}: discovered route tables: {TableCount}, interface slots per NVA: {SlotCount}, public IPs: {PublicIpCount}")]
    public static partial void DiscoveryCompleted(ILogger logger, string cluster, int tableCount, int slotCount, int publicIpCount);

    [LoggerMessage(EventId = 1022, EventName = "PowerStatesOneByOne", Level = LogLevel.Warning,
        Message = "Subscription {SubscriptionId}: the power states of its VMs cannot be listed in one read ({Reason}), so each NVA's VM is read on its own, one request per VM and probe attempt; grant Microsoft.Compute/virtualMachines/read on the subscription (the discovery role of infra/ has it) to probe them all in one read")]
    public static partial void PowerStatesOneByOne(ILogger logger, string subscriptionId, string reason);

    [LoggerMessage(EventId = 1025, EventName = "ReadBudgetStretched", Level = LogLevel.Warning,
        Message = "Subscription {SubscriptionId}: routine reads at the configured cadence need {NeededPerSecond} reads/s ({ProbePerSecond} for probes, {DiscoveryPerSecond} for rediscoveries), and ARM's read budget leaves {AvailablePerSecond}/s for them; every cluster reading this subscription now probes every {IntervalSeconds} s (configured {ConfiguredIntervalSeconds} s) and rediscovers every {RefreshSeconds} s (configured {ConfiguredRefreshSeconds} s). Failovers' reads still come first. To restore the cadence, spread the clusters over more subscriptions, or raise DiscoveryRefresh")]
    public static partial void ReadBudgetStretched(ILogger logger, string subscriptionId, double neededPerSecond, double probePerSecond, double discoveryPerSecond, double availablePerSecond, double intervalSeconds, double configuredIntervalSeconds, double refreshSeconds, double configuredRefreshSeconds);

    [LoggerMessage(EventId = 1026, EventName = "ReadBudgetRestored", Level = LogLevel.Information,
        Message = "Subscription {SubscriptionId}: routine reads need {NeededPerSecond} reads/s, within the {AvailablePerSecond}/s ARM's read budget leaves them; every cluster reading this subscription probes and rediscovers at its configured cadence again")]
    public static partial void ReadBudgetRestored(ILogger logger, string subscriptionId, double neededPerSecond, double availablePerSecond);

    [LoggerMessage(EventId = 1027, EventName = "WitnessLeading", Level = LogLevel.Information,
        Message = "Cluster {Cluster}: this watcher leads (it holds the cluster's lease in the witness, {LeaseSeconds} s, renewed as rounds run): it writes for the cluster")]
    public static partial void WitnessLeading(ILogger logger, string cluster, double leaseSeconds);

    [LoggerMessage(EventId = 1028, EventName = "WitnessStandby", Level = LogLevel.Information,
        Message = "Cluster {Cluster}: another watcher holds the cluster's lease in the witness; this one probes and reports but does not write, and takes over when the lease lapses")]
    public static partial void WitnessStandby(ILogger logger, string cluster);

    [LoggerMessage(EventId = 1029, EventName = "WitnessUnreachable", Level = LogLevel.Error,
        Message = "Cluster {Cluster}: the witness could not be used ({Reason}); this watcher writes nothing for the cluster from {StopsWritingAt} until it can renew the lease. Check Witness:ContainerUri, the network path to the storage account, and that the identity has Storage Blob Data Contributor on the container")]
    public static partial void WitnessUnreachable(ILogger logger, string cluster, string reason, string stopsWritingAt);

    [LoggerMessage(EventId = 1030, EventName = "FlightResumed", Level = LogLevel.Warning,
        Message = "Cluster {Cluster}: the witness holds an open failover {FromNva} -> {ToNva} decided at {DecidedAt:HH:mm:ss} by {Watcher} ({Done} of {Planned} writes done); this watcher took the lease and finishes it, each public IP to its recorded slot")]
    public static partial void FlightResumed(ILogger logger, string cluster, string fromNva, string toNva, DateTimeOffset decidedAt, string watcher, int done, int planned);

    [LoggerMessage(EventId = 1031, EventName = "AbandonedReadFailed", Level = LogLevel.Warning,
        Message = "Route table {RouteTableId}: a superseded failover's write to it may still be applied by ARM, and reading it again failed ({Reason}); the next decision writes its routes again whatever the last read showed (the write's ETag tells whether ARM applied the abandoned one), and the cluster is read again at the next round")]
    public static partial void AbandonedReadFailed(ILogger logger, string routeTableId, string reason);
}
