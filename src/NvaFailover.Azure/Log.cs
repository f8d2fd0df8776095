using Microsoft.Extensions.Logging;

namespace NvaFailover.Azure;

/// <summary>The adapters' events; ids 1100 and up (the core's are 1000-1099). Names and ids are a contract with infra/.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1100, EventName = "ArmThrottled", Level = LogLevel.Warning,
        Message = "ARM throttled {Operation} (HTTP 429 {ErrorCode}); retrying after {RetryAfterSeconds} s")]
    public static partial void ArmThrottled(ILogger logger, string operation, string errorCode, double retryAfterSeconds);
}
