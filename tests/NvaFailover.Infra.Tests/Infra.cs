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

    /// <summary>The event names a query names: quoted names of events the code logs, or of any capitalised word.</summary>
    public static IEnumerable<string> EventNamesIn(string query) =>
        QuotedName().Matches(query).Select(m => m.Groups[1].Value).Where(q => char.IsUpper(q[0]) && !q.Contains(' ', StringComparison.Ordinal)).Distinct();

    /// <summary>
    /// The keys docs/settings.md says a deployment sets (its first section; the tuning and development keys after it are
    /// left to their defaults), normalized (see <see cref="NormalizeSettingName"/>).
    /// </summary>
    public static HashSet<string> DeployableKeys()
    {
        var text = File.ReadAllText(Repository.File("docs", "settings.md"));
        var section = text[text.IndexOf("## What a deployment sets", StringComparison.Ordinal)..text.IndexOf("## Tuning and development", StringComparison.Ordinal)];
        return Regex.Matches(section, @"^\| `([A-Za-z:]+)` \|", RegexOptions.Multiline).Select(m => NormalizeSettingName(m.Groups[1].Value)).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Index placeholders (N, K, J, I, ${i}, 0) become '#', a trailing index goes, and the NvaFailover prefix goes.</summary>
    public static string NormalizeSettingName(string key)
    {
        var parts = key.Replace("NvaFailover__", "", StringComparison.Ordinal).Replace("__", ":", StringComparison.Ordinal).Trim('\'').Split(':')
            .Select(p => p is "N" or "K" or "J" or "I" || p.StartsWith("${", StringComparison.Ordinal) || p.All(char.IsDigit) ? "#" : p)
            .ToList();
        while (parts.Count > 0 && parts[^1] == "#")
        {
            parts.RemoveAt(parts.Count - 1);
        }

        return string.Join(':', parts);
    }

    [GeneratedRegex(@"\{(\w+)\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"""([A-Za-z][A-Za-z ]*)""")]
    private static partial Regex QuotedName();
}
