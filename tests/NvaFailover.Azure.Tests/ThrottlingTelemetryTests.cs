using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using static NvaFailover.Azure.Tests.AdapterHarness;

namespace NvaFailover.Azure.Tests;

public sealed class ThrottlingTelemetryTests
{
    [Fact]
    public async Task Throttled_NetworkAndComputeRequests_AreLoggedAsArmThrottled()
    {
        var logs = new Capture();
        await using var h = await StartAsync(new() { ["NvaFailover:ArmRetries"] = "1" }, logs: logs);
        h.Emulator.AddFaults(429, 1.0, TimeSpan.FromHours(1));

        // Still throttled after the one retry: both reads fail, and every 429 was seen on the way.
        await Assert.ThrowsAsync<Ports.GatewayException>(() => h.Compute.GetPowerStateAsync(Vm("fw-a")));
        await Assert.ThrowsAsync<Ports.GatewayException>(() => h.RouteTables.GetAsync(RouteTable()));

        var events = logs.Entries.Where(e => e.Id.Name == "ArmThrottled").ToList();
        Assert.Equal(2, events.Count(e => e.Message.Contains("GET instanceView", StringComparison.Ordinal)));
        Assert.Equal(2, events.Count(e => e.Message.Contains("GET routeTables", StringComparison.Ordinal)));
        Assert.All(events, e => Assert.Equal((1100, LogLevel.Warning), (e.Id.Id, e.Level)));
        Assert.Contains(events, e => e.Message.Contains("TooManyRequests", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/routeTables/rt", "routeTables")]
    [InlineData("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm/instanceView", "instanceView")]
    [InlineData("/subscriptions/s/providers/Microsoft.Network/locations/westeurope/operations/123", "operations")]
    [InlineData("/subscriptions/s/resources", "resources")]
    public void ResourceType_LastTypeSegmentOfTheArmPath(string path, string type) => Assert.Equal(type, ObservingPolicy.ResourceType(path));

    private sealed class Capture : ILoggerProvider
    {
        public ConcurrentQueue<(EventId Id, LogLevel Level, string Message)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(Capture owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Entries.Enqueue((eventId, logLevel, formatter(state, exception)));
        }
    }
}
