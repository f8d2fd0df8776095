using Microsoft.Extensions.Configuration;
using NvaFailover.Probing;

namespace NvaFailover.Settings;

/// <summary>
/// The flat app settings of Azure/ha-nva-fo (and the Meraki vMX guide built on it), mapped to one cluster
/// named <c>default</c>. Every legacy name used produces a warning naming its replacement.
/// </summary>
internal static class LegacySettings
{
    public const string ClusterName = "default";

    private static readonly string[] ClusterNames =
        ["FW1NAME", "FW2NAME", "FWRGNAME", "SUBSCRIPTIONID", "FWUDRTAG", "FWTRIES", "FWDELAY", "FWMONITOR", "FW1FQDN", "FW1PORT", "FW2FQDN", "FW2PORT"];

    private static readonly string[] MailNames = ["FWMAILDOMAINMX", "FWMAILFROM", "FWMAILTO"];
    private static readonly string[] ServicePrincipalNames = ["SP_USERNAME", "SP_PASSWORD", "TENANTID"];

    public static IEnumerable<string> Names => [.. ClusterNames, "AZURECLOUD", .. ServicePrincipalNames, .. MailNames];

    public static bool DefinesCluster(string name) => ClusterNames.Contains(name, StringComparer.Ordinal);

    /// <summary>Builds the <c>default</c> cluster from the flat names.</summary>
    public static ClusterOptions ReadCluster(IConfiguration c, ValueReader r, List<SettingWarning> warnings)
    {
        const string Prefix = "NvaFailover:Clusters:0:";
        var subscription = Required(c, "SUBSCRIPTIONID", r, "the subscription id of the firewall VMs");
        var group = Required(c, "FWRGNAME", r, "the resource group of the firewall VMs");
        var cluster = new ClusterOptions { Name = ClusterName };
        var ports = new List<int?>();

        for (var n = 1; n <= 2; n++)
        {
            var vm = Required(c, $"FW{n}NAME", r, $"the name of firewall VM {n}");
            var nva = new NvaOptions
            {
                VirtualMachineId = vm is null || subscription is null || group is null
                    ? ""
                    : $"/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Compute/virtualMachines/{vm}",
            };
            var fqdn = ValueReader.String(c, $"FW{n}FQDN");
            var port = ValueReader.String(c, $"FW{n}PORT");
            if (fqdn is not null)
            {
                nva.ProbeEndpoint = r.Read($"{fqdn}:{port ?? ""}", $"FW{n}FQDN/FW{n}PORT", ValueKinds.Endpoint, null);
            }
            else
            {
                // A port without an address: the way ha-nva-fo's TCPPort probe is used, on the NVA's own IP.
                ports.Add(r.Read(port, $"FW{n}PORT", ValueKinds.OptionalInt, null));
            }

            cluster.Nvas.Add(nva);
            Warn(c, warnings, $"FW{n}NAME", $"{Prefix}Nvas:{n - 1}:VirtualMachineId (the full VM id)");
            Warn(c, warnings, $"FW{n}FQDN", $"{Prefix}Nvas:{n - 1}:ProbeEndpoint as host:port");
            Warn(c, warnings, $"FW{n}PORT", fqdn is null ? $"{Prefix}Probe:Port" : $"{Prefix}Nvas:{n - 1}:ProbeEndpoint as host:port");
        }

        if (ports.Distinct().ToList() is [{ } sharedPort])
        {
            cluster.Probe.Port = sharedPort;
        }
        else if (ports.Any(p => p is not null))
        {
            r.Add(new SettingProblem("FW1PORT/FW2PORT", string.Join("/", ports), "without FW1FQDN/FW2FQDN both NVAs are probed on their own IP, on one port: give both the same port, or give each an FQDN"));
        }

        Warn(c, warnings, "SUBSCRIPTIONID", $"the subscription inside each VirtualMachineId and {Prefix}RouteTables:SubscriptionIds");
        Warn(c, warnings, "FWRGNAME", "the resource group inside each VirtualMachineId");
        if (subscription is not null)
        {
            cluster.RouteTables.SubscriptionIds.Add(subscription);
        }

        cluster.RouteTables.TagValue = Required(c, "FWUDRTAG", r, "the nva_ha_udr tag value of the managed route tables") ?? "";
        Warn(c, warnings, "FWUDRTAG", $"{Prefix}RouteTables:TagValue");

        cluster.Probe.Attempts = r.Read(c["FWTRIES"], "FWTRIES", ValueKinds.Int, cluster.Probe.Attempts);
        Warn(c, warnings, "FWTRIES", $"{Prefix}Probe:Attempts");

        if (r.Read(c["FWDELAY"], "FWDELAY", ValueKinds.OptionalInt, null) is { } delay and >= 0)
        {
            cluster.Probe.Delay = TimeSpan.FromSeconds(delay);
        }

        Warn(c, warnings, "FWDELAY", $"{Prefix}Probe:Delay as hh:mm:ss");

        var monitor = c["FWMONITOR"];
        if (!string.IsNullOrWhiteSpace(monitor))
        {
            switch (monitor.Trim().ToUpperInvariant())
            {
                case "VMSTATUS":
                    cluster.Probe.Kind = ProbeKind.VmPowerState;
                    break;
                case "TCPPORT":
                    cluster.Probe.Kind = ProbeKind.Tcp;
                    break;
                default:
                    r.Add(new SettingProblem("FWMONITOR", monitor, "must be VMStatus or TCPPort (or use NvaFailover:Clusters:0:Probe:Kind)"));
                    break;
            }
        }

        Warn(c, warnings, "FWMONITOR", $"{Prefix}Probe:Kind (VMStatus is VmPowerState, TCPPort is Tcp)");
        return cluster;
    }

    /// <summary>Names honoured (or explicitly ignored) whether or not the cluster comes from legacy names.</summary>
    public static void ReadAlwaysHonoured(IConfiguration c, NvaFailoverOptions options, ValueReader r, List<SettingWarning> warnings)
    {
        var cloud = c["AZURECLOUD"];
        if (!string.IsNullOrWhiteSpace(cloud))
        {
            if (c[$"{NvaFailoverOptions.SectionName}:Cloud"] is null)
            {
                options.Cloud = r.Read(cloud, "AZURECLOUD", ValueKinds.Enum<AzureCloudName>(), options.Cloud);
            }

            Warn(c, warnings, "AZURECLOUD", "NvaFailover:Cloud");
        }

        var user = c["SP_USERNAME"];
        var password = c["SP_PASSWORD"];
        var tenant = c["TENANTID"];
        if (user is not null || password is not null || tenant is not null)
        {
            foreach (var (name, value) in new[] { ("SP_USERNAME", user), ("SP_PASSWORD", password), ("TENANTID", tenant) })
            {
                if (string.IsNullOrWhiteSpace(value))
                {
                    r.Add(new SettingProblem(name, null, "SP_USERNAME, SP_PASSWORD and TENANTID go together; set all three or, better, none and use a managed identity"));
                }
            }

            if (!string.IsNullOrWhiteSpace(user) && !string.IsNullOrWhiteSpace(password) && !string.IsNullOrWhiteSpace(tenant))
            {
                options.LegacyServicePrincipal = new ServicePrincipalOptions(tenant.Trim(), user.Trim(), password);
            }

            warnings.Add(new SettingWarning("SP_USERNAME/SP_PASSWORD/TENANTID",
                "a service principal secret is in use; assign a managed identity to the app (NvaFailover:ManagedIdentityClientId for a user-assigned one) and remove these settings."));
        }

        foreach (var name in MailNames.Where(n => c[n] is not null))
        {
            warnings.Add(new SettingWarning(name,
                "ignored: NvaFailover sends no mail; failover and health alerts are Azure Monitor alert rules with an action group (see infra/)."));
        }
    }

    private static string? Required(IConfiguration c, string name, ValueReader r, string what)
    {
        var value = c[name];
        if (!string.IsNullOrWhiteSpace(value))
        {
            return value.Trim();
        }

        r.Add(new SettingProblem(name, null,
            $"{what} is required when the cluster comes from ha-nva-fo legacy settings (or define {NvaFailoverOptions.SectionName}:Clusters instead)"));
        return null;
    }

    private static void Warn(IConfiguration c, List<SettingWarning> warnings, string name, string replacement)
    {
        if (c[name] is not null)
        {
            warnings.Add(new SettingWarning(name, $"legacy ha-nva-fo setting; use {replacement} instead."));
        }
    }
}
