using NvaFailover.Resources;

namespace NvaFailover.Tests.Resources;

public sealed class ArmIdTests
{
    private const string Vm = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-nva/providers/Microsoft.Compute/virtualMachines/edge-a";
    private const string Nic = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-nva/providers/Microsoft.Network/networkInterfaces/edge-a-nic";

    [Fact]
    public void Parts_OfAResourceId() =>
        Assert.Equal(("edge-a", "11111111-1111-1111-1111-111111111111", "rg-nva"), (ArmId.Name(Vm), ArmId.SubscriptionId(Vm), ArmId.ResourceGroup(Vm)));

    [Fact]
    public void Parts_CaseOfSegmentNamesDoesNotMatter() =>
        Assert.Equal("rg-nva", ArmId.ResourceGroup(Vm.Replace("resourceGroups", "RESOURCEGROUPS", StringComparison.Ordinal)));

    [Theory]
    [InlineData(Vm, true)]
    [InlineData("/subscriptions/11111111-1111-1111-1111-111111111111/resourcegroups/rg/providers/microsoft.compute/virtualmachines/x", true)]
    [InlineData("/subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/x", false)]
    [InlineData("/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/", false)]
    [InlineData("/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/x", false)]
    [InlineData("edge-a", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsVirtualMachine(string? id, bool expected) => Assert.Equal(expected, ArmId.IsVirtualMachine(id));

    [Theory]
    [InlineData("/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s", true)]
    [InlineData("/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v", false)]
    [InlineData("/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/", false)]
    public void IsSubnet(string id, bool expected) => Assert.Equal(expected, ArmId.IsSubnet(id));

    [Fact]
    public void IpConfigurationId_RoundTrips()
    {
        var id = ArmId.IpConfigurationId(Nic, "ipconfig1");

        Assert.True(ArmId.TrySplitIpConfigurationId(id, out var nic, out var name));
        Assert.Equal((Nic, "ipconfig1"), (nic, name));
        Assert.False(ArmId.TrySplitIpConfigurationId(Nic, out _, out _));
    }

    [Fact]
    public void Comparer_IgnoresCase() => Assert.True(ArmId.Comparer.Equals(Vm, Vm.ToUpperInvariant()));
}
