using NvaFailover.Emulator.Faults;
using NvaFailover.Emulator.Scenarios;
using NvaFailover.Emulator.Time;
using static NvaFailover.Emulator.Tests.EmulatorHarness;

namespace NvaFailover.Emulator.Tests;

/// <summary>Tag queries and paging, throttling, fault windows, scaled time and the request log.</summary>
public sealed class TrafficTests
{
    [Fact]
    public async Task TagQuery_NameAndValue_NoTagsInResult_CaseInsensitiveValue_PagedWithNextLink()
    {
        await using var h = await StartAsync(new EmulatorOptions { PageSize = 1 });
        var ids = new List<string>();
        var reply = await h.SendAsync("GET", $"/subscriptions/{Sub}/resources?$filter={Uri.EscapeDataString("tagName eq 'nva_ha_udr' and tagValue eq 'fw'")}&api-version=2021-04-01");
        while (true)
        {
            Assert.All(reply.Body!["value"]!.AsArray(), item => Assert.Null(item!["tags"]));
            ids.AddRange(reply.Body["value"]!.AsArray().Select(v => v!["id"]!.GetValue<string>()));
            if (reply.Body["nextLink"] is not { } next)
            {
                break;
            }

            reply = await h.SendAsync("GET", new Uri(next.GetValue<string>()).PathAndQuery);
        }

        Assert.Equal([RouteTable()], ids);
        var other = await h.SendAsync("GET", $"/subscriptions/{Sub2}/resources?$filter={Uri.EscapeDataString("tagName eq 'nva_ha_udr' and tagValue eq 'fw'")}&api-version=2021-04-01");
        Assert.Single(other.Body!["value"]!.AsArray());
    }

    [Fact]
    public async Task TagQuery_Paging_FollowsNextLinkPastOnePage()
    {
        await using var h = await StartAsync(new EmulatorOptions { PageSize = 2 });
        var reply = await h.SendAsync("GET", $"/subscriptions/{Sub}/resources?api-version=2021-04-01");
        var count = reply.Body!["value"]!.AsArray().Count;
        var pages = 1;
        while (reply.Body!["nextLink"] is { } next)
        {
            reply = await h.SendAsync("GET", new Uri(next.GetValue<string>()).PathAndQuery);
            count += reply.Body!["value"]!.AsArray().Count;
            pages++;
        }

        // 4 VMs' worth of resources (3 NVAs, one workload VM) and the two virtual networks the fixture's subnets imply: 14, two a page.
        Assert.Equal(14, count);
        Assert.Equal(7, pages);
    }

    [Fact]
    public async Task VirtualMachineList_StatusOnly_EveryVmOfTheSubscriptionWithItsPowerState_PagedWithNextLink()
    {
        await using var h = await StartAsync(new EmulatorOptions { PageSize = 2 });
        h.Emulator.PowerAction("fw-a", "powerOff");
        h.Clock.Advance(TimeSpan.FromSeconds(30));
        var states = new Dictionary<string, string>();
        var reply = await h.SendAsync("GET", $"/subscriptions/{Sub}/providers/Microsoft.Compute/virtualMachines?api-version=2024-11-01&statusOnly=true");
        var pages = 1;
        while (true)
        {
            foreach (var vm in reply.Body!["value"]!.AsArray())
            {
                Assert.Null(vm!["properties"]!["networkProfile"]);
                states[vm["name"]!.GetValue<string>()] = vm["properties"]!["instanceView"]!["statuses"]!.AsArray()
                    .Select(s => s!["code"]!.GetValue<string>()).Single(c => c.StartsWith("PowerState/", StringComparison.Ordinal));
            }

            if (reply.Body["nextLink"] is not { } next)
            {
                break;
            }

            Assert.Contains("statusOnly=true", next.GetValue<string>(), StringComparison.Ordinal);
            reply = await h.SendAsync("GET", new Uri(next.GetValue<string>()).PathAndQuery);
            pages++;
        }

        Assert.Equal(2, pages);
        Assert.Equal(new Dictionary<string, string> { ["fw-a"] = "PowerState/stopped", ["fw-b"] = "PowerState/running", ["fw-dr"] = "PowerState/deallocated", ["app-1"] = "PowerState/running" }, states);
        Assert.Equal(2, h.Emulator.Requests.Count(r => r.Operation == "LIST virtualMachines"));
    }

    [Fact]
    public async Task VirtualMachineList_WithoutStatusOnly_ServesTheVms_AndNeedsVirtualMachinesReadOnTheSubscription()
    {
        await using var h = await StartAsync();
        var full = await h.SendAsync("GET", $"/subscriptions/{Sub}/providers/Microsoft.Compute/virtualMachines?api-version=2024-11-01");
        Assert.All(full.Body!["value"]!.AsArray(), vm => Assert.NotNull(vm!["properties"]!["networkProfile"]));

        await using var narrow = await StartAsync(new EmulatorOptions { GrantedActions = ["Microsoft.Compute/virtualMachines/instanceView/read"] });
        var refused = await narrow.SendAsync("GET", $"/subscriptions/{Sub}/providers/Microsoft.Compute/virtualMachines?api-version=2024-11-01&statusOnly=true");

        Assert.Equal(403, refused.Status);
        Assert.Contains("Microsoft.Compute/virtualMachines/read", refused.Body!["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task VirtualNetwork_Get_ServesItsDnsServersAndSubnets_DeclaredOrImpliedBySubnets()
    {
        await using var h = await StartAsync();
        const string Vnet = $"/subscriptions/{Sub}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-hub";

        var reply = await h.GetAsync(Vnet);

        Assert.Equal(200, reply.Status);
        Assert.Empty(reply.Json["properties"]!["dhcpOptions"]!["dnsServers"]!.AsArray());
        Assert.NotEmpty(reply.Json["properties"]!["subnets"]!.AsArray());
        Assert.Contains(h.Emulator.Requests, r => r.Actions.Contains("Microsoft.Network/virtualNetworks/read"));
    }

    [Fact]
    public async Task TagQuery_NameOnly_ReturnsTags()
    {
        await using var h = await StartAsync();

        var reply = await h.SendAsync("GET", $"/subscriptions/{Sub}/resources?$filter={Uri.EscapeDataString("tagName eq 'nva_ha_udr'")}&api-version=2021-04-01");

        Assert.Equal("fw", reply.Body!["value"]![0]!["tags"]!["nva_ha_udr"]!.GetValue<string>());
    }

    [Fact]
    public async Task Throttling_ReadBucketEmpty_429WithRetryAfterAndRemainingHeaders_RefillsOverTime()
    {
        await using var h = await StartAsync(new EmulatorOptions { Throttling = new ThrottleLimits(ReadCapacity: 3, ReadRefillPerSecond: 1) });

        var replies = new List<EmulatorHarness.Reply>();
        for (var i = 0; i < 4; i++)
        {
            replies.Add(await h.GetAsync(RouteTable()));
        }

        h.Clock.Advance(TimeSpan.FromSeconds(1));
        var afterRefill = await h.GetAsync(RouteTable());

        Assert.Equal(["2", "1", "0"], replies.Take(3).Select(r => r.Header("x-ms-ratelimit-remaining-subscription-reads")));
        Assert.Equal((429, "SubscriptionRequestsThrottled"), (replies[3].Status, replies[3].ErrorCode));
        Assert.Equal("1", replies[3].Header("Retry-After"));
        Assert.Equal("1000", replies[3].Header("x-ms-retry-after-ms"));
        Assert.Equal(200, afterRefill.Status);
    }

    [Fact]
    public async Task Throttling_BurstBeyondTheWriteBucket_ThrottledExactlyAsAzuresTokenBucket_PerSubscription()
    {
        // Azure's defaults: 200 writes, refilling 10 per second, per subscription.
        await using var h = await StartAsync();
        var table = (await h.GetAsync(RouteTable())).Json;
        var otherSubscription = Id("routeTables", "rt-spoke2", "rg-spoke2", EmulatorHarness.Sub2);
        var other = (await h.GetAsync(otherSubscription)).Json;

        var burst = new List<EmulatorHarness.Reply>();
        for (var i = 0; i < 205; i++)
        {
            burst.Add(await h.PutAsync(RouteTable(), table));
        }

        var elsewhere = await h.PutAsync(otherSubscription, other);
        h.Clock.Advance(TimeSpan.FromSeconds(1));
        var refilled = new List<EmulatorHarness.Reply>();
        for (var i = 0; i < 11; i++)
        {
            refilled.Add(await h.PutAsync(RouteTable(), table));
        }

        // Writes to one busy table: most are refused as "another operation in progress", but each spends a token.
        const string Throttled = "SubscriptionRequestsThrottled";
        Assert.All(burst.Take(200), r => Assert.NotEqual(Throttled, r.ErrorCode));
        Assert.Equal("199", burst[0].Header("x-ms-ratelimit-remaining-subscription-writes"));
        Assert.All(burst.Skip(200), r => Assert.Equal((429, Throttled, "100"), (r.Status, r.ErrorCode, r.Header("x-ms-retry-after-ms"))));
        Assert.NotEqual(Throttled, elsewhere.ErrorCode);
        Assert.Equal(10, refilled.Count(r => r.ErrorCode != Throttled));
        Assert.Equal(Throttled, refilled[^1].ErrorCode);
    }

    [Fact]
    public async Task Throttling_WritesPerFiveMinutes_RefusesTheWriteBeyondTheWindow_UntilTheOldestLeavesIt()
    {
        await using var h = await StartAsync(new EmulatorOptions { Arm = new ArmBehaviour { WritesPerFiveMinutes = 3 } });
        var table = (await h.GetAsync(RouteTable())).Json;

        var allowed = new List<EmulatorHarness.Reply>();
        for (var i = 0; i < 3; i++)
        {
            allowed.Add(await h.PutAsync(RouteTable(), table));
            h.Clock.Advance(TimeSpan.FromSeconds(10));
            table = (await h.GetAsync(RouteTable())).Json;
        }

        var refused = await h.PutAsync(RouteTable(), table);
        h.Clock.Advance(TimeSpan.FromSeconds(271));
        var again = await h.PutAsync(RouteTable(), table);

        Assert.All(allowed, r => Assert.Equal(200, r.Status));
        Assert.Equal((429, "SubscriptionRequestsThrottled", "270"), (refused.Status, refused.ErrorCode, refused.Header("Retry-After")));
        Assert.Equal(200, again.Status);
    }

    [Fact]
    public async Task Throttling_WritesHaveTheirOwnBucket()
    {
        await using var h = await StartAsync(new EmulatorOptions { Throttling = new ThrottleLimits(WriteCapacity: 1, WriteRefillPerSecond: 0.1) });
        var table = (await h.GetAsync(RouteTable())).Json;
        var nic = (await h.GetAsync(Id("networkInterfaces", "fw-b-untrust"))).Json;

        var first = await h.PutAsync(RouteTable(), table);
        var second = await h.PutAsync(Id("networkInterfaces", "fw-b-untrust"), nic);

        Assert.Equal(200, first.Status);
        Assert.Equal("0", first.Header("x-ms-ratelimit-remaining-subscription-writes"));
        Assert.Equal(429, second.Status);
        Assert.Equal("10", second.Header("Retry-After"));
        Assert.Equal(200, (await h.GetAsync(RouteTable())).Status);
    }

    [Theory]
    [InlineData(429, "TooManyRequests")]
    [InlineData(500, "InternalServerError")]
    [InlineData(503, "ServiceUnavailable")]
    public async Task FaultWindow_AllRequestsFailWhileItLastsThenRecover(int status, string code)
    {
        await using var h = await StartAsync();
        h.Emulator.AddFaults(status, 1.0, TimeSpan.FromMinutes(1));

        var during = await h.GetAsync(RouteTable());
        h.Clock.Advance(TimeSpan.FromMinutes(1));
        var after = await h.GetAsync(RouteTable());

        Assert.Equal((status, code), (during.Status, during.ErrorCode));
        Assert.Equal(200, after.Status);
    }

    [Fact]
    public async Task FaultWindow_409_HitsWritesOnly_AsArmAnswersConflictToWrites()
    {
        await using var h = await StartAsync();
        var table = (await h.GetAsync(RouteTable())).Json;
        h.Emulator.AddFaults(409, 1.0, TimeSpan.FromMinutes(1));

        var read = await h.GetAsync(RouteTable());
        var write = await h.PutAsync(RouteTable(), table);

        Assert.Equal(200, read.Status);
        Assert.Equal((409, "AnotherOperationInProgress"), (write.Status, write.ErrorCode));
    }

    [Fact]
    public async Task FaultWindow_AimedAtOneOperation_HitsOnlyIt()
    {
        await using var h = await StartAsync();
        var table = (await h.GetAsync(RouteTable())).Json;
        var nic = (await h.GetAsync(Id("networkInterfaces", "fw-b-untrust"))).Json;
        h.Emulator.AddFaults(503, 1.0, TimeSpan.FromMinutes(1), target: new FaultTarget(Operation: "PUT networkInterfaces"), retryAfter: TimeSpan.FromSeconds(40));

        var nicWrite = await h.PutAsync(Id("networkInterfaces", "fw-b-untrust"), nic);
        var nicRead = await h.GetAsync(Id("networkInterfaces", "fw-b-untrust"));
        var tableWrite = await h.PutAsync(RouteTable(), table);

        Assert.Equal((503, "ServiceUnavailable", "40"), (nicWrite.Status, nicWrite.ErrorCode, nicWrite.Header("Retry-After")));
        Assert.Equal(200, nicRead.Status);
        Assert.Equal(200, tableWrite.Status);
    }

    [Fact]
    public async Task FaultWindow_403OnOneSubscription_RefusesItsWritesOnlyAndNamesTheActionAndScope()
    {
        await using var h = await StartAsync();
        var spoke1 = (await h.GetAsync(RouteTable())).Json;
        var spoke2Id = Id("routeTables", "rt-spoke2", "rg-spoke2", Sub2);
        var spoke2 = (await h.GetAsync(spoke2Id)).Json;
        h.Emulator.AddFaults(403, 1.0, TimeSpan.FromMinutes(1), target: new FaultTarget(Operation: "PUT routeTables", Subscription: Sub2));

        var refused = await h.PutAsync(spoke2Id, spoke2);
        var read = await h.GetAsync(spoke2Id);
        var other = await h.PutAsync(RouteTable(), spoke1);
        h.Clock.Advance(TimeSpan.FromMinutes(1));
        var after = await h.PutAsync(spoke2Id, (await h.GetAsync(spoke2Id)).Json);

        Assert.Equal((403, "AuthorizationFailed"), (refused.Status, refused.ErrorCode));
        var message = refused.Body!["error"]!["message"]!.GetValue<string>();
        Assert.Contains("Microsoft.Network/routeTables/write", message, StringComparison.Ordinal);
        Assert.Contains(spoke2Id, message, StringComparison.Ordinal);
        Assert.Equal(200, read.Status);
        Assert.Equal(200, other.Status);
        Assert.Equal(200, after.Status);
    }

    [Fact]
    public async Task FaultWindow_AimedAtOneResource_SparesTheOthers()
    {
        await using var h = await StartAsync();
        h.Emulator.AddFaults(429, 1.0, TimeSpan.FromMinutes(1), target: new FaultTarget(Resource: "fw-b-untrust"), retryAfter: TimeSpan.FromSeconds(90));

        var aimed = await h.GetAsync(Id("networkInterfaces", "fw-b-untrust"));
        var spared = await h.GetAsync(Id("networkInterfaces", "fw-a-untrust"));

        Assert.Equal((429, "90"), (aimed.Status, aimed.Header("Retry-After")));
        Assert.Equal(200, spared.Status);
    }

    [Fact]
    public async Task FaultWindow_Probability_HitsAReproducibleShare()
    {
        static async Task<int> FailuresAsync()
        {
            await using var h = await StartAsync(new EmulatorOptions { Seed = 7 });
            h.Emulator.AddFaults(500, 0.3, TimeSpan.FromMinutes(1));
            var failures = 0;
            for (var i = 0; i < 100; i++)
            {
                failures += (await h.GetAsync(RouteTable())).Status == 500 ? 1 : 0;
            }

            return failures;
        }

        var first = await FailuresAsync();
        var second = await FailuresAsync();

        Assert.InRange(first, 15, 45);
        Assert.Equal(first, second);
    }

    [Fact]
    public async Task FaultWindow_Timeout_RequestNeverAnswers()
    {
        await using var h = await StartAsync();
        h.Emulator.AddFaults(0, 1.0, TimeSpan.FromMinutes(1));
        using var client = new HttpClient(h.Emulator.CreateHttpHandler()) { Timeout = TimeSpan.FromMilliseconds(300) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", "t");

        var ex = await Record.ExceptionAsync(() => client.GetAsync(new Uri(h.Emulator.Endpoint, $"{RouteTable().TrimStart('/')}?{NetworkApi}")));

        Assert.IsType<TaskCanceledException>(ex);
    }

    [Fact]
    public async Task RequestLog_RecordsTemplateStatusIfMatchAndRbacActions()
    {
        await using var h = await StartAsync();
        var nic = (await h.GetAsync(Id("networkInterfaces", "fw-a-untrust"))).Json;

        await h.PutAsync(Id("networkInterfaces", "fw-a-untrust"), nic, ifMatch: nic["etag"]!.GetValue<string>());

        var put = h.Emulator.Requests.Single(r => r.Method == "PUT");
        Assert.Equal("/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/networkInterfaces/{name}", put.PathTemplate);
        Assert.Equal(("PUT networkInterfaces", 200, true), (put.Operation, put.Status, put.IfMatch));
        Assert.Equal(
            ["Microsoft.Network/networkInterfaces/write", "Microsoft.Network/publicIPAddresses/join/action", "Microsoft.Network/virtualNetworks/subnets/join/action",
             "Microsoft.Network/applicationSecurityGroups/joinIpConfiguration/action", "Microsoft.Network/loadBalancers/backendAddressPools/join/action",
             "Microsoft.Network/loadBalancers/inboundNatRules/join/action", "Microsoft.Network/networkSecurityGroups/join/action"],
            put.Actions);
        Assert.Equal(["Microsoft.Network/networkInterfaces/read"], h.Emulator.Requests.Single(r => r.Method == "GET").Actions);
    }

    [Fact]
    public async Task NicWrite_InALoadBalancerPool_WithoutThePoolsJoinRight_403LinkedAuthorizationFailed()
    {
        await using var h = await StartAsync(new EmulatorOptions
        {
            GrantedActions = ["Microsoft.Network/networkInterfaces/*", "Microsoft.Network/virtualNetworks/subnets/join/action", "Microsoft.Network/applicationGateways/backendAddressPools/join/action"],
        });
        var nic = (await h.GetAsync(Id("networkInterfaces", "fw-b-untrust"))).Json;

        var reply = await h.PutAsync(Id("networkInterfaces", "fw-b-untrust"), nic, ifMatch: nic["etag"]!.GetValue<string>());

        Assert.Equal((403, "LinkedAuthorizationFailed"), (reply.Status, reply.ErrorCode));
        Assert.Contains("'Microsoft.Network/loadBalancers/backendAddressPools/join/action'", reply.Body!["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScaledTime_RetryAfterInScenarioTime_LatencyScalesWithSpeed()
    {
        await using var emulator = await ArmEmulator.StartAsync(new EmulatorOptions { Speed = 50, Arm = new ArmBehaviour { ReadLatency = TimeSpan.Zero } });
        emulator.Load(Scenario.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "topology.json")).Topology);
        var h = new HttpClient(emulator.CreateHttpHandler());
        h.DefaultRequestHeaders.Authorization = new("Bearer", "t");
        var url = new Uri(emulator.Endpoint, $"{RouteTable().TrimStart('/')}?{NetworkApi}");
        var body = await h.GetStringAsync(url);

        using var put = await h.PutAsync(url, new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        // ARM states Retry-After in its own time: the route table write takes 5 s of scenario time at any speed, and a
        // client on the scenario clock (a rehearsal) waits 100 ms of real time for it at 50x.
        var ms = int.Parse(put.Headers.GetValues("x-ms-retry-after-ms").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(ms, 4000, 5000);
        Assert.Equal(TimeSpan.FromMilliseconds(100), emulator.ToRealTime(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void ScaledTimeProvider_RunsSpeedTimesFasterIncludingTimers()
    {
        var inner = new TestClock();
        var scaled = new ScaledTimeProvider(inner, 10, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var fired = false;
        using var timer = scaled.CreateTimer(_ => fired = true, null, TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan);

        inner.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(TimeSpan.FromSeconds(10), scaled.Elapsed);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 10, TimeSpan.Zero), scaled.GetUtcNow());
        Assert.True(fired);
    }
}
