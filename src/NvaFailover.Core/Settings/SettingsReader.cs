using System.Globalization;
using Microsoft.Extensions.Configuration;
using NvaFailover.Scheduling;

namespace NvaFailover.Settings;

/// <summary>
/// Reads the <c>NvaFailover</c> section, or the legacy ha-nva-fo flat names, once, into parsed values. Unlike the
/// configuration binder it never stops at the first bad value: every value that cannot be read, and every key no
/// setting has, is a problem with its key, so start-up can list all of them at once.
/// </summary>
public static class SettingsReader
{
    /// <summary>
    /// The flat app setting the Functions app's timer fires on. A binding expression is resolved against app setting
    /// names, which on Linux cannot hold the ':' of a nested key, so the timer cannot read <c>NvaFailover:Schedule</c>;
    /// NvaFailover reads this one as its Schedule too, so the timer and the monitor agree.
    /// </summary>
    public const string FlatScheduleSetting = "NvaFailoverSchedule";

    private const string Section = NvaFailoverOptions.SectionName;

    /// <summary>Reads <paramref name="configuration"/> (the configuration root).</summary>
    public static SettingsRead Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var problems = new List<SettingProblem>();
        var warnings = new List<SettingWarning>();
        var options = new NvaFailoverOptions();
        var section = configuration.GetSection(Section);
        var r = new ValueReader(problems);
        options.Schedule = ReadSchedule(configuration, section, r) ?? options.Schedule;
        Read(SettingsSchema.Top, section, options, r);
        Read(SettingsSchema.Witness, section.GetSection("Witness"), options.Witness, r);
        problems.AddRange(SettingKeys.Unknown(section));

        var clusters = section.GetSection("Clusters");
        var legacyUsed = LegacySettings.Names.Where(n => configuration[n] is not null).ToList();
        if (clusters.GetChildren().Any())
        {
            foreach (var child in Ordered(clusters))
            {
                options.Clusters.Add(ReadCluster(child, r));
            }

            foreach (var name in legacyUsed.Where(LegacySettings.DefinesCluster))
            {
                warnings.Add(new SettingWarning(name, $"ignored because {Section}:Clusters is set; remove the legacy setting to avoid confusion."));
            }
        }
        else if (legacyUsed.Any(LegacySettings.DefinesCluster))
        {
            options.Clusters.Add(LegacySettings.ReadCluster(configuration, r, warnings));
        }

        LegacySettings.ReadAlwaysHonoured(configuration, options, r, warnings);
        return new SettingsRead(options, problems, warnings);
    }

    private static TimerSchedule? ReadSchedule(IConfiguration configuration, IConfigurationSection section, ValueReader r)
    {
        var nested = ValueReader.String(section, "Schedule");
        var flat = ValueReader.String(configuration, FlatScheduleSetting);
        if (nested is not null && flat is not null && !string.Equals(nested, flat, StringComparison.Ordinal))
        {
            r.Add(new SettingProblem(FlatScheduleSetting, flat,
                $"differs from {Section}:Schedule = '{nested}'; the Functions timer fires on {FlatScheduleSetting}, so give both the same schedule or remove {Section}__Schedule"));
            return null;
        }

        if ((flat ?? nested) is not { } expression)
        {
            return null;
        }

        if (TimerSchedule.TryParse(expression, out var schedule, out var error))
        {
            return schedule;
        }

        r.Add(new SettingProblem(flat is null ? $"{Section}:Schedule" : FlatScheduleSetting, expression, error));
        return null;
    }

    private static ClusterOptions ReadCluster(IConfigurationSection s, ValueReader r)
    {
        var cluster = new ClusterOptions();
        Read(SettingsSchema.Cluster, s, cluster, r);
        foreach (var nvaSection in Ordered(s.GetSection("Nvas")))
        {
            var nva = new NvaOptions();
            Read(SettingsSchema.Nva, nvaSection, nva, r);
            cluster.Nvas.Add(nva);
        }

        Read(SettingsSchema.Probe, s.GetSection("Probe"), cluster.Probe, r);
        Read(SettingsSchema.RouteTables, s.GetSection("RouteTables"), cluster.RouteTables, r);
        return cluster;
    }

    private static void Read<TOwner>(IEnumerable<ISetting<TOwner>> settings, IConfigurationSection section, TOwner owner, ValueReader r)
    {
        foreach (var setting in settings)
        {
            setting.Read(section, owner, r);
        }
    }

    /// <summary>Children of an array-like section in index order (configuration sorts "10" before "2").</summary>
    internal static IEnumerable<IConfigurationSection> Ordered(IConfigurationSection section) =>
        section.GetChildren().OrderBy(c => int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : int.MaxValue);

    /// <summary>A list given as an array section, or as one comma-separated value (handy in app settings).</summary>
    internal static IEnumerable<string> ReadList(IConfigurationSection section)
    {
        var children = Ordered(section).Select(c => c.Value).Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!.Trim()).ToList();
        if (children.Count > 0)
        {
            return children;
        }

        return (section.Value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
