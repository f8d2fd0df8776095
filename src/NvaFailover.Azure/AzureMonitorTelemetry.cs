using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using NvaFailover.Azure;
using NvaFailover.Settings;
using NvaFailover.Telemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Resources;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>What a host sends to Azure Monitor through OpenTelemetry.</summary>
[Flags]
public enum AzureMonitorSignals
{
    /// <summary>Nothing.</summary>
    None = 0,
    /// <summary>The log events (traces table): what the alerts and the workbook query.</summary>
    Logs = 1,
    /// <summary>The NvaFailover meter (customMetrics): failover duration, probe latency, writes, throttling.</summary>
    Metrics = 2,
    /// <summary>The NvaFailover activity source (dependencies): one span per round.</summary>
    Traces = 4,
    /// <summary>All three.</summary>
    All = Logs | Metrics | Traces,
}

/// <summary>Sends NvaFailover's telemetry to Application Insights through OpenTelemetry and the Azure Monitor exporter.</summary>
public static class NvaFailoverAzureMonitorExtensions
{
    /// <summary>The setting (app setting or environment variable) that names the Application Insights resource.</summary>
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>Application Insights' own setting for Entra authentication: <c>Authorization=AAD</c> (infra/ sets it).</summary>
    public const string AuthenticationStringSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    /// <summary>
    /// When <paramref name="configuration"/> has <see cref="ConnectionStringSetting"/>, exports <paramref name="signals"/> to
    /// that resource. With <see cref="AuthenticationStringSetting"/> <c>Authorization=AAD</c>, as for the Functions app,
    /// it authenticates with Entra ID through the same credential as ARM (the identity needs Monitoring Metrics Publisher
    /// on the resource; infra/ assigns it); otherwise with the connection string's key. Returns whether it exports.
    /// </summary>
    public static bool AddNvaFailoverAzureMonitor(this IServiceCollection services, IConfiguration configuration, SettingsRead settings, AzureMonitorSignals signals)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(settings);
        if (configuration[ConnectionStringSetting] is not { Length: > 0 } connectionString || signals == AzureMonitorSignals.None)
        {
            return false;
        }

        var credential = UsesEntra(configuration) ? new AzureConnection(settings.Options).Credential : null;
        void Exporter(AzureMonitorExporterOptions options)
        {
            options.ConnectionString = connectionString;

            // Every event is an operations record (a failover, a health change): none may be sampled away, and a log
            // written in a round is exported whatever became of the round's span.
            options.SamplingRatio = 1.0F;
            options.TracesPerSecond = null;
            options.EnableTraceBasedLogsSampler = false;
        }
        var telemetry = services.AddOpenTelemetry().ConfigureResource(resource => resource.AddService("nvafailover"));
        if (signals.HasFlag(AzureMonitorSignals.Logs))
        {
            // Formatted messages, and the event's id and name as dimensions: the alerts and the workbook query EventName.
            telemetry.WithLogging(
                logging => logging.AddProcessor(new EventNameProcessor()).AddAzureMonitorLogExporter(Exporter, credential),
                options => options.IncludeFormattedMessage = true);
        }

        if (signals.HasFlag(AzureMonitorSignals.Metrics))
        {
            telemetry.WithMetrics(metrics => metrics.AddMeter(NvaFailoverMetrics.Name).AddAzureMonitorMetricExporter(Exporter, credential));
        }

        if (signals.HasFlag(AzureMonitorSignals.Traces))
        {
            telemetry.WithTracing(tracing => tracing.AddSource(NvaFailoverMetrics.Name).AddAzureMonitorTraceExporter(Exporter, credential));
        }

        return true;
    }

    /// <summary>True when the Application Insights authentication setting asks for Entra ID (<c>Authorization=AAD</c>).</summary>
    public static bool UsesEntra(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return (configuration[AuthenticationStringSetting] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Any(part => part.Equals("Authorization=AAD", StringComparison.OrdinalIgnoreCase));
    }
}

/// <summary>
/// Adds each log record's event id and name as attributes (<c>EventId</c>, <c>EventName</c>), as the Application Insights
/// logger of the Functions app does, so one set of queries serves every host.
/// </summary>
internal sealed class EventNameProcessor : OpenTelemetry.BaseProcessor<OpenTelemetry.Logs.LogRecord>
{
    public override void OnEnd(OpenTelemetry.Logs.LogRecord data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.EventId.Id == 0 && data.EventId.Name is null)
        {
            return;
        }

        var attributes = new List<KeyValuePair<string, object?>>(data.Attributes ?? []);
        attributes.Add(new("EventId", data.EventId.Id));
        if (data.EventId.Name is { } name)
        {
            attributes.Add(new("EventName", name));
        }

        data.Attributes = attributes;
    }
}
