using Microsoft.Extensions.Configuration;

namespace NvaFailover.Settings;

/// <summary>Tolerant typed reads that record a problem (with the key and what would be valid) instead of throwing.</summary>
internal sealed class ValueReader(List<SettingProblem> problems)
{
    public static string? String(IConfiguration s, string key)
    {
        var value = s[key];
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    public void Add(SettingProblem problem) => problems.Add(problem);

    /// <summary>True with the parsed value when <paramref name="value"/> is given and valid; a value given and invalid is a problem.</summary>
    public bool Parse<T>(string? value, string key, ValueKind<T> kind, out T parsed)
    {
        parsed = default!;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        if (kind.TryParse(value, out parsed))
        {
            return true;
        }

        problems.Add(new SettingProblem(key, value, kind.Expected));
        return false;
    }

    /// <summary><paramref name="value"/> parsed, or <paramref name="fallback"/> when it is blank or invalid (a problem).</summary>
    public T Read<T>(string? value, string key, ValueKind<T> kind, T fallback) => Parse(value, key, kind, out var parsed) ? parsed : fallback;

    public static string KeyOf(IConfigurationSection s, string key) => $"{s.Path}:{key}";
}
