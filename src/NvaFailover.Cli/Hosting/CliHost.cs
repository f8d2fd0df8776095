using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NvaFailover.Settings;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace NvaFailover.Cli.Hosting;

/// <summary>A host's settings (read once) and services, or the reason (already printed) it could not be built.</summary>
internal sealed class CliHost : IAsyncDisposable
{
    private CliHost(ServiceProvider services, SettingsRead settings)
    {
        Services = services;
        Settings = settings;
    }

    public ServiceProvider Services { get; }

    /// <summary>The settings as read: options, and the warnings start-up logs.</summary>
    public SettingsRead Settings { get; }

    public NvaFailoverOptions Options => Settings.Options;

    public T Get<T>()
        where T : notnull => Services.GetRequiredService<T>();

    /// <summary>What goes to Application Insights, if anything.</summary>
    public AzureMonitorSignals Telemetry => Services.GetService<TelemetryExport>()?.Signals ?? AzureMonitorSignals.None;

    /// <summary>The configured cluster named <paramref name="name"/>, or null after saying which clusters there are.</summary>
    public ClusterOptions? FindCluster(string name, CliConsole console)
    {
        var cluster = Options.FindCluster(name);
        if (cluster is null)
        {
            console.Error.WriteLine($"--cluster '{name}' is not a configured cluster; the clusters are {string.Join(", ", Options.Clusters.Select(c => c.Name))}.");
        }

        return cluster;
    }

    /// <summary>
    /// appsettings.json, environment variables, --settings, then --endpoint: read once, checked, composed with
    /// AddNvaFailover. Null (after printing what is wrong and what to do) when the settings cannot be read or are invalid.
    /// </summary>
    public static CliHost? Build(ParseResult parse, GlobalOptions global, CliConsole console, LogLevel? logLevel = null, AzureMonitorSignals telemetry = AzureMonitorSignals.None)
    {
        var builder = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true)
            .AddEnvironmentVariables();
        var settingsFile = parse.GetValue(global.Settings);
        if (settingsFile is not null)
        {
            if (!settingsFile.Exists)
            {
                console.Error.WriteLine($"Settings file {settingsFile.FullName} does not exist; pass the path of a JSON file with an NvaFailover section to --settings.");
                return null;
            }

            builder.AddJsonFile(settingsFile.FullName, optional: false);
        }

        var extra = new Dictionary<string, string?>();
        if (parse.GetValue(global.Endpoint) is { } endpoint)
        {
            extra[$"{NvaFailoverOptions.SectionName}:ArmEndpoint"] = endpoint.ToString();
        }

        if (parse.GetValue(global.EndpointThumbprint) is { } thumbprint)
        {
            extra[$"{NvaFailoverOptions.SectionName}:ArmCertificateThumbprint"] = thumbprint;
        }

        builder.AddInMemoryCollection(extra);
        IConfigurationRoot configuration;
        try
        {
            configuration = builder.Build();
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or IOException)
        {
            var where = settingsFile?.FullName ?? Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json");
            console.Error.WriteLine($"Settings file {where} cannot be read: {(ex.InnerException ?? ex).Message} Fix the JSON, or point --settings at another file.");
            return null;
        }

        var level = logLevel ?? (parse.GetValue(global.Verbose) ? LogLevel.Information : LogLevel.Warning);
        var settings = SettingsReader.Read(configuration);
        var host = Create(settings, console, level, TimeProvider.System, services =>
        {
            if (services.AddNvaFailoverAzureMonitor(configuration, settings, telemetry))
            {
                services.AddSingleton(new TelemetryExport(telemetry));
            }
        });
        if (host is null)
        {
            console.Error.WriteLine($"(settings read from appsettings.json in {Directory.GetCurrentDirectory()}, environment variables{(settingsFile is null ? "" : $" and {settingsFile.FullName}")})");
        }

        return host;
    }

    /// <summary>Composes NvaFailover on settings already read; null (after printing every problem) when they are invalid.</summary>
    public static CliHost? Create(SettingsRead settings, CliConsole console, LogLevel level, TimeProvider logClock, Action<IServiceCollection>? configure = null)
    {
        var problems = NvaFailoverOptionsValidator.Check(settings);
        if (problems.Count > 0)
        {
            console.Error.WriteLine(NvaFailoverOptionsValidator.Describe(problems));
            return null;
        }

        var services = new ServiceCollection();
        services.AddLogging(b => b.ClearProviders().SetMinimumLevel(level)
            .AddProvider(new TextWriterLoggerProvider(console.Error, level, logClock)));
        configure?.Invoke(services);
        services.AddNvaFailover(settings);
        var provider = services.BuildServiceProvider();

        // Without a generic host nothing starts the OpenTelemetry providers: resolving them does.
        _ = provider.GetService<MeterProvider>();
        _ = provider.GetService<TracerProvider>();
        return new CliHost(provider, settings);
    }

    public async ValueTask DisposeAsync()
    {
        // Send what the exporters still hold before they go (a stopped 'run' must not lose its last events).
        Services.GetService<TracerProvider>()?.ForceFlush();
        Services.GetService<MeterProvider>()?.ForceFlush();
        Services.GetService<LoggerProvider>()?.ForceFlush();
        await Services.DisposeAsync();
    }
}

/// <summary>Marks a host that exports telemetry, and what.</summary>
/// <param name="Signals">The signals exported.</param>
internal sealed record TelemetryExport(AzureMonitorSignals Signals);
