using Microsoft.Extensions.Configuration;
using NvaFailover.Settings;
using NvaFailover.Tests.Fakes;

namespace NvaFailover.Tests.Settings;

/// <summary>The declarations drive reading, the known keys, the checks and writing: one declaration is all a setting needs.</summary>
public sealed class SettingsSchemaTests
{
    [Fact]
    public void EveryDeclaredKey_IsAKnownKey_AndEveryKnownKeyIsDeclaredOrASection()
    {
        Assert.Equal(["Schedule", .. SettingsSchema.Top.Select(s => s.Key), "Witness", "Clusters"], SettingKeys.Top);
        Assert.Equal([.. SettingsSchema.Cluster.Select(s => s.Key), "Nvas", "Probe", "RouteTables"], SettingKeys.Cluster);
        Assert.Equal(SettingsSchema.Probe.Select(s => s.Key), SettingKeys.Probe);
    }

    [Fact]
    public void ADeclaredRule_IsCheckedWithItsFullKey()
    {
        var world = World.EdgePair();
        world.Settings["NvaFailover:Clusters:0:Probe:Attempts"] = "11";
        world.Settings["NvaFailover:ConflictRetries"] = "-1";

        var problems = NvaFailoverOptionsValidator.Check(SettingsReader.Read(new ConfigurationBuilder().AddInMemoryCollection(world.Settings).Build()));

        Assert.Contains(problems, p => p is { Key: "NvaFailover:Clusters:0:Probe:Attempts", Value: "11", Expected: "must be a whole number from 1 to 10" });
        Assert.Contains(problems, p => p is { Key: "NvaFailover:ConflictRetries", Value: "-1", Expected: "must be a whole number from 0 to 10" });
    }

    [Fact]
    public void AValueOfTheWrongKind_IsAProblemNamingItsKey_AndKeepsTheDefault()
    {
        var world = World.EdgePair();
        world.Settings["NvaFailover:Clusters:0:Probe:Delay"] = "2";

        var read = SettingsReader.Read(new ConfigurationBuilder().AddInMemoryCollection(world.Settings).Build());

        var problem = Assert.Single(read.Problems);
        Assert.Equal("NvaFailover:Clusters:0:Probe:Delay", problem.Key);
        Assert.StartsWith("must be a duration written hh:mm:ss", problem.Expected, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(2), read.Options.Clusters[0].Probe.Delay);
    }

    [Fact]
    public void Settings_AreCheckedOncePerReading()
    {
        var read = SettingsReader.Read(new ConfigurationBuilder().AddInMemoryCollection(World.EdgePair().Settings).Build());

        var first = NvaFailoverOptionsValidator.Check(read);

        Assert.Same(first, NvaFailoverOptionsValidator.Check(read));
        Assert.NotSame(first, NvaFailoverOptionsValidator.Check(read with { Options = read.Options }));
    }
}
