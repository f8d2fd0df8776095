namespace NvaFailover.Resources;

/// <summary>
/// Parsing of ARM resource ids, enough for what the core needs: the subscription, the resource group,
/// the resource type and the name. Ids are compared case-insensitively, as ARM does.
/// </summary>
public static class ArmId
{
    /// <summary>The comparer for resource ids.</summary>
    public static StringComparer Comparer => StringComparer.OrdinalIgnoreCase;

    /// <summary>The last segment of an id: the resource's name.</summary>
    public static string Name(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var trimmed = id.TrimEnd('/');
        var slash = trimmed.LastIndexOf('/');
        return slash < 0 ? trimmed : trimmed[(slash + 1)..];
    }

    /// <summary>The subscription id of a resource id, or null.</summary>
    public static string? SubscriptionId(string id) => Segment(id, "subscriptions");

    /// <summary>The resource group of a resource id, or null.</summary>
    public static string? ResourceGroup(string id) => Segment(id, "resourceGroups");

    /// <summary>
    /// True when <paramref name="id"/> is <c>/subscriptions/{guid}/resourceGroups/{rg}/providers/{ns}/{type}/{name}</c>
    /// for the given provider namespace and type (compared case-insensitively).
    /// </summary>
    public static bool IsResourceOfType(string? id, string providerNamespace, string type)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return false;
        }

        var parts = id.Split('/');
        return parts.Length == 9
            && parts[0].Length == 0
            && parts[1].Equals("subscriptions", StringComparison.OrdinalIgnoreCase)
            && Guid.TryParse(parts[2], out _)
            && parts[3].Equals("resourceGroups", StringComparison.OrdinalIgnoreCase)
            && parts[4].Length > 0
            && parts[5].Equals("providers", StringComparison.OrdinalIgnoreCase)
            && parts[6].Equals(providerNamespace, StringComparison.OrdinalIgnoreCase)
            && parts[7].Equals(type, StringComparison.OrdinalIgnoreCase)
            && parts[8].Length > 0
            && !parts[8].Any(char.IsWhiteSpace);
    }

    /// <summary>True for a virtual machine id.</summary>
    public static bool IsVirtualMachine(string? id) => IsResourceOfType(id, "Microsoft.Compute", "virtualMachines");

    /// <summary>True for a subnet id: <c>.../providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{subnet}</c>.</summary>
    public static bool IsSubnet(string? id)
    {
        var parts = id?.Split('/') ?? [];
        return parts.Length == 11
            && IsResourceOfType(string.Join('/', parts.Take(9)), "Microsoft.Network", "virtualNetworks")
            && parts[9].Equals("subnets", StringComparison.OrdinalIgnoreCase)
            && parts[10].Length > 0 && !parts[10].Any(char.IsWhiteSpace);
    }

    /// <summary>True for a public IP address id.</summary>
    public static bool IsPublicIpAddress(string? id) => IsResourceOfType(id, "Microsoft.Network", "publicIPAddresses");

    /// <summary>
    /// Splits an ipconfig id (<c>.../networkInterfaces/{nic}/ipConfigurations/{name}</c>) into the NIC id and
    /// the ipconfig name. False when the id is not a NIC ipconfig (a load balancer frontend, for example).
    /// </summary>
    public static bool TrySplitIpConfigurationId(string? id, out string networkInterfaceId, out string ipConfigurationName)
    {
        networkInterfaceId = "";
        ipConfigurationName = "";
        if (string.IsNullOrEmpty(id))
        {
            return false;
        }

        const string Marker = "/ipConfigurations/";
        var at = id.LastIndexOf(Marker, StringComparison.OrdinalIgnoreCase);
        if (at < 0 || id.IndexOf("/providers/Microsoft.Network/networkInterfaces/", StringComparison.OrdinalIgnoreCase) < 0)
        {
            return false;
        }

        networkInterfaceId = id[..at];
        ipConfigurationName = id[(at + Marker.Length)..];
        return ipConfigurationName.Length > 0 && !ipConfigurationName.Contains('/', StringComparison.Ordinal);
    }

    /// <summary>The id of an ipconfig of a NIC.</summary>
    public static string IpConfigurationId(string networkInterfaceId, string ipConfigurationName) =>
        $"{networkInterfaceId}/ipConfigurations/{ipConfigurationName}";

    private static string? Segment(string id, string key)
    {
        var parts = id.Split('/');
        for (var i = 0; i + 1 < parts.Length; i++)
        {
            if (parts[i].Equals(key, StringComparison.OrdinalIgnoreCase))
            {
                return parts[i + 1];
            }
        }

        return null;
    }
}
