using NvaFailover.Emulator.Scenarios;
namespace NvaFailover.Emulator.Tests;

public sealed class ScenarioTests
{
    private const string Vm = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-a";

    private static ScenarioException Invalid(string json) => Assert.Throws<ScenarioException>(() => Scenario.Parse(json, "my-scenario.json"));

    [Fact]
    public void Parse_Fixture_ReadsTopologyTimelineAndDefaults()
    {
        var scenario = Scenario.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "topology.json"));

        Assert.Equal("fixture-edge", scenario.Name);
        Assert.Equal(TimeSpan.FromMinutes(5), scenario.Duration);
        Assert.Equal(TimeSpan.FromSeconds(5), scenario.Arm.RouteTableWriteLatency);
        Assert.Empty(scenario.Timeline);
    }

    [Fact]
    public void Parse_SampleEdgePair_IsValid()
    {
        var scenario = Scenario.Load(Repository.File("samples", "edge-pair.json"));

        Assert.Equal(["powerOff", "start", "switchover"], scenario.Timeline.Select(e => e.Do));
        Assert.Equal(TimeSpan.FromSeconds(15), scenario.Arm.NetworkInterfaceWriteLatency);
        Assert.Equal(1000, scenario.Arm.WritesPerFiveMinutes);
    }

    [Fact]
    public void Parse_DuplicateKey_IsAProblemAtItsPath_NotACrash()
    {
        var ex = Assert.Throws<ScenarioException>(() => Scenario.Parse("""{"name":"x","name":"y","topology":{}}""", "my-scenario.json"));

        Assert.Contains("my-scenario.json", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", ex.Message, StringComparison.Ordinal);
        Assert.Contains("name", Assert.Single(ex.Problems).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ValueWithANewlineOrHuge_IsEchoedEscapedAndCut()
    {
        var huge = new string('a', 5000);
        var json = "{\"name\":\"x\",\"topology\":{},\"timeline\":[{\"at\":\"00:01:00\",\"do\":\"powerOff\",\"vm\":\"evil\\nERROR forged line\"},"
            + "{\"at\":\"00:01:00\",\"do\":\"powerOff\",\"vm\":\"" + huge + "\"}]}";

        var ex = Assert.Throws<ScenarioException>(() => Scenario.Parse(json, "s.json"));

        Assert.DoesNotContain("\nERROR forged line", ex.Message, StringComparison.Ordinal);
        Assert.Contains("evil\\nERROR forged line", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(huge, ex.Message, StringComparison.Ordinal);
        Assert.Contains("characters in all", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile_NamesTheFile()
    {
        var ex = Assert.Throws<ScenarioException>(() => Scenario.Load("/no/such/scenario.json"));

        Assert.Contains("/no/such/scenario.json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_InvalidJson_NamesFileAndPosition()
    {
        var ex = Invalid("{ \"name\": \"x\", \"topology\": { ");

        Assert.Contains("my-scenario.json", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"topology":{}}""", "$.name", "is required")]
    [InlineData("""{"name":"x"}""", "$.topology", "is required")]
    [InlineData("""{"name":"x","topology":{"virtualMachines":[{"id":"vm-a"}]}}""", "$.topology.virtualMachines[0].id", "is not a virtualMachines id")]
    [InlineData("""{"name":"x","topology":{"virtualMachines":[{"id":"VM","powerState":"sleeping"}]}}""", "$.topology.virtualMachines[0].powerState", "is not one of")]
    [InlineData("""{"name":"x","topology":{"virtualMachines":[{"id":"VM","networkInterfaces":[{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/n","ipConfigurations":[{"name":"c","privateIPAddress":"10.0.0.999"}]}]}]}}""", "$.topology.virtualMachines[0].networkInterfaces[0].ipConfigurations[0].privateIPAddress", "is not an IP address")]
    [InlineData("""{"name":"x","topology":{"routeTables":[{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/routeTables/t","routes":[{"name":"r","addressPrefix":"0.0.0.0/0","nextHopType":"VnetLocal","nextHopIpAddress":"10.0.0.4"}]}]}}""", "$.topology.routeTables[0].routes[0].nextHopIpAddress", "allowed with no other type")]
    [InlineData("""{"name":"x","topology":{},"duration":"5"}""", "$.duration", "hh:mm:ss")]
    [InlineData("""{"name":"x","topology":{},"timelime":[]}""", "$.timelime", "is not a key here (did you mean 'timeline'?)")]
    [InlineData("""{"name":"x","topology":{"virtualMachines":[{"id":"VM"}]},"timeline":[{"at":"00:01:00","do":"powerOff","vm":"VM","vmm":"VM"}]}""", "$.timeline[0].vmm", "is not a key here (did you mean 'vm'?)")]
    [InlineData("""{"name":"x","topology":{"networkInterfaces":[]}}""", "$.topology.networkInterfaces", "is not a key here")]
    [InlineData("""{"name":"x","topology":{},"arm":{"latency":{"reads":"00:00:01"}}}""", "$.arm.latency.reads", "did you mean 'read'?")]
    [InlineData("""{"name":"x","topology":{"routeTables":[{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/routeTables/rt","routes":[{"name":"default","addressPrefix":"0.0.0.0/0","nextHopType":"Internet"}]}]},"timeline":[{"at":"00:01:00","do":"editRoute","routeTable":"rt","route":"nope","nextHopIpAddress":"10.0.0.4"}]}""", "$.timeline[0].route", "'nope' is not a route of rt (its routes: default)")]
    [InlineData("""{"name":"x","topology":{"virtualMachines":[{"id":"VM"}]},"timeline":[{"at":"00:01:00","do":"explode"}]}""", "$.timeline[0].do", "is not one of")]
    [InlineData("""{"name":"x","topology":{"virtualMachines":[{"id":"VM"}]},"timeline":[{"at":"00:01:00","do":"powerOff","vm":"vm-z"}]}""", "$.timeline[0].vm", "'vm-z' is not the name")]
    [InlineData("""{"name":"x","topology":{},"timeline":[{"do":"switchover","cluster":"c","to":"a"}]}""", "$.timeline[0].at", "is required")]
    [InlineData("""{"name":"x","topology":{},"timeline":[{"at":"00:01:00","do":"armFaults","status":418,"probability":0.5,"for":"00:01:00"}]}""", "$.timeline[0].status", "429, 500, 503, 409")]
    [InlineData("""{"name":"x","topology":{},"timeline":[{"at":"00:01:00","do":"armFaults","status":429,"probability":2,"for":"00:01:00"}]}""", "$.timeline[0].probability", "from 0 to 1")]
    [InlineData("""{"name":"x","topology":{},"duration":"00:01:00","timeline":[{"at":"00:02:00","do":"switchover","cluster":"c","to":"a"}]}""", "$.timeline[0].at", "after the scenario's duration")]
    [InlineData("""{"name":"x","topology":{},"arm":{"writesPerFiveMinutes":-3}}""", "$.arm.writesPerFiveMinutes", "whole number")]
    [InlineData("""{"name":"x","topology":{"virtualMachines":[{"id":"VM","networkInterfaces":[]}]}}""", "$.topology.virtualMachines[0].networkInterfaces", "at least one")]
    [InlineData("""{"name":"x","topology":{"virtualMachines":[{"id":"VM","networkInterfaces":[{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/n","ipConfigurations":[{"name":"c","privateIPAddress":"10.0.0.4"}]}]}]}}""", "$.topology.virtualMachines[0].networkInterfaces[0].ipConfigurations[0].subnetId", "is required")]
    [InlineData("""{"name":"x","topology":{"virtualNetworks":[{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v","dnsServers":["dns.local"]}]}}""", "$.topology.virtualNetworks[0].dnsServers[0]", "is not an IP address")]
    [InlineData("""{"name":"x","topology":{"virtualNetworks":[{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/routeTables/v"}]}}""", "$.topology.virtualNetworks[0].id", "is not a virtual network id")]
    [InlineData("""{"name":"x","topology":{"virtualMachines":[{"id":"VM","networkInterfaces":[{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/n","ipConfigurations":[{"name":"c","privateIPAddress":"10.0.0.4","subnetId":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s"},{"name":"d","privateIPAddress":"10.0.0.4","subnetId":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s"}]}]}]}}""", "$.topology.virtualMachines[0].networkInterfaces[0].ipConfigurations[1].privateIPAddress", "already used")]
    [InlineData("""{"name":"x","topology":{"virtualMachines":[{"id":"VM","networkInterfaces":[{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/n","ipConfigurations":[{"name":"c","privateIPAddress":"10.0.0.4","subnetId":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s"},{"name":"c","privateIPAddress":"10.0.0.5","subnetId":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s"}]}]}]}}""", "$.topology.virtualMachines[0].networkInterfaces[0].ipConfigurations[1].name", "another ipconfig")]
    [InlineData("""{"name":"x","topology":{"virtualMachines":[{"id":"VM","networkInterfaces":[{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/n","ipConfigurations":[{"name":"c","privateIPAddress":"10.0.0.4","subnetId":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s","publicIPAddressId":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/p"}]}]}]}}""", "$.topology.virtualMachines[0].networkInterfaces[0].ipConfigurations[0].publicIPAddressId", "is not one of $.topology.publicIPAddresses")]
    [InlineData("""{"name":"x","topology":{"publicIPAddresses":[{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/p"}],"virtualMachines":[{"id":"VM","networkInterfaces":[{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/n","ipConfigurations":[{"name":"c","privateIPAddress":"10.0.0.4","subnetId":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s","publicIPAddressId":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/p"},{"name":"d","privateIPAddress":"10.0.0.5","subnetId":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s","publicIPAddressId":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/p"}]}]}]}}""", "$.topology.virtualMachines[0].networkInterfaces[0].ipConfigurations[1].publicIPAddressId", "one ipconfig at a time")]
    [InlineData("""{"name":"x","topology":{"routeTables":[{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/routeTables/t","routes":[{"name":"r","addressPrefix":"10.0.0.0/8","nextHopType":"VnetLocal"},{"name":"R","addressPrefix":"10.1.0.0/16","nextHopType":"VnetLocal"}]}]}}""", "$.topology.routeTables[0].routes[1].name", "unique within a table")]
    [InlineData("""{"name":"x","topology":{"routeTables":[{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/routeTables/t","routes":[{"name":"r","addressPrefix":"not-a-prefix","nextHopType":"VnetLocal"}]}]}}""", "$.topology.routeTables[0].routes[0].addressPrefix", "not an address prefix")]
    [InlineData("""{"name":"x","topology":{"routeTables":[{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/routeTables/t","routes":[{"name":"r","addressPrefix":"10.0.0.0/33","nextHopType":"VnetLocal"}]}]}}""", "$.topology.routeTables[0].routes[0].addressPrefix", "not an address prefix")]
    [InlineData("""{"name":"x","topology":{"subnets":[{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s","routeTableId":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/routeTables/none"}]}}""", "$.topology.subnets[0].routeTableId", "is not one of $.topology.routeTables")]
    [InlineData("""{"name":"x","topology":{"subnets":[{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v"}]}}""", "$.topology.subnets[0].id", "is not a subnet id")]
    [InlineData("""{"name":"x","topology":{},"timeline":[{"at":"00:01:00","do":"armFaults","status":500.5,"probability":0.5,"for":"00:01:00"}]}""", "$.timeline[0].status", "429, 500, 503, 409")]
    [InlineData("""{"name":"x","topology":{},"duration":"9999.00:00:00"}""", "$.duration", "longer than a scenario can be")]
    [InlineData("""{"name":"x","topology":{},"timeline":[{"at":"00:01:00","do":"armFaults","status":503,"probability":0.5,"for":"400.00:00:00"}]}""", "$.timeline[0].for", "longer than a scenario can be")]
    [InlineData("""{"name":"x","topology":{},"timeline":[{"at":"00:01:00","do":"armFaults","status":503,"probability":1,"for":"00:01:00","operation":"PUT network interfaces"}]}""", "$.timeline[0].operation", "for example \"PUT networkInterfaces\"")]
    [InlineData("""{"name":"x","topology":{"virtualMachines":[{"id":"VM"}]},"timeline":[{"at":"00:01:00","do":"armFaults","status":403,"probability":1,"for":"00:01:00","subscription":"other"}]}""", "$.timeline[0].subscription", "'other' is not a subscription of the topology (s)")]
    [InlineData("""{"name":"x","topology":{"virtualMachines":[{"id":"VM"}]},"timeline":[{"at":"00:01:00","do":"armFaults","status":503,"probability":1,"for":"00:01:00","resource":"nic-z"}]}""", "$.timeline[0].resource", "'nic-z' is not the name of a resource")]
    [InlineData("""{"name":"x","topology":{},"timeline":[{"at":"00:01:00","do":"armFaults","status":500,"probability":1,"for":"00:01:00","retryAfter":"00:00:30"}]}""", "$.timeline[0].retryAfter", "only a 429, 503 or 409 says Retry-After")]
    [InlineData("""{"name":"x","topology":{},"timeline":[{"at":"00:01:00","do":"armFaults","status":429,"probability":1,"for":"00:01:00","retryAfter":"01:00:00"}]}""", "$.timeline[0].retryAfter", "at most 00:10:00")]
    public void Parse_Invalid_NamesFileJsonPathAndProblem(string json, string path, string problem)
    {
        var ex = Invalid(json.Replace("\"VM\"", $"\"{Vm}\"", StringComparison.Ordinal));

        var found = Assert.Single(ex.Problems, p => p.Path == path);
        Assert.Contains(problem, found.Message, StringComparison.Ordinal);
        Assert.Contains($"my-scenario.json", ex.Message, StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ArmFaultsAimedAtAnOperationSubscriptionAndResource_AreValid()
    {
        var json = """
            {"name":"x","topology":{"routeTables":[{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/routeTables/t","routes":[]}]},"timeline":[
              {"at":"00:01:00","do":"armFaults","status":403,"probability":1,"for":"00:01:00","operation":"PUT routeTables","subscription":"s"},
              {"at":"00:01:00","do":"armFaults","status":429,"probability":1,"for":"00:01:00","retryAfter":"00:01:30"},
              {"at":"00:01:00","do":"armFaults","status":503,"probability":1,"for":"00:00:30","operation":"PUT routeTables","resource":"t"}]}
            """;

        var scenario = Scenario.Parse(json, "my-scenario.json");

        Assert.Equal(3, scenario.Timeline.Count);
    }

    [Fact]
    public void Parse_ServiceTagPrefixAndIpv6_AreValid()
    {
        var json = """
            {"name":"x","topology":{"routeTables":[{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/routeTables/t","routes":[
              {"name":"arm","addressPrefix":"AzureResourceManager","nextHopType":"Internet"},
              {"name":"regional","addressPrefix":"AzureCloud.westeurope","nextHopType":"Internet"},
              {"name":"v6","addressPrefix":"fd00::/8","nextHopType":"VnetLocal"}]}]}}
            """;

        Assert.Equal(3, Scenario.Parse(json, "ok.json").Topology["routeTables"]![0]!["routes"]!.AsArray().Count);
    }
}
