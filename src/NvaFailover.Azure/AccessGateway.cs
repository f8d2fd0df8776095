using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NvaFailover.Ports;

namespace NvaFailover.Azure;

/// <summary>The RBAC actions NvaFailover needs (infra/role-actions.json, embedded), and the scope each is checked at.</summary>
public static class RequiredActions
{
    private static readonly Lazy<(string[] ResourceGroup, string[] Subscription, string[] HostNetwork)> Lists = new(() =>
    {
        using var stream = typeof(RequiredActions).Assembly.GetManifestResourceStream("NvaFailover.role-actions.json")
            ?? throw new InvalidOperationException("The embedded role-actions.json is missing from the NvaFailover.Azure assembly.");
        var json = JsonNode.Parse(stream)!;
        static string[] Read(JsonNode json, string key) => [.. json[key]!.AsArray().Select(a => a!.GetValue<string>())];
        return (Read(json, "resourceGroupActions"), Read(json, "subscriptionActions"), Read(json, "hostSubnetActions"));
    });

    /// <summary>Every action.</summary>
    public static IReadOnlyList<string> All => [.. AtResourceGroup.Union(AtSubscription).Union(AtHostNetwork)];

    /// <summary>Actions needed at the resource group of the host's own subnet (read it and its route table).</summary>
    public static IReadOnlyList<string> AtHostNetwork => Lists.Value.HostNetwork;

    /// <summary>The actions a scope of this kind needs.</summary>
    public static IReadOnlyList<string> For(AccessScope kind) => kind switch
    {
        AccessScope.Subscription => AtSubscription,
        AccessScope.HostNetwork => AtHostNetwork,
        _ => AtResourceGroup,
    };

    /// <summary>Actions needed at each subscription holding cluster resources (tag queries, subscription list, operation status).</summary>
    public static IReadOnlyList<string> AtSubscription => Lists.Value.Subscription;

    /// <summary>Actions needed at each resource group that holds NVAs, NICs, route tables or public IPs.</summary>
    public static IReadOnlyList<string> AtResourceGroup => Lists.Value.ResourceGroup;
}

/// <summary>Reads the identity's effective permissions at a scope (Microsoft.Authorization permissions API) and compares.</summary>
internal sealed class AccessGateway(ArmHttpClient arm) : IAccessGateway
{
    private const string ApiVersion = "2022-04-01";

    public async Task<IReadOnlyList<string>> FindMissingActionsAsync(string scope, AccessScope kind, CancellationToken cancellationToken = default)
    {
        var permissions = await arm.ListAsync($"{scope.TrimStart('/')}/providers/Microsoft.Authorization/permissions?api-version={ApiVersion}", $"the permissions at {scope}", cancellationToken);
        return [.. RequiredActions.For(kind).Where(action => !permissions.Any(p => Allows(p, action)))];
    }

    public async Task<string?> GetProviderRegistrationStateAsync(string subscriptionId, string providerNamespace, CancellationToken cancellationToken = default) =>
        (await arm.GetAsync($"/subscriptions/{subscriptionId}/providers/{providerNamespace}", "2021-04-01", cancellationToken))?["registrationState"]?.GetValue<string>();

    private static bool Allows(JsonObject permission, string action) =>
        Patterns(permission, "actions").Any(p => Matches(p, action)) && !Patterns(permission, "notActions").Any(p => Matches(p, action));

    private static IEnumerable<string> Patterns(JsonObject permission, string key) =>
        (permission[key] as JsonArray ?? []).Select(a => a?.GetValue<string>()).OfType<string>();

    internal static bool Matches(string pattern, string action) =>
        Regex.IsMatch(action, "^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal) + "$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
}
