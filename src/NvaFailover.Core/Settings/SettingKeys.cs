using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace NvaFailover.Settings;

/// <summary>
/// Every key the <c>NvaFailover</c> section may hold. A key not in it is a problem, not silently ignored: a misspelled
/// setting (<c>Failbak</c>) would otherwise leave its default in force without anyone knowing.
/// </summary>
internal static class SettingKeys
{
    public static readonly string[] Top = ["Schedule", .. Keys(SettingsSchema.Top), "Witness", "Clusters"];
    public static readonly string[] Witness = Keys(SettingsSchema.Witness);
    public static readonly string[] Cluster = [.. Keys(SettingsSchema.Cluster), "Nvas", "Probe", "RouteTables"];
    public static readonly string[] Nva = Keys(SettingsSchema.Nva);
    public static readonly string[] Probe = Keys(SettingsSchema.Probe);
    public static readonly string[] RouteTables = Keys(SettingsSchema.RouteTables);

    /// <summary>The problems of every key under <paramref name="section"/> that no setting has.</summary>
    public static IEnumerable<SettingProblem> Unknown(IConfigurationSection section)
    {
        foreach (var child in section.GetChildren())
        {
            if (Find(Top, child) is not { } key)
            {
                yield return UnknownKey(child, Top);
            }
            else if (key == "Clusters")
            {
                foreach (var problem in Indexed(child, Cluster, ClusterChild))
                {
                    yield return problem;
                }
            }
            else if (key == "Witness")
            {
                foreach (var problem in Known(child, Witness))
                {
                    yield return problem;
                }
            }
        }
    }

    private static IEnumerable<SettingProblem> ClusterChild(IConfigurationSection child, string key) => key switch
    {
        "Nvas" => Indexed(child, Nva, (nvaChild, nvaKey) => IsList(SettingsSchema.Nva, nvaKey) ? List(nvaChild) : []),
        "Probe" => Known(child, Probe),
        "RouteTables" => Known(child, RouteTables).Concat(SettingsSchema.RouteTables.Where(s => s.IsList).SelectMany(s => List(child.GetSection(s.Key)))),
        _ when IsList(SettingsSchema.Cluster, key) => List(child),
        _ => [],
    };

    private static string[] Keys<TOwner>(IEnumerable<ISetting<TOwner>> settings) => [.. settings.Select(s => s.Key)];

    private static bool IsList<TOwner>(IEnumerable<ISetting<TOwner>> settings, string key) => settings.Any(s => s.IsList && s.Key == key);

    /// <summary>An array section (children 0, 1, ...) of objects whose keys are <paramref name="keys"/>.</summary>
    private static IEnumerable<SettingProblem> Indexed(IConfigurationSection array, string[] keys, Func<IConfigurationSection, string, IEnumerable<SettingProblem>> nested)
    {
        foreach (var item in array.GetChildren())
        {
            if (!IsIndex(item.Key))
            {
                yield return new SettingProblem(item.Path, item.Value, $"{array.Key} is a list: its entries are numbered {array.Path}:0, {array.Path}:1, ...");
                continue;
            }

            foreach (var child in item.GetChildren())
            {
                if (Find(keys, child) is not { } key)
                {
                    yield return UnknownKey(child, keys);
                    continue;
                }

                foreach (var problem in nested(child, key))
                {
                    yield return problem;
                }
            }
        }
    }

    private static IEnumerable<SettingProblem> Known(IConfigurationSection section, string[] keys) =>
        section.GetChildren().Where(c => Find(keys, c) is null).Select(c => UnknownKey(c, keys));

    /// <summary>A list: numbered entries (or one comma-separated value), nothing nested.</summary>
    private static IEnumerable<SettingProblem> List(IConfigurationSection list) =>
        list.GetChildren().Where(c => !IsIndex(c.Key) || c.GetChildren().Any())
            .Select(c => new SettingProblem(c.Path, c.Value, $"{list.Key} is a list of values: {list.Path}:0, {list.Path}:1, ... (or one comma-separated value)"));

    private static string? Find(string[] keys, IConfigurationSection child) => keys.FirstOrDefault(k => k.Equals(child.Key, StringComparison.OrdinalIgnoreCase));

    private static bool IsIndex(string key) => int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out _);

    private static SettingProblem UnknownKey(IConfigurationSection child, string[] keys)
    {
        var nearest = keys.OrderBy(k => Distance(k.ToUpperInvariant(), child.Key.ToUpperInvariant())).First();
        var hint = Distance(nearest.ToUpperInvariant(), child.Key.ToUpperInvariant()) <= Math.Max(2, nearest.Length / 3) ? $" (did you mean {nearest}?)" : "";
        return new SettingProblem(child.Path, child.Value ?? "(a section)",
            $"is not a setting NvaFailover knows{hint}; a misspelled setting would leave its default in force. The settings here are {string.Join(", ", keys)}");
    }

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
        }

        return d[a.Length, b.Length];
    }
}
