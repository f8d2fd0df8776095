using System.Runtime.CompilerServices;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Options;
using NvaFailover.Probing;
using NvaFailover.Resources;

namespace NvaFailover.Settings;

/// <summary>
/// Checks every rule of the settings contract that spans values (the reader has already parsed each value) and reports
/// all problems in one message, each naming the key, the value (secrets masked) and what would be valid. Hand-written
/// rather than data annotations because the messages must use configuration keys
/// (<c>NvaFailover:Clusters:0:Probe:Attempts</c>) that a network engineer can find in their app settings.
/// </summary>
public sealed class NvaFailoverOptionsValidator(SettingsRead read) : IValidateOptions<NvaFailoverOptions>
{
    private const string Root = NvaFailoverOptions.SectionName;

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, NvaFailoverOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = Check(ReferenceEquals(options, read.Options) ? read : read with { Options = options });
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(Describe(problems));
    }

    /// <summary>
    /// Every problem of the settings: those found reading them first, then those of the rules. Checked once per reading:
    /// a host that checks before composing (the CLI) and the options validation at start-up share the one result.
    /// </summary>
    public static IReadOnlyList<SettingProblem> Check(SettingsRead read)
    {
        ArgumentNullException.ThrowIfNull(read);
        return Checked.GetValue(read, CheckNow);
    }

    private static readonly ConditionalWeakTable<SettingsRead, IReadOnlyList<SettingProblem>> Checked = new();

    private static IReadOnlyList<SettingProblem> CheckNow(SettingsRead read)
    {
        var options = read.Options;
        var p = new List<SettingProblem>(read.Problems);
        CheckAll(SettingsSchema.Top, options, Root, p);
        CheckAll(SettingsSchema.Witness, options.Witness, $"{Root}:Witness", p);
        if (options.ArmCertificateThumbprint is { } thumbprint && SettingsSchema.IsThumbprint(thumbprint) && options.ArmEndpoint is null)
        {
            p.Add(new($"{Root}:ArmCertificateThumbprint", thumbprint, "only applies with NvaFailover:ArmEndpoint; set the endpoint too, or remove the thumbprint"));
        }

        if (options.Clusters.Count == 0 && !p.Exists(x => x.Key.StartsWith("FW", StringComparison.Ordinal) || x.Key == "SUBSCRIPTIONID"))
        {
            p.Add(new($"{Root}:Clusters", null, "define at least one cluster (Name, Nvas:0:VirtualMachineId, Nvas:1:VirtualMachineId, RouteTables:TagValue), or the ha-nva-fo names FW1NAME, FW2NAME, FWRGNAME, SUBSCRIPTIONID, FWUDRTAG"));
        }

        var owners = new Owners();
        for (var c = 0; c < options.Clusters.Count; c++)
        {
            CheckCluster(p, options.Clusters[c], $"{Root}:Clusters:{c}", owners);
            CheckLeaseRenewal(p, options, c);
        }

        return p;
    }

    /// <summary>With a witness, rounds renew each cluster's lease: they must come often enough that it never lapses between them.</summary>
    private static void CheckLeaseRenewal(List<SettingProblem> p, NvaFailoverOptions options, int c)
    {
        var interval = options.Clusters[c].Probe.Interval;
        var most = options.Witness.LeaseDuration / 3;
        if (options.Witness.ContainerUri is not null && (interval == TimeSpan.Zero || interval > most))
        {
            p.Add(new($"{Root}:Clusters:{c}:Probe:Interval", interval.ToString("c", CultureInfo.InvariantCulture),
                $"with a witness (NvaFailover:Witness:ContainerUri) each round renews the cluster's lease, so rounds must come at most a third of Witness:LeaseDuration apart: set Probe:Interval between 00:00:01 and {most.ToString("c", CultureInfo.InvariantCulture)}"));
        }
    }

    /// <summary>The one message start-up fails with.</summary>
    public static string Describe(IReadOnlyCollection<SettingProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var text = new StringBuilder();
        text.Append("NvaFailover settings are invalid (").Append(problems.Count).Append(problems.Count == 1 ? " problem" : " problems")
            .AppendLine("); nothing was read from or written to Azure. Fix these app settings (use __ for : in environment variables):");
        foreach (var problem in problems)
        {
            text.Append(" - ").AppendLine(Mask(problem).ToString());
        }

        return text.ToString().TrimEnd();
    }

    private static SettingProblem Mask(SettingProblem problem) =>
        problem.Value is not null && IsSecret(problem.Key) ? problem with { Value = "***" } : problem;

    private static bool IsSecret(string key) =>
        key.Contains("PASSWORD", StringComparison.OrdinalIgnoreCase) || key.Contains("Secret", StringComparison.OrdinalIgnoreCase);

    private static void CheckCluster(List<SettingProblem> p, ClusterOptions cluster, string key, Owners owners)
    {
        CheckAll(SettingsSchema.Cluster, cluster, key, p);
        if (!string.IsNullOrWhiteSpace(cluster.Name) && !owners.ClusterNames.Add(cluster.Name))
        {
            p.Add(new($"{key}:Name", cluster.Name, "another cluster already has this name; cluster names must be unique"));
        }

        if (cluster.Nvas.Count < 2)
        {
            p.Add(new($"{key}:Nvas", cluster.Nvas.Count.ToString(CultureInfo.InvariantCulture),
                "a cluster needs 2 or more NVAs in priority order (Nvas:0:VirtualMachineId, Nvas:1:VirtualMachineId, ...)"));
        }

        CheckNvas(p, cluster, key, owners);
        CheckProbe(p, cluster, key);
        CheckAll(SettingsSchema.RouteTables, cluster.RouteTables, $"{key}:RouteTables", p);
        if (string.IsNullOrWhiteSpace(cluster.RouteTables.TagValue))
        {
            p.Add(new($"{key}:RouteTables:TagValue", null, $"the tag value that marks this cluster's route tables is required (tag {cluster.RouteTables.TagName}=<value>, compared case-sensitively)"));
        }

        for (var i = 0; i < cluster.PublicIpAddressIds.Count; i++)
        {
            var pip = cluster.PublicIpAddressIds[i];
            if (ArmId.IsPublicIpAddress(pip) && !owners.PublicIps.TryAdd(pip, $"{key}:PublicIpAddressIds:{i}"))
            {
                p.Add(new($"{key}:PublicIpAddressIds:{i}", pip, $"already listed at {owners.PublicIps[pip]}; a public IP follows one cluster only"));
            }
        }
    }

    private static void CheckNvas(List<SettingProblem> p, ClusterOptions cluster, string key, Owners owners)
    {
        var vmNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var ipOwners = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var n = 0; n < cluster.Nvas.Count; n++)
        {
            var nva = cluster.Nvas[n];
            var nvaKey = $"{key}:Nvas:{n}";
            CheckAll(SettingsSchema.Nva, nva, nvaKey, p);
            if (ArmId.IsVirtualMachine(nva.VirtualMachineId) && !owners.Vms.TryAdd(nva.VirtualMachineId, nvaKey))
            {
                p.Add(new($"{nvaKey}:VirtualMachineId", nva.VirtualMachineId, $"this VM is already an NVA at {owners.Vms[nva.VirtualMachineId]}; a VM belongs to one cluster only, or two deciders would fight over it"));
            }
            else if (ArmId.IsVirtualMachine(nva.VirtualMachineId) && !vmNames.Add(nva.Name))
            {
                p.Add(new($"{nvaKey}:VirtualMachineId", nva.VirtualMachineId, "two NVAs of this cluster have the same VM name; NVAs are named by their VM in logs and in 'switchover --to', so their names must differ"));
            }

            for (var i = 0; i < nva.NextHopIps.Count; i++)
            {
                var ip = nva.NextHopIps[i];
                if (!IPAddress.TryParse(ip, out _))
                {
                    continue;
                }

                if (ipOwners.TryGetValue(ip, out var other) && other != n)
                {
                    p.Add(new($"{nvaKey}:NextHopIps:{i}", ip, $"also listed for Nvas:{other}; each next-hop IP belongs to one NVA"));
                }
                else
                {
                    ipOwners[ip] = n;
                }
            }
        }

        var withIps = cluster.Nvas.Count(n => n.NextHopIps.Count > 0);
        if (withIps > 0 && withIps < cluster.Nvas.Count)
        {
            var missing = cluster.Nvas.Select((n, i) => (n, i)).First(x => x.n.NextHopIps.Count == 0).i;
            p.Add(new($"{key}:Nvas:{missing}:NextHopIps", null, "give NextHopIps for every NVA of the cluster or for none (then slots come from the VMs' NICs)"));
        }
    }

    private static void CheckProbe(List<SettingProblem> p, ClusterOptions cluster, string key)
    {
        var probe = cluster.Probe;
        var probeKey = $"{key}:Probe";
        CheckAll(SettingsSchema.Probe, probe, probeKey, p);
        for (var n = 0; n < cluster.Nvas.Count; n++)
        {
            if (cluster.Nvas[n].ProbeCertificateThumbprint is { } pin && SettingsSchema.IsThumbprint(pin) && cluster.Nvas[n].ProbeEndpoint?.Url?.Scheme != Uri.UriSchemeHttps)
            {
                p.Add(new($"{key}:Nvas:{n}:ProbeCertificateThumbprint", pin,
                    $"pins the certificate of an https ProbeEndpoint, and {key}:Nvas:{n}:ProbeEndpoint is {(cluster.Nvas[n].ProbeEndpoint is { } e ? $"'{e}'" : "not set")}; set an https:// ProbeEndpoint or remove the thumbprint"));
            }
        }

        CheckForwarding(p, cluster, key);
        if (probe.Kind is ProbeKind.VmPowerState or ProbeKind.Forwarding)
        {
            return;
        }

        for (var n = 0; n < cluster.Nvas.Count; n++)
        {
            var endpoint = cluster.Nvas[n].ProbeEndpoint;
            var endpointKey = $"{key}:Nvas:{n}:ProbeEndpoint";
            var wrongKind = (probe.Kind, endpoint) switch
            {
                (ProbeKind.Tcp, { IsHttp: true }) => "Probe:Kind is Tcp, so the endpoint must be host:port, for example 10.0.1.4:443",
                (ProbeKind.Http, { IsHttp: false }) => "Probe:Kind is Http, so the endpoint must be an http:// or https:// URL",
                _ => null,
            };
            if (wrongKind is not null)
            {
                p.Add(new(endpointKey, endpoint!.ToString(), wrongKind));
            }
            else if (endpoint is null && probe.Port is null)
            {
                p.Add(new(endpointKey, null,
                    $"Probe:Kind is {probe.Kind}, so each NVA needs a ProbeEndpoint, or set {probeKey}:Port to probe every NVA's first private IP on that port"));
            }
        }
    }

    /// <summary>
    /// ForwardingProbeEndpoint: required on every NVA with Forwarding, on every NVA or none with All, never set where
    /// nothing probes it, and one per NVA (a shared address cannot tell which appliance forwards).
    /// </summary>
    private static void CheckForwarding(List<SettingProblem> p, ClusterOptions cluster, string key)
    {
        var kind = cluster.Probe.Kind;
        var given = cluster.Nvas.Count(n => n.ForwardingProbeEndpoint is not null);
        var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var n = 0; n < cluster.Nvas.Count; n++)
        {
            var endpoint = cluster.Nvas[n].ForwardingProbeEndpoint;
            var endpointKey = $"{key}:Nvas:{n}:ForwardingProbeEndpoint";
            if (endpoint is null)
            {
                if (kind == ProbeKind.Forwarding || (kind == ProbeKind.All && given > 0))
                {
                    p.Add(new(endpointKey, null, kind == ProbeKind.Forwarding
                        ? "Probe:Kind is Forwarding, so each NVA needs a ForwardingProbeEndpoint: host:port or an http(s):// URL of an address that the host subnet's route table sends through this NVA only (see docs/forwarding-probe.md)"
                        : "another NVA of the cluster has a ForwardingProbeEndpoint; give one to every NVA or to none, so every NVA is held to the same proof"));
                }
            }
            else if (kind is not (ProbeKind.Forwarding or ProbeKind.All))
            {
                p.Add(new(endpointKey, endpoint.ToString(), $"is never probed while {key}:Probe:Kind is {kind}; set Probe:Kind to Forwarding (or All), or remove it"));
            }
            else if (seen.TryGetValue(endpoint.ToString(), out var other))
            {
                p.Add(new(endpointKey, endpoint.ToString(), $"is also {key}:Nvas:{other}:ForwardingProbeEndpoint; each NVA needs its own address (its own /32 route through it), or one answer could not tell which NVA forwards"));
            }
            else
            {
                seen[endpoint.ToString()] = n;
            }
        }
    }

    private static void CheckAll<TOwner>(IEnumerable<ISetting<TOwner>> settings, TOwner owner, string path, List<SettingProblem> p)
    {
        foreach (var setting in settings)
        {
            setting.Check(owner, path, p);
        }
    }

    /// <summary>What must be unique across clusters: names, VMs, public IPs (with the key that has each).</summary>
    private sealed class Owners
    {
        public HashSet<string> ClusterNames { get; } = new(StringComparer.OrdinalIgnoreCase);
        public Dictionary<string, string> Vms { get; } = new(ArmId.Comparer);
        public Dictionary<string, string> PublicIps { get; } = new(ArmId.Comparer);
    }
}
