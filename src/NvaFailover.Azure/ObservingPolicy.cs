using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Logging;
using NvaFailover.Telemetry;

namespace NvaFailover.Azure;

/// <summary>Sees every ARM response of both pipelines (Compute SDK and Network client) and records throttling.</summary>
internal sealed class ObservingPolicy(NvaFailoverMetrics metrics, ILogger<ObservingPolicy> logger) : HttpPipelineSynchronousPolicy
{
    public override void OnReceivedResponse(HttpMessage message)
    {
        if (message.Response.Status != 429)
        {
            return;
        }

        var operation = $"{message.Request.Method} {ResourceType(message.Request.Uri.Path)}";
        metrics.Throttled(operation);
        var retryAfter = message.Response.Headers.TryGetValue("Retry-After", out var value) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) ? seconds : 0;
        Log.ArmThrottled(logger, operation, ErrorCode(message.Response), retryAfter);
    }

    /// <summary>The last resource type segment of an ARM path: <c>routeTables</c>, <c>instanceView</c>, <c>operations</c>.</summary>
    internal static string ResourceType(string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments.Length switch
        {
            0 => path,
            _ when segments.Length % 2 == 0 => segments[^2],
            _ => segments[^1],
        };
    }

    private static string ErrorCode(Response response)
    {
        try
        {
            using var json = JsonDocument.Parse(response.Content.ToMemory());
            return json.RootElement.TryGetProperty("error", out var error) && error.TryGetProperty("code", out var code) ? code.GetString() ?? "" : "";
        }
        catch (JsonException)
        {
            return "";
        }
    }
}
