using System.Globalization;
using System.Text.Json.Nodes;
using NvaFailover.Probing;

namespace NvaFailover.Settings;

/// <summary>How one kind of setting value is parsed from text (and what is valid), and written back.</summary>
/// <typeparam name="T">The parsed value.</typeparam>
internal sealed class ValueKind<T>(ValueKind<T>.Parser parse, string expected, Func<T, JsonNode?> json)
{
    public delegate bool Parser(string text, out T value);

    /// <summary>What a value that does not parse is told (after "must be").</summary>
    public string Expected => expected;

    /// <summary>Parses <paramref name="text"/> (not blank; trimmed here).</summary>
    public bool TryParse(string text, out T value) => parse(text.Trim(), out value);

    /// <summary>The value as settings JSON; null when there is nothing to write (an optional value not set).</summary>
    public JsonNode? Json(T value) => json(value);

    /// <summary>The value as a problem quotes it.</summary>
    public static string? Text(T value) => value switch
    {
        null => null,
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}

/// <summary>The kinds of value a setting may hold: each parser and its message written once.</summary>
internal static class ValueKinds
{
    public static readonly ValueKind<bool> Bool = new((string t, out bool v) => bool.TryParse(t, out v), "must be true or false", v => v);

    public static readonly ValueKind<int> Int = new(TryInt, "must be a whole number", v => v);

    public static readonly ValueKind<int?> OptionalInt = new(TryOptionalInt, "must be a whole number", v => v is { } i ? i : null);

    /// <summary>hh:mm:ss only: "2" would parse as two days, and nobody should get days by accident.</summary>
    public static readonly ValueKind<TimeSpan> Duration = new(
        TryDuration, "must be a duration written hh:mm:ss, for example 00:00:02 for two seconds", v => v.ToString("c", CultureInfo.InvariantCulture));

    /// <summary>Text, trimmed; blank is not set.</summary>
    public static readonly ValueKind<string?> Text = new((string t, out string? v) => (v = t) is not null, "", v => string.IsNullOrWhiteSpace(v) ? null : v);

    /// <summary>Text that is always written, even empty (a value the section is not complete without).</summary>
    public static readonly ValueKind<string> RequiredText = new((string t, out string v) => (v = t) is not null, "", v => v);

    /// <summary>A certificate thumbprint as people paste it (colons, spaces, any case), kept as 40 upper-case hex digits.</summary>
    public static readonly ValueKind<string?> Thumbprint = new(
        (string t, out string? v) => (v = t.Replace(":", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant()) is not null,
        "", v => string.IsNullOrWhiteSpace(v) ? null : v);

    public static readonly ValueKind<Uri?> HttpsUri = new(
        (string t, out Uri? v) => Uri.TryCreate(t, UriKind.Absolute, out v) && v.Scheme == Uri.UriSchemeHttps,
        "must be an absolute https:// URL, for example https://127.0.0.1:5443/ for a standalone emulator (Azure.Core sends tokens over HTTPS only)",
        v => v?.ToString());

    /// <summary>A Blob Storage container: https, or http on a loopback address (the Azurite emulator).</summary>
    public static readonly ValueKind<Uri?> ContainerUri = new(
        (string t, out Uri? v) => Uri.TryCreate(t, UriKind.Absolute, out v) && (v.Scheme == Uri.UriSchemeHttps || (v.Scheme == Uri.UriSchemeHttp && v.IsLoopback)) && v.AbsolutePath.Trim('/').Length > 0,
        "must be the absolute URL of a Blob Storage container, https://ACCOUNT.blob.core.windows.net/CONTAINER (optionally with a SAS query), or http://127.0.0.1:PORT/devstoreaccount1/CONTAINER for the Azurite emulator",
        v => v?.ToString());

    public static readonly ValueKind<ProbeEndpoint?> Endpoint = new(
        ProbeEndpoint.TryParse,
        "must be host:port for a TCP probe (for example 10.0.1.4:443, IPv6 as [fd00::4]:443) or an http:// or https:// URL for an HTTP probe",
        v => v?.ToString());

    /// <summary>One of an enum's names, in any case.</summary>
    public static ValueKind<TEnum> Enum<TEnum>()
        where TEnum : struct, Enum => new(TryEnum, $"must be one of {string.Join(", ", System.Enum.GetNames<TEnum>())}", v => v.ToString());

    private static bool TryInt(string text, out int value) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);

    private static bool TryOptionalInt(string text, out int? value)
    {
        value = TryInt(text, out var parsed) ? parsed : null;
        return value is not null;
    }

    private static bool TryDuration(string text, out TimeSpan value)
    {
        value = default;
        return text.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value);
    }

    private static bool TryEnum<TEnum>(string text, out TEnum value)
        where TEnum : struct, Enum
    {
        value = default;
        var name = System.Enum.GetNames<TEnum>().FirstOrDefault(n => n.Equals(text, StringComparison.OrdinalIgnoreCase));
        return name is not null && System.Enum.TryParse(name, out value);
    }
}
