using Azure.Core;
using NvaFailover.Ports;
using NvaFailover.Tests;

namespace NvaFailover.Azure.Tests;

/// <summary>Azurite, started once for the class: the real Blob service's leases and conditional writes.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    public Azurite Azurite { get; private set; } = null!;

    public async Task InitializeAsync() => Azurite = await Azurite.StartAsync();

    public async Task DisposeAsync() => await Azurite.DisposeAsync();
}

/// <summary>The witness in Blob Storage, against Azurite: who holds a cluster's lease, and the flight record under it.</summary>
public sealed class BlobWitnessTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(15);

    // Never asked for a token: Azurite's development account is reached with its well-known key.
    private static readonly TokenCredential NoToken = new ThrowingCredential();

    private BlobWitness Watcher(string container) => new(storage.Azurite.Container(container), NoToken);

    private static FlightRecord Record(string cluster, string watcher, DateTimeOffset? closedAt = null) => new(
        cluster, "edge-a", "edge-b", new DateTimeOffset(2026, 12, 4, 1, 0, 0, TimeSpan.Zero),
        new Dictionary<string, int> { ["/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/pip-edge"] = 1 },
        ["/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/routeTables/rt-apps"], [], closedAt, watcher);

    [Fact]
    public async Task OneWatcherHoldsACluster_TheOtherIsRefused_UntilItIsReleased_AndOnlyTheHolderWritesTheRecord()
    {
        var a = Watcher("leases");
        var b = Watcher("leases");

        Assert.True(await a.AcquireOrRenewAsync("edge", Lease, CancellationToken.None));
        Assert.False(await b.AcquireOrRenewAsync("edge", Lease, CancellationToken.None));
        Assert.True(await a.AcquireOrRenewAsync("edge", Lease, CancellationToken.None)); // renewed
        Assert.True(await b.AcquireOrRenewAsync("other", Lease, CancellationToken.None)); // clusters are independent

        await a.WriteAsync(Record("edge", "a"), CancellationToken.None);
        var read = await b.ReadAsync("edge", CancellationToken.None);
        Assert.NotNull(read);
        Assert.Equal("edge-b", read.To);
        Assert.True(read.IsOpen);
        Assert.Equal(1, Assert.Single(read.PublicIpSlots).Value);
        Assert.Equal(["/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/routeTables/rt-apps"], read.Planned);

        var refused = await Assert.ThrowsAsync<GatewayException>(() => b.WriteAsync(Record("edge", "b"), CancellationToken.None));
        Assert.Contains("no longer holds the cluster's lease", refused.Message, StringComparison.Ordinal);

        await a.ReleaseAsync("edge", CancellationToken.None);
        Assert.True(await b.AcquireOrRenewAsync("edge", Lease, CancellationToken.None));
        await b.WriteAsync(Record("edge", "b", closedAt: DateTimeOffset.UnixEpoch), CancellationToken.None);
        await Assert.ThrowsAsync<GatewayException>(() => a.WriteAsync(Record("edge", "a"), CancellationToken.None));
        Assert.False(await a.AcquireOrRenewAsync("edge", Lease, CancellationToken.None));
        Assert.False((await a.ReadAsync("edge", CancellationToken.None))!.IsOpen);
    }

    [Fact]
    public async Task ALeaseNotRenewed_Lapses_AndAnotherWatcherTakesIt()
    {
        var a = Watcher("lapse");
        var b = Watcher("lapse");
        Assert.True(await a.AcquireOrRenewAsync("edge", Lease, CancellationToken.None));
        Assert.False(await b.AcquireOrRenewAsync("edge", Lease, CancellationToken.None));

        // Blob Storage's shortest lease (15 s) runs on its own clock: wait it out.
        await Task.Delay(Lease + TimeSpan.FromSeconds(1.5));

        Assert.True(await b.AcquireOrRenewAsync("edge", Lease, CancellationToken.None));
        Assert.False(await a.AcquireOrRenewAsync("edge", Lease, CancellationToken.None));
    }

    [Fact]
    public async Task ANewClusterHasNoRecord_AndACreatedContainerIsReused()
    {
        var a = Watcher("fresh");

        Assert.Null(await a.ReadAsync("new-cluster", CancellationToken.None));
        Assert.True(await Watcher("fresh").AcquireOrRenewAsync("new-cluster", Lease, CancellationToken.None));
        Assert.Null(await a.ReadAsync("new-cluster", CancellationToken.None));
    }

    [Fact]
    public async Task StorageUnreachable_IsAGatewayFailure_NamingTheContainer()
    {
        var closed = new Uri($"http://127.0.0.1:{ClosedPort()}/devstoreaccount1/leases");
        var witness = new BlobWitness(closed, NoToken);

        var failure = await Assert.ThrowsAsync<GatewayException>(() => witness.AcquireOrRenewAsync("edge", Lease, CancellationToken.None));

        Assert.Equal(GatewayFailure.Unreachable, failure.Failure);
        Assert.Contains(closed.GetLeftPart(UriPartial.Path), failure.Message, StringComparison.Ordinal);
        Assert.Contains("network path", failure.Message, StringComparison.Ordinal);
    }

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class ThrowingCredential : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("the development account needs no token");

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("the development account needs no token");
    }
}
