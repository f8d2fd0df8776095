using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace NvaFailover.Settings;

/// <summary>
/// Reads the <c>NvaFailover</c> section, or the legacy ha-nva-fo flat names, into <see cref="NvaFailoverOptions"/>.
/// Unlike the configuration binder it never stops at the first bad value: every value that cannot be read is
/// recorded in <see cref="NvaFailoverOptions.ReadProblems"/> so start-up can list all of them at once.
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

    /// <summary>Fills <paramref name="options"/> from <paramref name="configuration"/> (the configuration root).</summary>
    public static void Read(IConfiguration configuration, NvaFailoverOptions options)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(options);

        var section = configuration.GetSection(Section);
        var r = new ValueReader(options.ReadProblems);
        options.Schedule = ReadSchedule(configuration, section, options.ReadProblems) ?? options.Schedule;
        options.Cloud = r.Enum(section, "Cloud", options.Cloud);
        options.ManagedIdentityClientId = ValueReader.String(section, "ManagedIdentityClientId");
        options.DryRun = r.Bool(section, "DryRun", options.DryRun);
        options.DiscoveryRefresh = r.Duration(section, "DiscoveryRefresh", options.DiscoveryRefresh);
        options.MaxParallelWrites = r.Int(section, "MaxParallelWrites", options.MaxParallelWrites);
        options.ConflictRetries = r.Int(section, "ConflictRetries", options.ConflictRetries);
        options.ArmEndpoint = r.Uri(section, "ArmEndpoint");
        options.ArmCertificateThumbprint = ValueReader.String(section, "ArmCertificateThumbprint");
        options.ArmRetries = r.Int(section, "ArmRetries", options.ArmRetries);
        options.ArmOperationTimeout = r.Duration(section, "ArmOperationTimeout", options.ArmOperationTimeout);
        options.ArmPollInterval = r.Duration(section, "ArmPollInterval", options.ArmPollInterval);

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
                options.Warnings.Add(new SettingWarning(name,
                    $"ignored because {Section}:Clusters is set; remove the legacy setting to avoid confusion."));
            }
        }
        else if (legacyUsed.Any(LegacySettings.DefinesCluster))
        {
            LegacySettings.Read(configuration, options, r);
        }

        LegacySettings.ReadAlwaysHonoured(configuration, options);
    }

    private static string? ReadSchedule(IConfiguration configuration, IConfigurationSection section, IList<SettingProblem> problems)
    {
        var nested = ValueReader.String(section, "Schedule");
        var flat = ValueReader.String(configuration, FlatScheduleSetting);
        if (nested is not null && flat is not null && !string.Equals(nested, flat, StringComparison.Ordinal))
        {
            problems.Add(new SettingProblem(FlatScheduleSetting, flat,
                $"differs from {Section}:Schedule = '{nested}'; the Functions timer fires on {FlatScheduleSetting}, so give both the same schedule or remove {Section}__Schedule"));
        }

        return flat ?? nested;
    }

    private static ClusterOptions ReadCluster(IConfigurationSection s, ValueReader r)
    {
        var cluster = new ClusterOptions
        {
            Name = ValueReader.String(s, "Name") ?? "",
            Failback = r.Enum(s, "Failback", FailbackPolicy.OnActiveFailure),
            PreemptAfter = r.Duration(s, "PreemptAfter", TimeSpan.FromMinutes(5)),
            WhenAllDown = r.Enum(s, "WhenAllDown", AllDownPolicy.KeepLastKnownGood),
        };

        foreach (var nvaSection in Ordered(s.GetSection("Nvas")))
        {
            var nva = new NvaOptions
            {
                VirtualMachineId = ValueReader.String(nvaSection, "VirtualMachineId") ?? "",
                ProbeEndpoint = ValueReader.String(nvaSection, "ProbeEndpoint"),
            };
            foreach (var ip in ReadList(nvaSection.GetSection("NextHopIps")))
            {
                nva.NextHopIps.Add(ip);
            }

            cluster.Nvas.Add(nva);
        }

        var probe = s.GetSection("Probe");
        cluster.Probe.Kind = r.Enum(probe, "Kind", cluster.Probe.Kind);
        cluster.Probe.Attempts = r.Int(probe, "Attempts", cluster.Probe.Attempts);
        cluster.Probe.Delay = r.Duration(probe, "Delay", cluster.Probe.Delay);
        cluster.Probe.Timeout = r.Duration(probe, "Timeout", cluster.Probe.Timeout);
        cluster.Probe.Interval = r.OptionalDuration(probe, "Interval");

        var tables = s.GetSection("RouteTables");
        cluster.RouteTables.TagName = ValueReader.String(tables, "TagName") ?? cluster.RouteTables.TagName;
        cluster.RouteTables.TagValue = ValueReader.String(tables, "TagValue") ?? "";
        foreach (var sub in ReadList(tables.GetSection("SubscriptionIds")))
        {
            cluster.RouteTables.SubscriptionIds.Add(sub);
        }

        foreach (var pip in ReadList(s.GetSection("PublicIpAddressIds")))
        {
            cluster.PublicIpAddressIds.Add(pip);
        }

        return cluster;
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

/// <summary>Tolerant typed reads that record a problem instead of throwing.</summary>
internal sealed class ValueReader(IList<SettingProblem> problems)
{
    public static string? String(IConfiguration s, string key)
    {
        var value = s[key];
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

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

    public int Int(IConfigurationSection s, string key, int fallback) => Int(s[key], KeyOf(s, key), fallback);

    public int Int(string? value, string key, int fallback)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        if (int.TryParse(value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var result))
        {
            return result;
        }

        problems.Add(new SettingProblem(key, value, "must be a whole number"));
        return fallback;
    }

    public TimeSpan Duration(IConfigurationSection s, string key, TimeSpan fallback) =>
        OptionalDuration(s, key) ?? fallback;

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

    public Uri? Uri(IConfigurationSection s, string key)
    {
        var value = s[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (System.Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) && uri.Scheme == System.Uri.UriSchemeHttps)
        {
            return uri;
        }

        problems.Add(new SettingProblem(KeyOf(s, key), value, "must be an absolute https:// URL, for example https://127.0.0.1:5443/ for a standalone emulator (Azure.Core sends tokens over HTTPS only)"));
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

    private static string KeyOf(IConfigurationSection s, string key) => $"{s.Path}:{key}";
}
