using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace NvaFailover.Infra.Tests;

public sealed partial class InfraTests
{
    [Fact]
    public void RoleActions_SortedListsWithoutWildcardsOrDuplicates_WritesOnlyPerResourceGroup()
    {
        var roles = JsonNode.Parse(Infra.Read("role-actions.json"))!;

        foreach (var key in new[] { "resourceGroupActions", "subscriptionActions", "hostSubnetActions" })
        {
            var actions = roles[key]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
            Assert.NotEmpty(actions);
            Assert.Equal(actions.Order(StringComparer.Ordinal), actions);
            Assert.Equal(actions.Distinct(StringComparer.OrdinalIgnoreCase).Count(), actions.Count);
            Assert.DoesNotContain(actions, a => a.Contains('*', StringComparison.Ordinal));
        }

        Assert.Empty(roles["resourceGroupActions"]!.AsArray().Select(a => a!.GetValue<string>())
            .Intersect(roles["subscriptionActions"]!.AsArray().Select(a => a!.GetValue<string>())));
        // Read-only roles: reads, and the one read Azure models as an action (a NIC's effective routes, which changes nothing).
        string[] readActions = ["Microsoft.Network/networkInterfaces/effectiveRouteTable/action"];
        foreach (var readOnly in new[] { "subscriptionActions", "hostSubnetActions" })
        {
            Assert.All(roles[readOnly]!.AsArray().Select(a => a!.GetValue<string>()).Except(readActions), a => Assert.EndsWith("/read", a, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Roles_BuiltFromTheOneActionFile_AndNoBroadBuiltInRole()
    {
        var main = Infra.Read("main.bicep");
        var roles = Infra.Read("modules", "roles.bicep");
        var all = string.Concat(Infra.BicepFiles.Select(File.ReadAllText));

        Assert.Contains("loadJsonContent('role-actions.json')", main, StringComparison.Ordinal);
        Assert.Contains("resourceGroupActions: roleActions.resourceGroupActions", main, StringComparison.Ordinal);
        Assert.Contains("subscriptionActions: roleActions.subscriptionActions", main, StringComparison.Ordinal);
        Assert.Contains("hostSubnetActions: roleActions.hostSubnetActions", main, StringComparison.Ordinal);
        Assert.Contains("actions: role.value.actions", roles, StringComparison.Ordinal);

        // Contributor, Owner, Network Contributor, User Access Administrator.
        foreach (var broad in new[] { "b24988ac-6180-42a0-ab88-20f7382dd24c", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "4d97b98b-1d4f-4787-a291-c67834d212e7", "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9" })
        {
            Assert.DoesNotContain(broad, all, StringComparison.OrdinalIgnoreCase);
        }

        Assert.DoesNotContain("Contributor'", all, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryParameter_IsUsed_AndTheSampleSetsOnlyDeclaredOnesAndEveryRequiredOne()
    {
        foreach (var file in Infra.BicepFiles)
        {
            var text = File.ReadAllText(file);
            foreach (Match param in ParamDeclaration().Matches(text))
            {
                var name = param.Groups["name"].Value;
                var uses = Regex.Count(text, $@"(?<![\w.']){Regex.Escape(name)}\b");
                Assert.True(uses >= 2, $"{Path.GetFileName(file)}: parameter '{name}' is declared but never used");
            }
        }

        var main = Infra.Read("main.bicep");
        var declared = ParamDeclaration().Matches(main).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["rest"].Value.Contains('=', StringComparison.Ordinal));
        var sample = Infra.Read("main.bicepparam");
        var set = Regex.Matches(sample, @"^param (\w+) =", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        Assert.Contains("using 'main.bicep'", sample, StringComparison.Ordinal);
        Assert.Empty(set.Except(declared.Keys));
        Assert.Empty(declared.Where(d => !d.Value).Select(d => d.Key).Except(set));
    }

    [Fact]
    public void EveryReferencedFile_Exists()
    {
        foreach (var file in Infra.BicepFiles.Append(Path.Combine(Infra.Dir, "main.bicepparam")))
        {
            var folder = Path.GetDirectoryName(file)!;
            foreach (Match reference in FileReference().Matches(File.ReadAllText(file)))
            {
                var path = Path.GetFullPath(Path.Combine(folder, reference.Groups["path"].Value));
                Assert.True(File.Exists(path), $"{Path.GetFileName(file)} refers to {reference.Groups["path"].Value}, which does not exist ({path})");
            }
        }
    }

    [Fact]
    public void Queries_NameOnlyEventsTheCodeLogs_WithPropertiesThoseEventsCarry()
    {
        var sources = Infra.QueryFiles.Select(f => (Name: Path.GetFileName(f), Text: File.ReadAllText(f))).ToList();
        Assert.NotEmpty(sources);
        foreach (var (name, text) in sources)
        {
            var events = EventNames().Matches(text).Select(m => m.Value.Trim('"')).Where(Infra.Events.ContainsKey).ToList();
            var quoted = QuotedName().Matches(text).Select(m => m.Groups[1].Value).ToList();
            Assert.True(events.Count > 0, $"{name} names no NvaFailover event");
            Assert.All(quoted.Where(q => char.IsUpper(q[0]) && !q.Contains(' ', StringComparison.Ordinal)), q => Assert.True(Infra.Events.ContainsKey(q), $"{name} names event '{q}', which the code never logs"));

            var properties = events.SelectMany(e => Infra.Events[e].Properties).ToHashSet(StringComparer.Ordinal);
            foreach (Match dimension in Dimension().Matches(text))
            {
                var property = dimension.Groups[1].Value;
                Assert.True(property == "EventName" || properties.Contains(property), $"{name} reads customDimensions.{property}, which none of {string.Join(", ", events)} carries");
            }

            foreach (Match comment in EventComment().Matches(text))
            {
                var (id, eventName) = (int.Parse(comment.Groups["id"].Value, System.Globalization.CultureInfo.InvariantCulture), comment.Groups["name"].Value);
                Assert.True(Infra.Events.TryGetValue(eventName, out var e) && e.Id == id, $"{name} says event {id} is {eventName}; the code says otherwise");
            }
        }
    }

    [Fact]
    public void Alerts_CoverTheSixCases_EachWithItsQueryFile()
    {
        var alerts = Infra.Read("modules", "alerts.bicep");

        foreach (var rule in new[] { "failover-completed", "all-nvas-down", "rounds-failing", "no-rounds", "cannot-fail-over", "partial-failure" })
        {
            Assert.Contains($"name: '{rule}'", alerts, StringComparison.Ordinal);
            Assert.Contains($"loadTextContent('../queries/alerts/{rule}.kql')", alerts, StringComparison.Ordinal);
        }

        Assert.Contains("emailReceivers", alerts, StringComparison.Ordinal);
        Assert.Contains("webhookReceivers", alerts, StringComparison.Ordinal);
        Assert.Contains("metricMeasureColumn: rule.measure", alerts, StringComparison.Ordinal);
    }

    [Fact]
    public void Workbook_QueriesAreTheQueryFiles_AndItIsDeployed()
    {
        var workbook = JsonNode.Parse(Infra.Read("workbook.json"))!;
        var queries = workbook["items"]!.AsArray().Where(i => i!["type"]!.GetValue<int>() == 3).ToList();

        Assert.Equal("Notebook/1.0", workbook["version"]!.GetValue<string>());
        Assert.True(queries.Count >= 5);
        foreach (var item in queries)
        {
            var name = item!["name"]!.GetValue<string>();
            Assert.Equal(Infra.Read("queries", $"{name}.kql"), item["content"]!["query"]!.GetValue<string>());
        }

        Assert.Contains("loadTextContent('../workbook.json')", Infra.Read("modules", "workbook.bicep"), StringComparison.Ordinal);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Infra.Dir, "queries"), "*.kql"))
        {
            Assert.Contains(queries, q => q!["name"]!.GetValue<string>() == Path.GetFileNameWithoutExtension(file));
        }
    }

    [GeneratedRegex(@"^param (?<name>\w+) (?<rest>.*)$", RegexOptions.Multiline)]
    private static partial Regex ParamDeclaration();

    [GeneratedRegex(@"(?:module \w+ |load(?:Text|Json)Content\(|from |using )'(?<path>[^']+\.(?:bicep|json|kql))'")]
    private static partial Regex FileReference();

    [GeneratedRegex(@"""[A-Z][A-Za-z]+""")]
    private static partial Regex EventNames();

    [GeneratedRegex(@"""([A-Za-z][A-Za-z ]*)""")]
    private static partial Regex QuotedName();

    [GeneratedRegex(@"customDimensions\.(\w+)")]
    private static partial Regex Dimension();

    [GeneratedRegex(@"event (?<id>\d{4}) (?<name>[A-Z]\w+)")]
    private static partial Regex EventComment();
}
