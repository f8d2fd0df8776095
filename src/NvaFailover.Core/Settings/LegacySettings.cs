using Microsoft.Extensions.Configuration;

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
    public static void Read(IConfiguration c, NvaFailoverOptions options, ValueReader r)
    {
        const string Prefix = "NvaFailover:Clusters:0:";
        var subscription = Required(c, "SUBSCRIPTIONID", options, "the subscription id of the firewall VMs");
        var group = Required(c, "FWRGNAME", options, "the resource group of the firewall VMs");
        var cluster = new ClusterOptions { Name = ClusterName };

        for (var n = 1; n <= 2; n++)
        {
            var vm = Required(c, $"FW{n}NAME", options, $"the name of firewall VM {n}");
            var nva = new NvaOptions
            {
                VirtualMachineId = vm is null || subscription is null || group is null
                    ? ""
                    : $"/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Compute/virtualMachines/{vm}",
            };
            var fqdn = ValueReader.String(c, $"FW{n}FQDN");
            var port = ValueReader.String(c, $"FW{n}PORT");
            if (fqdn is not null || port is not null)
            {
                nva.ProbeEndpoint = $"{fqdn ?? ""}:{port ?? ""}";
            }

            cluster.Nvas.Add(nva);
            Warn(c, options, $"FW{n}NAME", $"{Prefix}Nvas:{n - 1}:VirtualMachineId (the full VM id)");
            Warn(c, options, $"FW{n}FQDN", $"{Prefix}Nvas:{n - 1}:ProbeEndpoint as host:port");
            Warn(c, options, $"FW{n}PORT", $"{Prefix}Nvas:{n - 1}:ProbeEndpoint as host:port");
        }

        Warn(c, options, "SUBSCRIPTIONID", $"the subscription inside each VirtualMachineId and {Prefix}RouteTables:SubscriptionIds");
        Warn(c, options, "FWRGNAME", "the resource group inside each VirtualMachineId");
        if (subscription is not null)
        {
            cluster.RouteTables.SubscriptionIds.Add(subscription);
        }

        cluster.RouteTables.TagValue = Required(c, "FWUDRTAG", options, "the nva_ha_udr tag value of the managed route tables") ?? "";
        Warn(c, options, "FWUDRTAG", $"{Prefix}RouteTables:TagValue");

        cluster.Probe.Attempts = r.Int(c["FWTRIES"], "FWTRIES", cluster.Probe.Attempts);
        Warn(c, options, "FWTRIES", $"{Prefix}Probe:Attempts");

        var delay = r.Int(c["FWDELAY"], "FWDELAY", -1);
        if (delay >= 0)
        {
            cluster.Probe.Delay = TimeSpan.FromSeconds(delay);
        }

        Warn(c, options, "FWDELAY", $"{Prefix}Probe:Delay as hh:mm:ss");

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
                    options.ReadProblems.Add(new SettingProblem("FWMONITOR", monitor, "must be VMStatus or TCPPort (or use NvaFailover:Clusters:0:Probe:Kind)"));
                    break;
            }
        }

        Warn(c, options, "FWMONITOR", $"{Prefix}Probe:Kind (VMStatus is VmPowerState, TCPPort is Tcp)");
        options.Clusters.Add(cluster);
    }

    /// <summary>Names honoured (or explicitly ignored) whether or not the cluster comes from legacy names.</summary>
    public static void ReadAlwaysHonoured(IConfiguration c, NvaFailoverOptions options)
    {
        var cloud = c["AZURECLOUD"];
        if (!string.IsNullOrWhiteSpace(cloud))
        {
            if (c[$"{NvaFailoverOptions.SectionName}:Cloud"] is null)
            {
                options.Cloud = new ValueReader(options.ReadProblems).Enum(cloud, "AZURECLOUD", options.Cloud);
            }

            Warn(c, options, "AZURECLOUD", "NvaFailover:Cloud");
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
                    options.ReadProblems.Add(new SettingProblem(name, null, "SP_USERNAME, SP_PASSWORD and TENANTID go together; set all three or, better, none and use a managed identity"));
                }
            }

            if (!string.IsNullOrWhiteSpace(user) && !string.IsNullOrWhiteSpace(password) && !string.IsNullOrWhiteSpace(tenant))
            {
                options.LegacyServicePrincipal = new ServicePrincipalOptions(tenant.Trim(), user.Trim(), password);
            }

            options.Warnings.Add(new SettingWarning("SP_USERNAME/SP_PASSWORD/TENANTID",
                "a service principal secret is in use; assign a managed identity to the app (NvaFailover:ManagedIdentityClientId for a user-assigned one) and remove these settings."));
        }

        foreach (var name in MailNames.Where(n => c[n] is not null))
        {
            options.Warnings.Add(new SettingWarning(name,
                "ignored: NvaFailover sends no mail; failover and health alerts are Azure Monitor alert rules with an action group (see infra/)."));
        }
    }

    private static string? Required(IConfiguration c, string name, NvaFailoverOptions options, string what)
    {
        var value = c[name];
        if (!string.IsNullOrWhiteSpace(value))
        {
            return value.Trim();
        }

        options.ReadProblems.Add(new SettingProblem(name, null,
            $"{what} is required when the cluster comes from ha-nva-fo legacy settings (or define {NvaFailoverOptions.SectionName}:Clusters instead)"));
        return null;
    }

    private static void Warn(IConfiguration c, NvaFailoverOptions options, string name, string replacement)
    {
        if (c[name] is not null)
        {
            options.Warnings.Add(new SettingWarning(name, $"legacy ha-nva-fo setting; use {replacement} instead."));
        }
    }
}
