using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NvaFailover.Monitoring;
using NvaFailover.Ports;
using NvaFailover.Telemetry;
using static NvaFailover.Tests.Fakes.World;

namespace NvaFailover.Tests.Telemetry;

/// <summary>
/// Alert rules and the workbook query these names. A rename or renumbering must be a deliberate change of this
/// table and of infra/, never an accident of refactoring.
/// </summary>
public sealed class TelemetryContractTests
{
    private static readonly (int Id, string Name, LogLevel Level)[] Events =
    [
        (1000, "RoundCompleted", LogLevel.Information),
        (1001, "NvaDown", LogLevel.Warning),
        (1002, "NvaUp", LogLevel.Information),
        (1003, "FailoverStarted", LogLevel.Warning),
        (1004, "FailoverCompleted", LogLevel.Warning),
        (1005, "AllNvasDown", LogLevel.Error),
        (1006, "Reconciled", LogLevel.Warning),
        (1007, "PartialFailure", LogLevel.Error),
        (1008, "ConfigWarning", LogLevel.Warning),
        (1009, "Finding", LogLevel.None), // its level is the finding's: Error for an ERROR, else Warning
        (1010, "DryRunChange", LogLevel.Information),
        (1011, "SwitchoverRefused", LogLevel.Warning),
        (1012, "RoundFailed", LogLevel.Error),
        (1013, "ProbeAttemptFailed", LogLevel.Debug),
        (1014, "WriteConflict", LogLevel.Information),
        (1015, "DiscoveryCompleted", LogLevel.Information),
        (1016, "FailoverIncomplete", LogLevel.Error),
        (1017, "NvaUnknown", LogLevel.Warning),
        (1018, "FailoverSuperseded", LogLevel.Warning),
        (1019, "TargetReprobed", LogLevel.Information),
        (1020, "ClusterCannotFailOver", LogLevel.Error),
        (1021, "ClusterCanFailOver", LogLevel.Information),
        (1022, "PowerStatesOneByOne", LogLevel.Warning),
        (1023, "ForwardingDestinationSuspect", LogLevel.Warning),
        (1024, "FailoverVerified", LogLevel.Information),
        (1025, "ReadBudgetStretched", LogLevel.Warning),
        (1026, "ReadBudgetRestored", LogLevel.Information),
        (1027, "WitnessLeading", LogLevel.Information),
        (1028, "WitnessStandby", LogLevel.Information),
        (1029, "WitnessUnreachable", LogLevel.Error),
        (1030, "FlightResumed", LogLevel.Warning),
        (1031, "AbandonedReadFailed", LogLevel.Warning),
    ];

    [Fact]
    public void LogEvents_IdsNamesAndLevels_ArePinned()
    {
        var declared = typeof(NvaFailoverMetrics).Assembly.GetType("NvaFailover.Telemetry.Log")!
            .GetMethods(BindingFlags.Static | BindingFlags.Public)
            .Select(m => m.GetCustomAttribute<LoggerMessageAttribute>())
            .Where(a => a is not null)
            .Select(a => (a!.EventId, a.EventName!, a.Level))
            .OrderBy(e => e.EventId);

        Assert.Equal(Events, declared);
    }

    [Fact]
    public void FailoverCompleted_CarriesTheDimensionsTheAlertsQuery()
    {
        var method = typeof(NvaFailoverMetrics).Assembly.GetType("NvaFailover.Telemetry.Log")!.GetMethod("FailoverCompleted")!;
        var message = method.GetCustomAttribute<LoggerMessageAttribute>()!.Message;

        foreach (var property in new[] { "Cluster", "FromNva", "ToNva", "Reason", "DetectionSeconds", "ConvergenceSeconds", "RoutesChanged", "PublicIpsMoved" })
        {
            Assert.Contains($"{{{property}}}", message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Failover_RecordsMetricsOnTheNvaFailoverMeter()
    {
        var world = EdgePair();
        using var services = world.Services();
        var monitor = services.GetRequiredService<FailoverMonitor>();
        var factory = services.GetRequiredService<IMeterFactory>();
        var measurements = new List<(string Instrument, double Value)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // Other tests run in parallel with meters of the same name: listen to this provider's only.
            if (instrument.Meter.Name == NvaFailoverMetrics.Name && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((i, v, _, _) => { lock (measurements) { measurements.Add((i.Name, v)); } });
        listener.SetMeasurementEventCallback<long>((i, v, _, _) => { lock (measurements) { measurements.Add((i.Name, v)); } });
        listener.Start();
        world.Azure.SetPower(Vm("edge-a"), PowerState.Stopped);

        await world.RoundAsync(monitor);

        Assert.Equal(2, measurements.Count(m => m.Instrument == "nvafailover.probe.duration"));
        Assert.Equal(4, measurements.Where(m => m.Instrument == "nvafailover.arm.writes").Sum(m => m.Value));
        Assert.Single(measurements, m => m.Instrument == "nvafailover.failover.duration");
    }

    [Fact]
    public async Task Round_StartsOneSpanPerRoundTaggedWithClusterAndAction()
    {
        var world = EdgePair();
        // The activity source is process-wide; a cluster name no other test uses keeps this test's spans apart.
        world.Settings["NvaFailover:Clusters:0:Name"] = "span-contract";
        var monitor = world.Monitor();
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == NvaFailoverMetrics.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (spans) { spans.Add(a); } },
        };
        ActivitySource.AddActivityListener(listener);

        await world.RoundAsync(monitor);

        var span = Assert.Single(spans, s => (string?)s.GetTagItem("nvafailover.cluster") == "span-contract");
        Assert.Equal("None", span.GetTagItem("nvafailover.action"));
    }
}
