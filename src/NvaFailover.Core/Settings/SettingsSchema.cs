using System.Net;
using System.Text.RegularExpressions;
using NvaFailover.Probing;
using NvaFailover.Resources;

namespace NvaFailover.Settings;

/// <summary>
/// Every setting of the <c>NvaFailover</c> section, declared once per section: key, kind, rule, and (through the options
/// property) default. Rules that span several values (a VM in two clusters, a pin without an https endpoint) are in
/// <see cref="NvaFailoverOptionsValidator"/>; the sections themselves (Clusters, Nvas, Probe, RouteTables) and the
/// schedule, which has a flat twin for the Functions timer, are read by <see cref="SettingsReader"/>.
/// </summary>
internal static partial class SettingsSchema
{
    public static readonly ISetting<NvaFailoverOptions>[] Top =
    [
        new Setting<NvaFailoverOptions, AzureCloudName>("Cloud", o => o.Cloud, (o, v) => o.Cloud = v, ValueKinds.Enum<AzureCloudName>()),
        new Setting<NvaFailoverOptions, string?>("ManagedIdentityClientId", o => o.ManagedIdentityClientId, (o, v) => o.ManagedIdentityClientId = v, ValueKinds.Text)
        {
            Rule = v => v is not null && !Guid.TryParse(v, out _) ? "must be the client id (a GUID) of a user-assigned managed identity, or empty for the system-assigned one" : null,
        },
        new Setting<NvaFailoverOptions, bool>("DryRun", o => o.DryRun, (o, v) => o.DryRun = v, ValueKinds.Bool),
        new Setting<NvaFailoverOptions, TimeSpan>("DiscoveryRefresh", o => o.DiscoveryRefresh, (o, v) => o.DiscoveryRefresh = v, ValueKinds.Duration)
        {
            Rule = Rules.Within(TimeSpan.FromSeconds(10), TimeSpan.FromDays(1)),
        },
        new Setting<NvaFailoverOptions, int?>("MaxParallelWrites", o => o.MaxParallelWrites, (o, v) => o.MaxParallelWrites = v, ValueKinds.OptionalInt) { Rule = Rules.WithinIfSet(1, 1000) },
        new Setting<NvaFailoverOptions, int>("ConflictRetries", o => o.ConflictRetries, (o, v) => o.ConflictRetries = v, ValueKinds.Int) { Rule = Rules.Within(0, 10) },
        new Setting<NvaFailoverOptions, Uri?>("ArmEndpoint", o => o.ArmEndpoint, (o, v) => o.ArmEndpoint = v, ValueKinds.HttpsUri),
        new Setting<NvaFailoverOptions, string?>("ArmCertificateThumbprint", o => o.ArmCertificateThumbprint, (o, v) => o.ArmCertificateThumbprint = v, ValueKinds.Text)
        {
            Rule = v => v is not null && !IsThumbprint(v) ? "must be the certificate's SHA-1 thumbprint: 40 hexadecimal characters, as the emulator prints it" : null,
        },
        new Setting<NvaFailoverOptions, int>("ArmRetries", o => o.ArmRetries, (o, v) => o.ArmRetries = v, ValueKinds.Int) { Rule = Rules.Within(0, 20) },
        new Setting<NvaFailoverOptions, TimeSpan>("ArmRequestTimeout", o => o.ArmRequestTimeout, (o, v) => o.ArmRequestTimeout = v, ValueKinds.Duration)
        {
            Rule = Rules.Within(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5)),
        },
        new Setting<NvaFailoverOptions, TimeSpan>("ArmOperationTimeout", o => o.ArmOperationTimeout, (o, v) => o.ArmOperationTimeout = v, ValueKinds.Duration)
        {
            Rule = Rules.Within(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(30)),
        },
        new Setting<NvaFailoverOptions, TimeSpan>("ArmPollInterval", o => o.ArmPollInterval, (o, v) => o.ArmPollInterval = v, ValueKinds.Duration)
        {
            Rule = Rules.Within(TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(1)),
        },
        new Setting<NvaFailoverOptions, string?>("HostSubnetId", o => o.HostSubnetId, (o, v) => o.HostSubnetId = v, ValueKinds.Text)
        {
            Rule = v => v is not null && !ArmId.IsSubnet(v)
                ? "must be the full id of a subnet: /subscriptions/{subscription-guid}/resourceGroups/{group}/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{subnet}"
                : null,
        },
    ];

    public static readonly ISetting<ClusterOptions>[] Cluster =
    [
        new Setting<ClusterOptions, string>("Name", c => c.Name, (c, v) => c.Name = v, ValueKinds.RequiredText)
        {
            Rule = v => string.IsNullOrWhiteSpace(v) ? "a cluster needs a name (letters, digits, '-', '_' or '.'), used in logs, metrics and reports"
                : !NamePattern().IsMatch(v) ? "use 1 to 64 letters, digits, '-', '_' or '.'"
                : null,
        },
        new ListSetting<ClusterOptions>("PublicIpAddressIds", c => c.PublicIpAddressIds, writtenWhenEmpty: true)
        {
            Rule = v => ArmId.IsPublicIpAddress(v) ? null
                : "must be the full ARM id of a public IP: /subscriptions/{subscription-guid}/resourceGroups/{group}/providers/Microsoft.Network/publicIPAddresses/{name}",
        },
        new Setting<ClusterOptions, FailbackPolicy>("Failback", c => c.Failback, (c, v) => c.Failback = v, ValueKinds.Enum<FailbackPolicy>()),
        new Setting<ClusterOptions, TimeSpan>("PreemptAfter", c => c.PreemptAfter, (c, v) => c.PreemptAfter = v, ValueKinds.Duration)
        {
            Rule = Rules.Within(TimeSpan.Zero, TimeSpan.FromDays(1)),
        },
        new Setting<ClusterOptions, AllDownPolicy>("WhenAllDown", c => c.WhenAllDown, (c, v) => c.WhenAllDown = v, ValueKinds.Enum<AllDownPolicy>()),
        new Setting<ClusterOptions, VerificationMode>("Verification", c => c.Verification, (c, v) => c.Verification = v, ValueKinds.Enum<VerificationMode>()),
    ];

    public static readonly ISetting<NvaOptions>[] Nva =
    [
        new Setting<NvaOptions, string>("VirtualMachineId", n => n.VirtualMachineId, (n, v) => n.VirtualMachineId = v, ValueKinds.RequiredText)
        {
            Rule = v => ArmId.IsVirtualMachine(v) ? null
                : "must be the full ARM id of the appliance VM: /subscriptions/{subscription-guid}/resourceGroups/{group}/providers/Microsoft.Compute/virtualMachines/{name}",
        },
        new ListSetting<NvaOptions>("NextHopIps", n => n.NextHopIps, writtenWhenEmpty: false)
        {
            Rule = v => IPAddress.TryParse(v, out _) ? null : "must be a private IP address of this NVA, for example 10.0.1.4",
        },
        new Setting<NvaOptions, ProbeEndpoint?>("ProbeEndpoint", n => n.ProbeEndpoint, (n, v) => n.ProbeEndpoint = v, ValueKinds.Endpoint),
        new Setting<NvaOptions, ProbeEndpoint?>("ForwardingProbeEndpoint", n => n.ForwardingProbeEndpoint, (n, v) => n.ForwardingProbeEndpoint = v, ValueKinds.Endpoint),
        new Setting<NvaOptions, string?>("ProbeCertificateThumbprint", n => n.ProbeCertificateThumbprint, (n, v) => n.ProbeCertificateThumbprint = v, ValueKinds.Thumbprint)
        {
            Rule = v => v is not null && !IsThumbprint(v) ? "must be a certificate's SHA-1 thumbprint: 40 hexadecimal digits (openssl x509 -noout -fingerprint -sha1)" : null,
        },
    ];

    public static readonly ISetting<ProbeOptions>[] Probe =
    [
        new Setting<ProbeOptions, ProbeKind>("Kind", p => p.Kind, (p, v) => p.Kind = v, ValueKinds.Enum<ProbeKind>()),
        new Setting<ProbeOptions, int>("Attempts", p => p.Attempts, (p, v) => p.Attempts = v, ValueKinds.Int) { Rule = Rules.Within(1, 10) },
        new Setting<ProbeOptions, TimeSpan>("Delay", p => p.Delay, (p, v) => p.Delay = v, ValueKinds.Duration) { Rule = Rules.Within(TimeSpan.Zero, TimeSpan.FromMinutes(1)) },
        new Setting<ProbeOptions, TimeSpan>("Timeout", p => p.Timeout, (p, v) => p.Timeout = v, ValueKinds.Duration)
        {
            Rule = Rules.Within(TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1)),
        },
        new Setting<ProbeOptions, TimeSpan>("Interval", p => p.Interval, (p, v) => p.Interval = v, ValueKinds.Duration)
        {
            Rule = Rules.Within(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10), (TimeSpan.Zero, "or 00:00:00 for one round of probes per timer run")),
        },
        new Setting<ProbeOptions, int?>("Port", p => p.Port, (p, v) => p.Port = v, ValueKinds.OptionalInt) { Rule = Rules.WithinIfSet(1, 65535) },
    ];

    public static readonly ISetting<WitnessOptions>[] Witness =
    [
        new Setting<WitnessOptions, Uri?>("ContainerUri", w => w.ContainerUri, (w, v) => w.ContainerUri = v, ValueKinds.ContainerUri),
        new Setting<WitnessOptions, TimeSpan>("LeaseDuration", w => w.LeaseDuration, (w, v) => w.LeaseDuration = v, ValueKinds.Duration)
        {
            Rule = Rules.Within(TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(60)),
        },
    ];

    public static readonly ISetting<RouteTableOptions>[] RouteTables =
    [
        new Setting<RouteTableOptions, string>("TagName", t => t.TagName, (t, v) => t.TagName = v, ValueKinds.RequiredText)
        {
            Rule = v => string.IsNullOrWhiteSpace(v) ? "must name the tag that marks managed route tables (default nva_ha_udr)" : null,
        },
        new Setting<RouteTableOptions, string>("TagValue", t => t.TagValue, (t, v) => t.TagValue = v, ValueKinds.RequiredText),
        new ListSetting<RouteTableOptions>("SubscriptionIds", t => t.SubscriptionIds, writtenWhenEmpty: true)
        {
            Rule = v => Guid.TryParse(v, out _) ? null : "must be a subscription id (a GUID)",
        },
    ];

    /// <summary>A SHA-1 thumbprint: 40 hexadecimal digits.</summary>
    public static bool IsThumbprint(string value) => value.Length == 40 && value.All(char.IsAsciiHexDigit);

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex NamePattern();
}
