using Microsoft.Extensions.Logging;
using NvaFailover.Execution;
using NvaFailover.Ports;
using NvaFailover.Probing;
using NvaFailover.Telemetry;
using NvaFailover.Topology;
using NvaFailover.Verification;

namespace NvaFailover.Monitoring;

/// <summary>What every cluster's runner shares; the witness (null: one watcher, always writing) with Witness:LeaseDuration.</summary>
internal sealed record RunnerServices(TopologyCache Topologies, NvaProber Prober, PlanExecutor Executor, DataPlaneVerifier Verifier, TimeProvider Time, NvaFailoverMetrics Metrics, ILogger Logger, IWitness? Witness = null, TimeSpan LeaseDuration = default);
