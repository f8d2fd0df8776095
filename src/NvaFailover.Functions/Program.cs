using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NvaFailover.Settings;

var builder = FunctionsApplication.CreateBuilder(args);

// Every event is an operations record (a failover, a health change): none may be sampled away.
builder.Services
    .AddApplicationInsightsTelemetryWorkerService(options => options.EnableAdaptiveSampling = false)
    .ConfigureFunctionsApplicationInsights();

// The Application Insights SDK adds a filter that keeps only Warning and above; NvaFailover's Information events
// (rounds, health changes, discovery) are its operations log, so that filter goes.
builder.Services.Configure<LoggerFilterOptions>(options =>
{
    var warningOnly = options.Rules.FirstOrDefault(rule =>
        rule.ProviderName == "Microsoft.Extensions.Logging.ApplicationInsights.ApplicationInsightsLoggerProvider");
    if (warningOnly is not null)
    {
        options.Rules.Remove(warningOnly);
    }
});

// Invalid settings fail here, at start-up, with the settings message, before any Azure call.
var settings = SettingsReader.Read(builder.Configuration);
builder.Services.AddNvaFailover(settings);

// Logs go through the Functions Application Insights SDK above; it does not read System.Diagnostics.Metrics meters,
// so the NvaFailover meter (failover duration, probe latency, writes, throttling) goes through OpenTelemetry.
builder.Services.AddNvaFailoverAzureMonitor(builder.Configuration, settings, AzureMonitorSignals.Metrics);

builder.Build().Run();
