using Microsoft.Extensions.Logging;

namespace NvaFailover.Azure;

/// <summary>The adapters' events; ids 1100 and up (the core's are 1000-1099). Names and ids are a contract with infra/.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1100, EventName = "ArmThrottled", Level = LogLevel.Warning,
        Message = "ARM throttled {Operation} (HTTP 429 {ErrorCode}); retrying after {RetryAfterSeconds} s")]
    public static partial void ArmThrottled(ILogger logger, string operation, string errorCode, double retryAfterSeconds);

    [LoggerMessage(EventId = 1101, EventName = "WriteStorm", Level = LogLevel.Warning,
        Message = "Subscription {SubscriptionId}: {Writes} writes in five minutes, beyond the {Limit} Microsoft.Network allows; they go as the window frees, the last in about {Seconds} s ({LastAt:HH:mm:ss} UTC). Route tables are written before the second step of any public IP move")]
    public static partial void WriteStorm(ILogger logger, string subscriptionId, int writes, int limit, double seconds, DateTimeOffset lastAt);
}
