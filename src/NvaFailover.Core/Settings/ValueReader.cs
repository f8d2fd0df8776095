using System.Globalization;
using Microsoft.Extensions.Configuration;
using NvaFailover.Probing;

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

    public bool Bool(IConfigurationSection s, string key, bool fallback) => Bool(s[key], KeyOf(s, key), fallback);

    public bool Bool(string? value, string key, bool fallback)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        if (bool.TryParse(value.Trim(), out var result))
        {
            return result;
        }

        problems.Add(new SettingProblem(key, value, "must be true or false"));
        return fallback;
    }

    public int Int(IConfigurationSection s, string key, int fallback) => OptionalInt(s[key], KeyOf(s, key)) ?? fallback;

    public int? OptionalInt(IConfigurationSection s, string key) => OptionalInt(s[key], KeyOf(s, key));

    public int? OptionalInt(string? value, string key)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (int.TryParse(value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var result))
        {
            return result;
        }

        problems.Add(new SettingProblem(key, value, "must be a whole number"));
        return null;
    }

    public TimeSpan Duration(IConfigurationSection s, string key, TimeSpan fallback) => OptionalDuration(s, key) ?? fallback;

    public TimeSpan? OptionalDuration(IConfigurationSection s, string key)
    {
        var value = s[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        // "2" parses as two days; a duration must be written hh:mm:ss so nobody gets days by accident.
        if (value.Contains(':', StringComparison.Ordinal)
            && TimeSpan.TryParse(value.Trim(), CultureInfo.InvariantCulture, out var result))
        {
            return result;
        }

        problems.Add(new SettingProblem(KeyOf(s, key), value, "must be a duration written hh:mm:ss, for example 00:00:02 for two seconds"));
        return null;
    }

    public Uri? HttpsUri(IConfigurationSection s, string key)
    {
        var value = s[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps)
        {
            return uri;
        }

        problems.Add(new SettingProblem(KeyOf(s, key), value, "must be an absolute https:// URL, for example https://127.0.0.1:5443/ for a standalone emulator (Azure.Core sends tokens over HTTPS only)"));
        return null;
    }

    public ProbeEndpoint? Endpoint(string? value, string key)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (ProbeEndpoint.TryParse(value, out var endpoint))
        {
            return endpoint;
        }

        problems.Add(new SettingProblem(key, value, "must be host:port for a TCP probe (for example 10.0.1.4:443, IPv6 as [fd00::4]:443) or an http:// or https:// URL for an HTTP probe"));
        return null;
    }

    public TEnum Enum<TEnum>(IConfigurationSection s, string key, TEnum fallback)
        where TEnum : struct, Enum => Enum(s[key], KeyOf(s, key), fallback);

    public TEnum Enum<TEnum>(string? value, string key, TEnum fallback)
        where TEnum : struct, Enum
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        var names = System.Enum.GetNames<TEnum>();
        var match = names.FirstOrDefault(n => n.Equals(value.Trim(), StringComparison.OrdinalIgnoreCase));
        if (match is not null)
        {
            return System.Enum.Parse<TEnum>(match);
        }

        problems.Add(new SettingProblem(key, value, $"must be one of {string.Join(", ", names)}"));
        return fallback;
    }

    public static string KeyOf(IConfigurationSection s, string key) => $"{s.Path}:{key}";
}
