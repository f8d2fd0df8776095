using NvaFailover.Cli.Hosting;
using NvaFailover.Monitoring;

namespace NvaFailover.Cli.Simulation;

/// <summary>
/// The failover host of a rehearsal. <see cref="KillAsync"/> stops it at once, as <c>kill -9</c> or a recycled Functions
/// worker would: it sends no further request and reports nothing more (what Azure has accepted goes on to its end);
/// after the downtime a new host starts that knows only what Azure holds (and the rehearsal's witness, when the settings
/// configure one: the dead host's lease stays there until it lapses).
/// </summary>
internal sealed class SimulatedWatcher : IAsyncDisposable
{
    private readonly Func<IRoundObserver, CliHost> _start;
    private readonly IRoundObserver _reports;
    private readonly List<RoundReport> _interrupted = [];
    private Life? _life;

    /// <param name="start">Composes a host whose rounds are reported to the observer it is given.</param>
    /// <param name="reports">Where every living host's rounds go.</param>
    public SimulatedWatcher(Func<IRoundObserver, CliHost> start, IRoundObserver reports)
    {
        (_start, _reports) = (start, reports);
        _life = Start();
    }

    /// <summary>The failovers killed hosts were writing, as far as they had gone.</summary>
    public IReadOnlyList<RoundReport> Interrupted => _interrupted;

    /// <summary>The host that runs now; null while the watcher is down.</summary>
    public CliHost? Host => _life?.Host;

    /// <summary>One timer invocation on the host that runs now; it ends early when the host is killed. Nothing while it is down.</summary>
    public async Task RunInvocationAsync(CancellationToken cancellationToken)
    {
        if (_life is not { } life)
        {
            return;
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, life.Killed.Token);
        try
        {
            await life.Monitor.RunInvocationAsync(linked.Token);
        }
        catch (OperationCanceledException) when (life.Killed.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Killed in the middle of it.
        }
    }

    /// <summary>Kills the host now and starts a new one after <paramref name="downFor"/> (scenario time).</summary>
    public async Task KillAsync(TimeSpan downFor, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (_life is { } life)
        {
            // The rehearsal still reports the failovers the host was writing, as far as they went (as it reports those
            // still writing when it ends): a later host's rounds show how they were finished.
            _interrupted.AddRange(life.Monitor.InFlight.Select(f => f.Report));

            _life = null;
            life.Reports.Alive = false;
            await life.Killed.CancelAsync();
            await life.Monitor.StopAsync();
            await life.Host.DisposeAsync();
            life.Killed.Dispose();
        }

        await Task.Delay(downFor, clock, cancellationToken);
        _life = Start();
    }

    public async ValueTask DisposeAsync()
    {
        if (_life is { } life)
        {
            _life = null;
            await life.Host.DisposeAsync();
            life.Killed.Dispose();
        }
    }

    private Life Start()
    {
        var reports = new LivingReports(_reports);
        var host = _start(reports);
        return new Life(host, host.Get<FailoverMonitor>(), reports, new CancellationTokenSource());
    }

    private sealed record Life(CliHost Host, FailoverMonitor Monitor, LivingReports Reports, CancellationTokenSource Killed);

    /// <summary>Passes a host's rounds on while it lives: a killed host reports nothing.</summary>
    private sealed class LivingReports(IRoundObserver inner) : IRoundObserver
    {
        public volatile bool Alive = true;

        public void OnRoundCompleted(RoundReport report)
        {
            if (Alive)
            {
                inner.OnRoundCompleted(report);
            }
        }
    }
}
