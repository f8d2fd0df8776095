using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NvaFailover.Settings;

namespace NvaFailover.Cli;

/// <summary>The options every command takes.</summary>
internal sealed class GlobalOptions
{
    public Option<FileInfo?> Settings { get; } = new("--settings")
    {
        Description = "A JSON settings file (the NvaFailover section, as in appsettings.json); added after appsettings.json and environment variables",
        Recursive = true,
    };

    public Option<Uri?> Endpoint { get; } = new("--endpoint")
    {
        Description = "An ARM endpoint other than the cloud's, such as a standalone emulator (https://127.0.0.1:PORT/)",
        Recursive = true,
    };

    public Option<string?> EndpointThumbprint { get; } = new("--endpoint-thumbprint")
    {
        Description = "Trust this self-signed certificate (SHA-1 thumbprint) for --endpoint only; the emulator prints it",
        Recursive = true,
    };

    public Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "Log every event (Information and above) to standard error",
        Recursive = true,
    };
}

/// <summary>A host's configuration and services, or the reason (already printed) it could not be built.</summary>
internal sealed class CliHost : IAsyncDisposable
{
    private CliHost(ServiceProvider services, NvaFailoverOptions options)
    {
        Services = services;
        Options = options;
    }

    public ServiceProvider Services { get; }
    public NvaFailoverOptions Options { get; }

    public T Get<T>()
        where T : notnull => Services.GetRequiredService<T>();

    /// <summary>The configured cluster named <paramref name="name"/>, or null after saying which clusters there are.</summary>
    public ClusterOptions? FindCluster(string name, CliConsole console)
    {
        var cluster = Options.Clusters.FirstOrDefault(c => c.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
        if (cluster is null)
        {
            console.Error.WriteLine($"--cluster '{name}' is not a configured cluster; the clusters are {string.Join(", ", Options.Clusters.Select(c => c.Name))}.");
        }

        return cluster;
    }

    /// <summary>
    /// appsettings.json, environment variables, --settings, then --endpoint: composed with AddNvaFailover and validated.
    /// Null (after printing what is wrong and what to do) when the settings cannot be read or are invalid.
    /// </summary>
    public static CliHost? Build(ParseResult parse, GlobalOptions global, CliConsole console, Action<IServiceCollection>? configure = null,
        IEnumerable<KeyValuePair<string, string?>>? overrides = null, LogLevel? logLevel = null)
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

        var endpoint = parse.GetValue(global.Endpoint);
        var extra = new Dictionary<string, string?>();
        if (endpoint is not null)
        {
            extra["NvaFailover:ArmEndpoint"] = endpoint.ToString();
        }

        if (parse.GetValue(global.EndpointThumbprint) is { } thumbprint)
        {
            extra["NvaFailover:ArmCertificateThumbprint"] = thumbprint;
        }

        foreach (var (key, value) in overrides ?? [])
        {
            extra[key] = value;
        }

        builder.AddInMemoryCollection(extra);
        IConfigurationRoot configuration;
        try
        {
            configuration = builder.Build();
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or IOException)
        {
            var where = settingsFile?.FullName ?? "appsettings.json";
            console.Error.WriteLine($"Settings file {where} cannot be read: {(ex.InnerException ?? ex).Message} Fix the JSON, or point --settings at another file.");
            return null;
        }

        var level = logLevel ?? (parse.GetValue(global.Verbose) ? LogLevel.Information : LogLevel.Warning);
        var host = Create(configuration, console, level, TimeProvider.System, configure);
        if (host is null && settingsFile is not null)
        {
            console.Error.WriteLine($"(settings read from appsettings.json, environment variables and {settingsFile.FullName})");
        }

        return host;
    }

    /// <summary>Composes NvaFailover on <paramref name="configuration"/>; null (after printing the settings problems) when they are invalid.</summary>
    public static CliHost? Create(IConfiguration configuration, CliConsole console, LogLevel level, TimeProvider logClock, Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.ClearProviders().SetMinimumLevel(level)
            .AddProvider(new TextWriterLoggerProvider(console.Error, level, logClock)));
        configure?.Invoke(services);
        services.AddNvaFailover(configuration);
        var provider = services.BuildServiceProvider();
        try
        {
            var options = provider.GetRequiredService<IOptions<NvaFailoverOptions>>().Value;
            return new CliHost(provider, options);
        }
        catch (OptionsValidationException ex)
        {
            console.Error.WriteLine(ex.Message);
            provider.Dispose();
            return null;
        }
    }

    public async ValueTask DisposeAsync() => await Services.DisposeAsync();
}
