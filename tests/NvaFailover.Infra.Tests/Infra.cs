using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace NvaFailover.Infra.Tests;

/// <summary>The infra/ files, and the events the code can log.</summary>
internal static partial class Infra
{
    public static string Dir => Repository.File("infra");

    public static IEnumerable<string> BicepFiles => Directory.EnumerateFiles(Dir, "*.bicep", SearchOption.AllDirectories).Order(StringComparer.Ordinal);

    public static IEnumerable<string> QueryFiles => Directory.EnumerateFiles(Path.Combine(Dir, "queries"), "*.kql", SearchOption.AllDirectories).Order(StringComparer.Ordinal);

    public static string Read(params string[] parts) => File.ReadAllText(Path.Combine([Dir, .. parts]));

    /// <summary>Every [LoggerMessage] event of the core and the adapters: name, id and the properties of its message.</summary>
    public static IReadOnlyDictionary<string, (int Id, IReadOnlySet<string> Properties)> Events { get; } = LoadEvents();

    private static Dictionary<string, (int, IReadOnlySet<string>)> LoadEvents()
    {
        var logs = new[]
        {
            typeof(NvaFailover.Settings.NvaFailoverOptions).Assembly.GetType("NvaFailover.Telemetry.Log", throwOnError: true)!,
            typeof(NvaFailover.Azure.AzureConnection).Assembly.GetType("NvaFailover.Azure.Log", throwOnError: true)!,
        };
        return logs.SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public))
            .Select(m => m.GetCustomAttribute<LoggerMessageAttribute>())
            .OfType<LoggerMessageAttribute>()
            .ToDictionary(
                a => a.EventName!,
                a => (a.EventId, (IReadOnlySet<string>)Placeholder().Matches(a.Message).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal)),
                StringComparer.Ordinal);
    }

    [GeneratedRegex(@"\{(\w+)\}")]
    private static partial Regex Placeholder();
}
