using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var builder = FunctionsApplication.CreateBuilder(args);

// Every event is an operations record (a failover, a health change): none may be sampled away.
builder.Services
    .AddApplicationInsightsTelemetryWorkerService(options => options.EnableAdaptiveSampling = false)
    .ConfigureFunctionsApplicationInsights();

// The Application Insights SDK adds a filter that keeps only Warning and above; NvaFailover's Information events
// (cycles, health changes, discovery) are its operations log, so that filter goes.
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
builder.Services.AddNvaFailover(builder.Configuration);

builder.Build().Run();
