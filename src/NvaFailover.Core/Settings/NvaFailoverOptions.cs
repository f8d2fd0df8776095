namespace NvaFailover.Settings;

/// <summary>
/// The <c>NvaFailover</c> configuration section every host reads (see the settings contract).
/// Built by <see cref="SettingsReader"/>, checked by <see cref="NvaFailoverOptionsValidator"/>.
/// </summary>
public sealed class NvaFailoverOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "NvaFailover";

    /// <summary>NCRONTAB schedule of the timer (six fields, seconds first).</summary>
    public string Schedule { get; set; } = "*/30 * * * * *";

    /// <summary>The Azure cloud whose Resource Manager endpoint is used.</summary>
    public AzureCloudName Cloud { get; set; } = AzureCloudName.AzureCloud;

    /// <summary>Client id of a user-assigned managed identity; empty means system-assigned or developer credential.</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>Decide and log every change, write nothing.</summary>
    public bool DryRun { get; set; }

    /// <summary>How long discovered route tables, NVA interfaces and public IPs are reused before they are read again.</summary>
    public TimeSpan DiscoveryRefresh { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How many resource writes of one cluster run at once.</summary>
    public int MaxParallelWrites { get; set; } = 8;

    /// <summary>How often a write that lost an ETag race is re-read and re-planned within one cycle.</summary>
    public int ConflictRetries { get; set; } = 3;

    /// <summary>
    /// A Resource Manager endpoint other than the cloud's (a standalone emulator, for example <c>https://127.0.0.1:5443/</c>).
    /// Against a loopback endpoint no real token is ever sent: a placeholder token is used.
    /// </summary>
    public Uri? ArmEndpoint { get; set; }

    /// <summary>SHA-1 thumbprint of a self-signed certificate to trust for <see cref="ArmEndpoint"/> only.</summary>
    public string? ArmCertificateThumbprint { get; set; }

    /// <summary>Retries of a request answered 429, 500, 502, 503 or 504, each after the service's Retry-After.</summary>
    public int ArmRetries { get; set; } = 5;

    /// <summary>Longest a write may take, retries and long-running operation included, before it is reported failed.</summary>
    public TimeSpan ArmOperationTimeout { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>Wait between polls of a long-running operation when the service gives no Retry-After.</summary>
    public TimeSpan ArmPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Legacy service principal (ha-nva-fo <c>SP_USERNAME</c>, <c>SP_PASSWORD</c>, <c>TENANTID</c>); null unless those are set.</summary>
    public ServicePrincipalOptions? LegacyServicePrincipal { get; set; }

    /// <summary>The clusters, handled independently and concurrently.</summary>
    public IList<ClusterOptions> Clusters { get; } = [];

    /// <summary>Problems found while reading the raw settings (values that could not be parsed).</summary>
    public IList<SettingProblem> ReadProblems { get; } = [];

    /// <summary>Warnings found while reading (legacy names, ignored settings); logged once at start-up.</summary>
    public IList<SettingWarning> Warnings { get; } = [];
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
}

/// <summary>One appliance VM.</summary>
public sealed class NvaOptions
{
    /// <summary>Full ARM id of the appliance VM.</summary>
    public string VirtualMachineId { get; set; } = "";

    /// <summary>Optional explicit interface slots: this NVA's private IPs in slot order.</summary>
    public IList<string> NextHopIps { get; } = [];

    /// <summary><c>host:port</c> (TCP) or <c>http(s)://</c> URL (HTTP) probe endpoint.</summary>
    public string? ProbeEndpoint { get; set; }
}

/// <summary>Probe settings of a cluster.</summary>
public sealed class ProbeOptions
{
    /// <summary>The probe kind.</summary>
    public ProbeKind Kind { get; set; } = ProbeKind.VmPowerState;

    /// <summary>An NVA is down only when every attempt fails.</summary>
    public int Attempts { get; set; } = 3;

    /// <summary>Wait between attempts (not after the last).</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Time allowed for one attempt.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>When set, one invocation keeps probing at this interval until shortly before the next scheduled run.</summary>
    public TimeSpan? Interval { get; set; }
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

/// <summary>Probe kinds.</summary>
public enum ProbeKind
{
    /// <summary>Only <c>PowerState/running</c> is up.</summary>
    VmPowerState,
    /// <summary>A TCP connect to <c>ProbeEndpoint</c> within the timeout.</summary>
    Tcp,
    /// <summary>A 2xx answer from <c>ProbeEndpoint</c> within the timeout.</summary>
    Http,
    /// <summary>Power state and every configured endpoint must pass.</summary>
    All,
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
