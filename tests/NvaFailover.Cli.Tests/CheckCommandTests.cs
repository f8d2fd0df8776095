using NvaFailover.Emulator;
using static NvaFailover.Cli.Tests.CliHarness;

namespace NvaFailover.Cli.Tests;

/// <summary><c>nvafo check</c>.</summary>
public sealed class CheckCommandTests
{
    [Fact]
    public async Task Check_HealthyDeployment_Exit0WithFindingsPerLine()
    {
        await using var h = await StartAsync();

        var result = await h.NvafoAsync("check");

        Assert.True(result.Code == 0, result.ToString());
        Assert.Contains("placeholder token for the local endpoint", result.Out, StringComparison.Ordinal);
        Assert.Contains("WARN  /subscriptions/aaaaaaaa-1111-1111-1111-000000000002/resourceGroups/rg-spoke2/providers/Microsoft.Network/routeTables/rt-spoke2: tag nva_ha_udr='FW'", result.Out, StringComparison.Ordinal);
        Assert.Contains("check passed", result.Out, StringComparison.Ordinal);

        // Reads only: the one POST is Azure's read of a NIC's effective routes.
        Assert.All(h.Emulator.Requests.Where(r => r.Method != "GET"), r => Assert.Equal("POST effectiveRouteTable", r.Operation));
    }

    [Fact]
    public async Task Check_MissingPermission_Exit1NamingScopeAndAction()
    {
        var granted = Azure.RequiredActions.All.Where(a => a != "Microsoft.Network/publicIPAddresses/join/action").ToList();
        await using var h = await StartAsync(new EmulatorOptions { GrantedActions = granted });

        var result = await h.NvafoAsync("check");

        Assert.Equal(1, result.Code);
        Assert.Contains($"ERROR /subscriptions/{Sub}/resourceGroups/rg-fw: the identity lacks Microsoft.Network/publicIPAddresses/join/action", result.Out, StringComparison.Ordinal);
        Assert.Contains("check failed", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_VmMissing_Exit1()
    {
        await using var h = await StartAsync(edit: s => s["Clusters"]![0]!["Nvas"]![1]!["VirtualMachineId"] = Vm("fw-gone"));

        var result = await h.NvafoAsync("check");

        Assert.Equal(1, result.Code);
        Assert.Contains($"ERROR {Vm("fw-gone")}: NVA VM not found", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_HostSubnetRoutesArmThroughTheActiveNva_Exit1WithTheErrorNamingSubnetRouteAndNva()
    {
        var subnet = $"/subscriptions/{Sub}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/functions";
        await using var h = await StartAsync(edit: s => s["HostSubnetId"] = subnet);

        var result = await h.NvafoAsync("check");

        Assert.Equal(1, result.Code);
        var errors = result.Out.Split('\n').Where(l => l.StartsWith($"ERROR {subnet}", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, errors.Count); // Resource Manager, Entra ID, Storage, Azure Monitor: all by that default route
        Assert.All(errors, error => Assert.Contains("'default' (0.0.0.0/0 -> 10.10.0.4, NVA fw-a)", error, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Check_MicrosoftAppNotRegistered_Exit1WithTheCommandThatRegistersIt()
    {
        var subnet = $"/subscriptions/{Sub}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/functions";
        await using var h = await StartAsync(new EmulatorOptions { UnregisteredProviders = ["Microsoft.App"] }, edit: s => s["HostSubnetId"] = subnet);

        var result = await h.NvafoAsync("check");

        Assert.Equal(1, result.Code);
        Assert.Contains($"ERROR /subscriptions/{Sub}: the resource provider Microsoft.App is NotRegistered", result.Out, StringComparison.Ordinal);
        Assert.Contains("az provider register --namespace Microsoft.App", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WrongCertificateThumbprint_OneErrorNamingBothCertificates()
    {
        await using var h = await StartAsync(edit: s => s["ArmCertificateThumbprint"] = new string('A', 40));

        var result = await h.NvafoAsync("check");

        Assert.Equal(1, result.Code);
        var error = Assert.Single(result.Out.Split('\n'), l => l.StartsWith("ERROR", StringComparison.Ordinal));
        Assert.Contains(h.Emulator.Certificate.GetCertHashString(), error, StringComparison.Ordinal);
        Assert.Contains(new string('A', 40), error, StringComparison.Ordinal);
        Assert.Contains("cannot be reached, so nothing else was checked", result.Out, StringComparison.Ordinal);
    }
}
