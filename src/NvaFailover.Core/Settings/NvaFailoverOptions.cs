using NvaFailover.Probing;
using NvaFailover.Resources;
using NvaFailover.Scheduling;

namespace NvaFailover.Settings;

/// <summary>
/// The <c>NvaFailover</c> configuration section every host reads (see the settings contract), as parsed values:
/// built once by <see cref="SettingsReader"/>, checked by <see cref="NvaFailoverOptionsValidator"/>.
/// </summary>
public sealed class NvaFailoverOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "NvaFailover";

    /// <summary>The timer schedule (six NCRONTAB fields, seconds first).</summary>
    public TimerSchedule Schedule { get; set; } = TimerSchedule.Default;

    /// <summary>The Azure cloud whose Resource Manager endpoint is used.</summary>
    public AzureCloudName Cloud { get; set; } = AzureCloudName.AzureCloud;

    /// <summary>Client id of a user-assigned managed identity; empty means system-assigned or developer credential.</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>Decide and log every change, write nothing.</summary>
    public bool DryRun { get; set; }

    /// <summary>How long discovered route tables, NVA interfaces and public IPs are reused before they are read again.</summary>
    public TimeSpan DiscoveryRefresh { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Where watchers agree who writes for each cluster, and keep its flight record (none: one watcher, as before).</summary>
    public WitnessOptions Witness { get; } = new();

    /// <summary>An optional ceiling on route table writes in flight at once; none by default (writes are paced by ARM's budget).</summary>
    public int? MaxParallelWrites { get; set; }

    /// <summary>How often a write that lost an ETag race is re-read and re-planned within one round.</summary>
    public int ConflictRetries { get; set; } = 3;

    /// <summary>
    /// A Resource Manager endpoint other than the cloud's (a standalone emulator, for example <c>https://127.0.0.1:5443/</c>).
    /// Against a loopback endpoint no real token is ever sent: a placeholder token is used.
    /// </summary>
    public Uri? ArmEndpoint { get; set; }

    /// <summary>SHA-1 thumbprint of a self-signed certificate to trust for <see cref="ArmEndpoint"/> only.</summary>
    public string? ArmCertificateThumbprint { get; set; }

    /// <summary>Retries of a request answered 429, 500, 502, 503 or 504, or not answered in time, each after the service's Retry-After.</summary>
    public int ArmRetries { get; set; } = 5;

    /// <summary>Longest one ARM request may take before it is abandoned (and retried).</summary>
    public TimeSpan ArmRequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest a write may take, retries and long-running operation included, before it is reported failed.</summary>
    public TimeSpan ArmOperationTimeout { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>Wait between polls of a long-running operation when the service gives no Retry-After.</summary>
    public TimeSpan ArmPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Full id of the subnet the host's own outbound traffic leaves from (the Function App's integration subnet).</summary>
    public string? HostSubnetId { get; set; }

    /// <summary>Legacy service principal (ha-nva-fo <c>SP_USERNAME</c>, <c>SP_PASSWORD</c>, <c>TENANTID</c>); null unless those are set.</summary>
    public ServicePrincipalOptions? LegacyServicePrincipal { get; set; }

    /// <summary>The clusters, handled independently and concurrently.</summary>
    public IList<ClusterOptions> Clusters { get; } = [];

    /// <summary>The cluster with this name (case-insensitive), or null.</summary>
    public ClusterOptions? FindCluster(string name) => Clusters.FirstOrDefault(c => c.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
}

/// <summary>One NVA cluster: two or more appliances in priority order and the resources that follow the active one.</summary>
public sealed class ClusterOptions
{
    /// <summary>Unique name used in logs, metrics and reports.</summary>
    public string Name { get; set; } = "";

    /// <summary>The appliances, in priority order (index 0 is preferred).</summary>
    public IList<NvaOptions> Nvas { get; } = [];

    /// <summary>How the appliances are probed.</summary>
    public ProbeOptions Probe { get; set; } = new();

    /// <summary>How managed route tables are found.</summary>
    public RouteTableOptions RouteTables { get; set; } = new();

    /// <summary>Public IP resource ids that follow the active NVA.</summary>
    public IList<string> PublicIpAddressIds { get; } = [];

    /// <summary>When to return to a higher-priority NVA.</summary>
    public FailbackPolicy Failback { get; set; } = FailbackPolicy.OnActiveFailure;

    /// <summary>With <see cref="FailbackPolicy.Preemptive"/>: continuous health required before returning.</summary>
    public TimeSpan PreemptAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>What to do when every NVA of the cluster is down.</summary>
    public AllDownPolicy WhenAllDown { get; set; } = AllDownPolicy.KeepLastKnownGood;

    /// <summary>After a failover's writes, confirm the data plane follows them (effective routes), or skip it.</summary>
    public VerificationMode Verification { get; set; } = VerificationMode.EffectiveRoutes;
}

/// <summary>One appliance VM.</summary>
public sealed class NvaOptions
{
    /// <summary>Full ARM id of the appliance VM.</summary>
    public string VirtualMachineId { get; set; } = "";

    /// <summary>The NVA's name in logs, reports and <c>switchover --to</c>: its VM's name.</summary>
    public string Name => ArmId.Name(VirtualMachineId);

    /// <summary>Optional explicit interface slots: this NVA's private IPs in slot order.</summary>
    public IList<string> NextHopIps { get; } = [];

    /// <summary>A TCP <c>host:port</c> or an HTTP(S) URL to probe; null to probe the NVA's first private IP on <c>Probe:Port</c>.</summary>
    public ProbeEndpoint? ProbeEndpoint { get; set; }

    /// <summary>
    /// With <c>Probe:Kind Forwarding</c> (or <c>All</c>): a TCP <c>host:port</c> or an HTTP(S) URL reached only through this
    /// NVA (the host subnet's route table sends that address to this NVA, which forwards it on): proves it forwards.
    /// </summary>
    public ProbeEndpoint? ForwardingProbeEndpoint { get; set; }

    /// <summary>
    /// Not a setting: where the forwarding probe connects when that is not <see cref="ForwardingProbeEndpoint"/> itself.
    /// A rehearsal dials the emulated canary here, while check and the planner keep reasoning about the configured address.
    /// </summary>
    public ProbeEndpoint? ForwardingProbeDialed { get; set; }

    /// <summary>
    /// Optional: the SHA-1 thumbprint (40 hex digits) of the certificate an https probe endpoint must present; without it
    /// any certificate is accepted, as Azure Load Balancer's HTTPS probe accepts any.
    /// </summary>
    public string? ProbeCertificateThumbprint { get; set; }
}

/// <summary>How a cluster's route tables are found.</summary>
public sealed class RouteTableOptions
{
    /// <summary>Tag name that marks managed route tables.</summary>
    public string TagName { get; set; } = "nva_ha_udr";

    /// <summary>The cluster's tag value, compared case-sensitively.</summary>
    public string TagValue { get; set; } = "";

    /// <summary>Subscriptions to search; empty means every subscription the identity can see.</summary>
    public IList<string> SubscriptionIds { get; } = [];
}

/// <summary>A service principal from legacy settings.</summary>
/// <param name="TenantId">Directory (tenant) id.</param>
/// <param name="ClientId">Application (client) id.</param>
/// <param name="ClientSecret">The secret; never logged.</param>
public sealed record ServicePrincipalOptions(string TenantId, string ClientId, string ClientSecret)
{
    /// <inheritdoc />
    public override string ToString() => $"ServicePrincipal {{ TenantId = {TenantId}, ClientId = {ClientId}, ClientSecret = *** }}";
}

/// <summary>Failback policies.</summary>
public enum FailbackPolicy
{
    /// <summary>Move only when the active NVA fails; never flap back.</summary>
    OnActiveFailure,
    /// <summary>Return to the highest-priority healthy NVA once it has been healthy for <c>PreemptAfter</c>.</summary>
    Preemptive,
}

/// <summary>What to do when every NVA is down.</summary>
public enum AllDownPolicy
{
    /// <summary>Touch nothing and raise an alert-level event.</summary>
    KeepLastKnownGood,
}

/// <summary>Azure clouds.</summary>
public enum AzureCloudName
{
    /// <summary>Azure public cloud.</summary>
    AzureCloud,
    /// <summary>Azure Government.</summary>
    AzureUSGovernment,
    /// <summary>Azure operated by 21Vianet.</summary>
    AzureChinaCloud,
}

/// <summary>
/// The witness: a Blob Storage container with one blob per cluster. Its lease is the right to write for the cluster, its
/// content the cluster's flight record.
/// </summary>
public sealed class WitnessOptions
{
    /// <summary>The container (https, with a SAS query or for the host's identity; http on loopback for Azurite); null: no witness.</summary>
    public Uri? ContainerUri { get; set; }

    /// <summary>How long a lease lasts unless renewed (15 to 60 s, as Blob Storage allows).</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Whether a failover is confirmed on the data plane after its writes.</summary>
public enum VerificationMode
{
    /// <summary>Read the effective routes of a NIC in every subnet that uses a managed table, and look for tables nobody tagged.</summary>
    EffectiveRoutes,
    /// <summary>Trust what ARM accepted.</summary>
    None,
}
