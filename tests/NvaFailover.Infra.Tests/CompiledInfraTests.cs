using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace NvaFailover.Infra.Tests;

/// <summary>What a deployment of the sample parameters would create, as the Bicep CLI evaluates it offline.</summary>
public sealed partial class CompiledInfraTests(CompiledInfra infra) : IClassFixture<CompiledInfra>
{
    private static readonly JsonNode RoleActions = JsonNode.Parse(Infra.Read("role-actions.json"))!;

    private static string[] Actions(string list) => [.. RoleActions[list]!.AsArray().Select(a => a!.GetValue<string>())];

    private JsonObject Parameter(string name) => (JsonObject)infra.SampleParameters[name]!;

    [Fact]
    public void RoleDefinitions_HaveExactlyTheActionsOfRoleActionsJson()
    {
        var roles = infra.OfType("Microsoft.Authorization/roleDefinitions")
            .ToDictionary(r => r["properties"]!["roleName"]!.GetValue<string>().Split(" (")[0], r => r["properties"]!["permissions"]![0]!["actions"]!.AsArray().Select(a => a!.GetValue<string>()).ToList());

        Assert.Equal(["NvaFailover discovery", "NvaFailover host network reader", "NvaFailover operator"], roles.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Actions("resourceGroupActions"), roles["NvaFailover operator"]);
        Assert.Equal(Actions("subscriptionActions"), roles["NvaFailover discovery"]);
        Assert.Equal(Actions("hostSubnetActions"), roles["NvaFailover host network reader"]);
    }

    [Fact]
    public void RoleAssignments_OperatorOnEachTargetGroup_DiscoveryOnEachSubscription_HostReaderOnTheSubnetsGroup_EachNamingTheRoleInItsOwnSubscription()
    {
        var definitions = infra.OfType("Microsoft.Authorization/roleDefinitions")
            .ToDictionary(r => r["name"]!.GetValue<string>(), r => r["properties"]!["roleName"]!.GetValue<string>().Split(" (")[0]);
        var assignments = infra.OfType("Microsoft.Authorization/roleAssignments")
            .Select(a => (Scope: Scope(a["id"]!.GetValue<string>()), RoleId: a["properties"]!["roleDefinitionId"]!.GetValue<string>()))
            .Where(a => definitions.ContainsKey(a.RoleId.Split('/')[^1]))
            .Select(a => (a.Scope, Role: definitions[a.RoleId.Split('/')[^1]], a.RoleId))
            .ToList();

        var targets = Parameter("targetResourceGroups")["value"]!.AsArray()
            .Select(t => $"/subscriptions/{t!["subscriptionId"]}/resourceGroups/{t["resourceGroup"]}").ToList();
        var subnet = Parameter("integrationSubnetId")["value"]!.GetValue<string>();
        Assert.Equal(targets.Order(StringComparer.Ordinal), assignments.Where(a => a.Role == "NvaFailover operator").Select(a => a.Scope).Order(StringComparer.Ordinal));
        Assert.Equal(targets.Select(t => string.Join('/', t.Split('/').Take(3))).Distinct().Order(StringComparer.Ordinal),
            assignments.Where(a => a.Role == "NvaFailover discovery").Select(a => a.Scope).Order(StringComparer.Ordinal));
        Assert.Equal(string.Join('/', subnet.Split('/').Take(5)), Assert.Single(assignments, a => a.Role == "NvaFailover host network reader").Scope);

        // A custom role is named, in an assignment, with the id of the assignment's own subscription.
        Assert.All(assignments, a => Assert.StartsWith(string.Join('/', a.Scope.Split('/').Take(3)) + "/providers/Microsoft.Authorization/roleDefinitions/", a.RoleId, StringComparison.Ordinal));
    }

    [Fact]
    public void AppSettings_AreTheDocumentedSettings_PlusTheHostsOwn()
    {
        var settings = Settings();
        var nvaFailover = settings.Keys.Where(k => k.StartsWith("NvaFailover__", StringComparison.Ordinal)).Select(Infra.NormalizeSettingName).ToHashSet(StringComparer.Ordinal);
        var documented = Infra.DeployableKeys();

        // Every generated name is a documented one (docs/settings.md, which a Core test keeps equal to what the code
        // reads); every documented key is generated, but those the sample parameters leave out.
        Assert.Empty(nvaFailover.Except(documented));
        // The witness's keys only with a witness, which the sample leaves out (tested below).
        Assert.Equal(["Clusters:#:Nvas:#:NextHopIps", "Clusters:#:Nvas:#:ProbeCertificateThumbprint", "Clusters:#:Probe:Port", "Witness:ContainerUri", "Witness:LeaseDuration"], documented.Where(c => !nvaFailover.Any(g => g == c || g.StartsWith(c + ":", StringComparison.Ordinal))).Order(StringComparer.Ordinal));
        Assert.Equal(
            ["APPLICATIONINSIGHTS_AUTHENTICATION_STRING", "APPLICATIONINSIGHTS_CONNECTION_STRING", "AzureWebJobsStorage__blobServiceUri", "AzureWebJobsStorage__clientId",
                "AzureWebJobsStorage__credential", "AzureWebJobsStorage__queueServiceUri", "AzureWebJobsStorage__tableServiceUri", "NvaFailoverSchedule"],
            settings.Keys.Where(k => !k.StartsWith("NvaFailover__", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.Equal(settings["NvaFailover__Schedule"], settings["NvaFailoverSchedule"]);
        Assert.Equal(Parameter("integrationSubnetId")["value"]!.GetValue<string>(), settings["NvaFailover__HostSubnetId"]);
    }

    [Fact]
    public void FunctionApp_IsIntegratedIntoTheSubnet_KeepsOneSmallInstanceReadyForTheTimer_WithACapEveryRegionAccepts()
    {
        var app = Assert.Single(infra.OfType("Microsoft.Web/sites"))["properties"]!;
        var scale = app["functionAppConfig"]!["scaleAndConcurrency"]!;

        Assert.Equal(Parameter("integrationSubnetId")["value"]!.GetValue<string>(), app["virtualNetworkSubnetId"]!.GetValue<string>());
        // Flex Consumption refuses a maximum instance count under 40 in most regions (Azure/azure-functions-host#10523).
        Assert.True(scale["maximumInstanceCount"] is null || scale["maximumInstanceCount"]!.GetValue<int>() >= 40, scale.ToJsonString());
        Assert.Equal(512, scale["instanceMemoryMB"]!.GetValue<int>());
        var ready = Assert.Single(scale["alwaysReady"]!.AsArray())!;
        Assert.Equal(("function:NvaFailoverTimer", 1), (ready["name"]!.GetValue<string>(), ready["instanceCount"]!.GetValue<int>()));
        Assert.Contains("[Function(\"NvaFailoverTimer\")]", File.ReadAllText(Repository.File("src", "NvaFailover.Functions", "NvaFailoverTimer.cs")), StringComparison.Ordinal);
    }

    [Fact]
    public void TheTimerRunsOnOneInstance_ByTheHostsBlobLease_WhichTheIdentityMayTake()
    {
        // What keeps one instance running the timer, whatever the instance count: the Functions host takes a singleton
        // lease on a blob in AzureWebJobsStorage before each tick. So the host must reach the blob service with the
        // identity, and the identity must be able to take leases there (Storage Blob Data Owner on the account).
        var settings = Settings();
        const string blobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";

        Assert.Contains(".primaryEndpoints.blob", settings["AzureWebJobsStorage__blobServiceUri"], StringComparison.Ordinal);
        Assert.Contains(infra.OfType("Microsoft.Authorization/roleAssignments"), a =>
            a["properties"]!["roleDefinitionId"]!.GetValue<string>().EndsWith(blobDataOwner, StringComparison.Ordinal));
        Assert.DoesNotContain("\"singleton\"", File.ReadAllText(Repository.File("src", "NvaFailover.Functions", "host.json")), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Storage_IsReachedByItsOwnServiceUris_WithTheIdentity_NeverByAccountNameOrKey()
    {
        var settings = Settings();

        foreach (var service in new[] { "blob", "queue", "table" })
        {
            Assert.Contains($".primaryEndpoints.{service}", settings[$"AzureWebJobsStorage__{service}ServiceUri"], StringComparison.Ordinal);
        }

        Assert.Equal("managedidentity", settings["AzureWebJobsStorage__credential"]);
        Assert.DoesNotContain(settings.Keys, k => k.Contains("accountName", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(settings.Values, v => v.Contains("AccountKey=", StringComparison.Ordinal));
        Assert.False(Assert.Single(infra.OfType("Microsoft.Storage/storageAccounts"))["properties"]!["allowSharedKeyAccess"]!.GetValue<bool>());
    }

    [Fact]
    public void Alerts_QueryOnlyEventsTheCodeLogs_AndResolveThemselves()
    {
        var rules = infra.OfType("Microsoft.Insights/scheduledQueryRules").ToList();

        Assert.Equal(6, rules.Count);
        foreach (var rule in rules)
        {
            var properties = rule["properties"]!;
            Assert.True(properties["autoMitigate"]!.GetValue<bool>(), $"{rule["name"]} pages on every evaluation while its condition lasts");
            var query = properties["criteria"]!["allOf"]![0]!["query"]!.GetValue<string>();
            var events = Infra.EventNamesIn(query).ToList();
            Assert.NotEmpty(events);
            Assert.All(events, e => Assert.True(Infra.Events.ContainsKey(e), $"{rule["name"]} queries event '{e}', which the code never logs"));
        }
    }

    [Fact]
    public void Template_NestedDeploymentNames_CarryTheInstanceAndRegion()
    {
        Assert.Equal("[uniqueString(resourceGroup().id, parameters('namePrefix'), parameters('location'))]", infra.Template["variables"]!["deploymentSuffix"]!.GetValue<string>());
        var deployments = infra.Template["resources"]!.AsObject().Select(r => r.Value!).Where(r => r["type"]!.GetValue<string>() == "Microsoft.Resources/deployments").ToList();

        Assert.NotEmpty(deployments);
        Assert.All(deployments, d => Assert.Contains("variables('deploymentSuffix')", d["name"]!.GetValue<string>(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task NetworkProbesWithoutAnIntegrationSubnet_AreRefusedBeforeAnythingIsCreated_WithTheReason()
    {
        var copy = Bicep.CopyInfra();
        var sample = await File.ReadAllTextAsync(Path.Combine(copy, "main.bicepparam"));
        await File.WriteAllTextAsync(Path.Combine(copy, "main.bicepparam"), IntegrationSubnet().Replace(sample, "param integrationSubnetId = ''"));

        var (code, output, _) = await Bicep.SnapshotAsync(copy);

        Assert.NotEqual(0, code);
        Assert.Contains("integrationSubnetId is required: cluster(s) vmx probe over the network (Tcp, Http, Forwarding or All)", output, StringComparison.Ordinal);
    }

    [Fact]
    public void ForwardingProbeRoutes_OnePerNva_InTheIntegrationSubnetsTable_ThroughThatNva()
    {
        var table = Parameter("forwardingProbeRouteTableId")["value"]!.GetValue<string>();
        var routes = infra.OfType("Microsoft.Network/routeTables/routes")
            .Select(r => (Id: r["id"]!.GetValue<string>(), Prefix: r["properties"]!["addressPrefix"]!.GetValue<string>(), Type: r["properties"]!["nextHopType"]!.GetValue<string>(), Hop: r["properties"]!["nextHopIpAddress"]!.GetValue<string>()))
            .ToList();

        Assert.Equal(
            [($"{table}/routes/nvafo-probe-vmx-0", "10.50.0.10/32", "VirtualAppliance", "10.1.0.4"), ($"{table}/routes/nvafo-probe-vmx-1", "10.50.0.11/32", "VirtualAppliance", "10.1.0.5")],
            routes.OrderBy(r => r.Id, StringComparer.Ordinal));
        Assert.Equal("10.50.0.10:443", Settings()["NvaFailover__Clusters__0__Nvas__0__ForwardingProbeEndpoint"]);
    }

    [Fact]
    public async Task ForwardingProbeRoute_WithoutTheNvasIp_IsRefusedNamingTheNvaAndTheSetting()
    {
        var copy = Bicep.CopyInfra();
        var sample = await File.ReadAllTextAsync(Path.Combine(copy, "main.bicepparam"));
        await File.WriteAllTextAsync(Path.Combine(copy, "main.bicepparam"), sample.Replace("        forwardingProbeNextHopIp: '10.1.0.5'\n", "", StringComparison.Ordinal));

        var (code, output, _) = await Bicep.SnapshotAsync(copy);

        Assert.NotEqual(0, code);
        Assert.Contains("needs the IP of NVA vmx-b to point at: set forwardingProbeNextHopIp (or nextHopIps) on that NVA", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PowerStateProbesOnly_NeedNoIntegrationSubnet()
    {
        var copy = Bicep.CopyInfra();
        var sample = await File.ReadAllTextAsync(Path.Combine(copy, "main.bicepparam"));
        sample = IntegrationSubnet().Replace(sample, "param integrationSubnetId = ''").Replace("kind: 'All'", "kind: 'VmPowerState'", StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(copy, "main.bicepparam"), sample);

        var (code, output, resources) = await Bicep.SnapshotAsync(copy);

        Assert.True(code == 0, output);
        var app = resources.OfType<JsonObject>().Single(r => r["type"]!.GetValue<string>() == "Microsoft.Web/sites");
        Assert.Null(app["properties"]!["virtualNetworkSubnetId"]);
        var hostReader = resources.OfType<JsonObject>().Single(r => r["properties"]?["roleName"]?.GetValue<string>().StartsWith("NvaFailover host network", StringComparison.Ordinal) == true);
        Assert.DoesNotContain(resources.OfType<JsonObject>(), a => a["properties"]?["roleDefinitionId"]?.GetValue<string>().EndsWith(hostReader["name"]!.GetValue<string>(), StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task RemovingATarget_ShrinksOnlyTheScopesOfThatTarget()
    {
        // infra/README.md: delete the assignments in a target first, then redeploy without it. The redeployment removes the
        // target's scopes from the roles' assignableScopes, which Azure refuses while assignments remain there
        // (RoleScopeBeingRemovedContainsAssignments): so exactly these scopes are the ones to clean first.
        var copy = Bicep.CopyInfra();
        var sample = await File.ReadAllTextAsync(Path.Combine(copy, "main.bicepparam"));
        const string removed = "  { subscriptionId: '00000000-0000-0000-0000-000000000002', resourceGroup: 'rg-spokes' }\n";
        Assert.Contains(removed, sample, StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(copy, "main.bicepparam"), sample.Replace(removed, "", StringComparison.Ordinal));

        var (code, output, resources) = await Bicep.SnapshotAsync(copy);

        Assert.True(code == 0, output);
        static HashSet<string> Scopes(IEnumerable<JsonObject> definitions) =>
            definitions.SelectMany(d => d["properties"]!["assignableScopes"]!.AsArray().Select(s => s!.GetValue<string>())).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var before = Scopes(infra.OfType("Microsoft.Authorization/roleDefinitions"));
        var after = Scopes(resources.OfType<JsonObject>().Where(r => r["type"]!.GetValue<string>() == "Microsoft.Authorization/roleDefinitions"));
        var gone = before.Except(after, StringComparer.OrdinalIgnoreCase).ToList();
        Assert.NotEmpty(gone);
        Assert.All(gone, scope => Assert.Contains("00000000-0000-0000-0000-000000000002", scope, StringComparison.Ordinal));
        Assert.Empty(after.Except(before, StringComparer.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task CreateWitness_KeepsAContainerInTheAppsStorage_SetsTheWitnessSettings_AndAlertsWhenAWatcherCannotUseIt()
    {
        var (code, output, resources) = await SnapshotWith("param createWitness = true\nparam witnessLeaseDuration = '00:00:20'\n");

        Assert.True(code == 0, output);
        var all = resources.OfType<JsonObject>().ToList();
        var container = Assert.Single(all, r => r["type"]!.GetValue<string>() == "Microsoft.Storage/storageAccounts/blobServices/containers" && r["name"]!.GetValue<string>().EndsWith("/witness", StringComparison.Ordinal));
        var account = container["name"]!.GetValue<string>().Split('/')[0];
        var settings = SettingsOf(all);
        // The account's own blob endpoint (right in every cloud), known at deployment: '[format('{0}{1}', reference(...).primaryEndpoints.blob, 'witness')]'.
        var uri = settings["NvaFailover__Witness__ContainerUri"];
        Assert.Contains($"storageAccounts/{account}'", uri, StringComparison.Ordinal);
        Assert.Contains("primaryEndpoints.blob, 'witness')", uri, StringComparison.Ordinal);
        Assert.Equal("00:00:20", settings["NvaFailover__Witness__LeaseDuration"]);
        var rule = Assert.Single(all, r => r["type"]!.GetValue<string>() == "Microsoft.Insights/scheduledQueryRules" && r["name"]!.GetValue<string>().EndsWith("-no-leader", StringComparison.Ordinal));
        Assert.Contains("WitnessUnreachable", rule["properties"]!["criteria"]!["allOf"]![0]!["query"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain(all, r => r["properties"]?["roleDefinitionId"]?.GetValue<string>().EndsWith(StorageBlobDataContributor, StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task JoiningAWitness_GrantsThisIdentityTheOtherDeploymentsContainerOnly_AndSetsTheWitnessSettings()
    {
        const string account = "/subscriptions/00000000-0000-0000-0000-000000000003/resourceGroups/rg-nvafo-weu/providers/Microsoft.Storage/storageAccounts/stnvafofirst";
        var (code, output, resources) = await SnapshotWith(
            $"param witnessContainerUri = 'https://stnvafofirst.blob.core.windows.net/witness'\nparam witnessStorageAccountId = '{account}'\n");

        Assert.True(code == 0, output);
        var all = resources.OfType<JsonObject>().ToList();
        var grant = Assert.Single(all, r => r["properties"]?["roleDefinitionId"]?.GetValue<string>().EndsWith(StorageBlobDataContributor, StringComparison.Ordinal) == true);
        Assert.Equal($"{account}/blobServices/default/containers/witness", Scope(grant["id"]!.GetValue<string>()));
        Assert.Equal("https://stnvafofirst.blob.core.windows.net/witness", SettingsOf(all)["NvaFailover__Witness__ContainerUri"]);
        Assert.DoesNotContain(all, r => r["type"]!.GetValue<string>() == "Microsoft.Storage/storageAccounts/blobServices/containers" && r["name"]!.GetValue<string>().EndsWith("/witness", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("param createWitness = true\nparam witnessContainerUri = 'https://stother.blob.core.windows.net/witness'\n", "Set either createWitness (this deployment keeps the witness) or witnessContainerUri")]
    [InlineData("param witnessContainerUri = 'https://stother.blob.core.windows.net/witness'\n", "witnessContainerUri needs witnessStorageAccountId")]
    public async Task AnAmbiguousWitness_IsRefusedBeforeAnythingIsCreated(string parameters, string reason)
    {
        var (code, output, _) = await SnapshotWith(parameters);

        Assert.NotEqual(0, code);
        Assert.Contains(reason, output, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutAWitness_NoWitnessSettingsAndNoWitnessAlert()
    {
        Assert.DoesNotContain(Settings().Keys, k => k.StartsWith("NvaFailover__Witness__", StringComparison.Ordinal));
        Assert.DoesNotContain(infra.OfType("Microsoft.Insights/scheduledQueryRules"), r => r["name"]!.GetValue<string>().EndsWith("-no-leader", StringComparison.Ordinal));
    }

    private const string StorageBlobDataContributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";

    private static async Task<(int Code, string Output, JsonArray Resources)> SnapshotWith(string parameters)
    {
        var copy = Bicep.CopyInfra();
        var sample = await File.ReadAllTextAsync(Path.Combine(copy, "main.bicepparam"));
        await File.WriteAllTextAsync(Path.Combine(copy, "main.bicepparam"), sample + "\n" + parameters);
        return await Bicep.SnapshotAsync(copy);
    }

    private static Dictionary<string, string> SettingsOf(IEnumerable<JsonObject> resources) =>
        Assert.Single(resources, r => r["type"]!.GetValue<string>() == "Microsoft.Web/sites/config")["properties"]!.AsObject()
            .ToDictionary(p => p.Key, p => p.Value!.GetValue<string>(), StringComparer.Ordinal);

    private Dictionary<string, string> Settings() =>
        Assert.Single(infra.OfType("Microsoft.Web/sites/config"))["properties"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>(), StringComparer.Ordinal);

    private static string Scope(string assignmentId) => assignmentId[..assignmentId.IndexOf("/providers/Microsoft.Authorization/roleAssignments/", StringComparison.Ordinal)];

    [GeneratedRegex(@"param integrationSubnetId = '[^']*'")]
    private static partial Regex IntegrationSubnet();
}
