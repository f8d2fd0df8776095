using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;

namespace NvaFailover.Settings;

/// <summary>
/// One setting of a section, declared once: its key, how it is read (its kind says what parses), the rule its value must
/// keep, and how it is written back. Its default is the options property's initial value. Reading, the known keys, the
/// checks and writing are all driven from the declarations in <see cref="SettingsSchema"/>.
/// </summary>
/// <typeparam name="TOwner">The options object of the section (a cluster, an NVA, a probe, ...).</typeparam>
internal interface ISetting<in TOwner>
{
    /// <summary>The key within its section.</summary>
    string Key { get; }

    /// <summary>True for a list (numbered entries, or one comma-separated value).</summary>
    bool IsList { get; }

    void Read(IConfigurationSection section, TOwner owner, ValueReader reader);

    /// <summary>Adds a problem when the value breaks its rule; <paramref name="path"/> is the section's key.</summary>
    void Check(TOwner owner, string path, List<SettingProblem> problems);

    void Write(TOwner owner, JsonObject section);
}

/// <summary>A setting with one value.</summary>
internal sealed class Setting<TOwner, T>(string key, Func<TOwner, T> get, Action<TOwner, T> set, ValueKind<T> kind) : ISetting<TOwner>
{
    public string Key => key;

    public bool IsList => false;

    /// <summary>What is wrong with a parsed value (the text after the key and value), or null when it is valid.</summary>
    public Func<T, string?>? Rule { get; init; }

    public void Read(IConfigurationSection section, TOwner owner, ValueReader reader)
    {
        if (reader.Parse(section[key], ValueReader.KeyOf(section, key), kind, out var value))
        {
            set(owner, value);
        }
    }

    public void Check(TOwner owner, string path, List<SettingProblem> problems)
    {
        var value = get(owner);
        if (Rule?.Invoke(value) is { } wrong)
        {
            problems.Add(new SettingProblem($"{path}:{key}", ValueKind<T>.Text(value) is { Length: > 0 } text ? text : null, wrong));
        }
    }

    public void Write(TOwner owner, JsonObject section)
    {
        if (kind.Json(get(owner)) is { } node)
        {
            section[key] = node;
        }
    }
}

/// <summary>A setting that is a list of values, each with an optional rule.</summary>
internal sealed class ListSetting<TOwner>(string key, Func<TOwner, IList<string>> get, bool writtenWhenEmpty) : ISetting<TOwner>
{
    public string Key => key;

    public bool IsList => true;

    /// <summary>What is wrong with one entry, or null when it is valid.</summary>
    public Func<string, string?>? Rule { get; init; }

    public void Read(IConfigurationSection section, TOwner owner, ValueReader reader)
    {
        var list = get(owner);
        foreach (var value in SettingsReader.ReadList(section.GetSection(key)))
        {
            list.Add(value);
        }
    }

    public void Check(TOwner owner, string path, List<SettingProblem> problems)
    {
        var list = get(owner);
        for (var i = 0; i < list.Count; i++)
        {
            if (Rule?.Invoke(list[i]) is { } wrong)
            {
                problems.Add(new SettingProblem($"{path}:{key}:{i}", string.IsNullOrWhiteSpace(list[i]) ? null : list[i], wrong));
            }
        }
    }

    public void Write(TOwner owner, JsonObject section)
    {
        var list = get(owner);
        if (list.Count > 0 || writtenWhenEmpty)
        {
            section[key] = new JsonArray([.. list.Select(v => (JsonNode)v)]);
        }
    }
}

/// <summary>The rules settings share.</summary>
internal static class Rules
{
    public static Func<int, string?> Within(int min, int max) =>
        v => v < min || v > max ? $"must be a whole number from {min} to {max}" : null;

    public static Func<int?, string?> WithinIfSet(int min, int max) =>
        v => v is { } set ? Within(min, max)(set) : null;

    /// <param name="min">The shortest.</param>
    /// <param name="max">The longest.</param>
    /// <param name="alternative">Another valid value, said after the range (zero, say), which the rule lets through.</param>
    public static Func<TimeSpan, string?> Within(TimeSpan min, TimeSpan max, (TimeSpan Value, string Said)? alternative = null) =>
        v => (v < min || v > max) && v != alternative?.Value
            ? $"must be from {min.ToString("c", CultureInfo.InvariantCulture)} to {max.ToString("c", CultureInfo.InvariantCulture)} (hh:mm:ss){(alternative is { } a ? $", {a.Said}" : "")}"
            : null;
}
