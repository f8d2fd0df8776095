namespace NvaFailover.Emulator.Faults;

/// <summary>A window of scenario time in which a share of ARM requests fails.</summary>
/// <param name="From">Start (scenario time).</param>
/// <param name="Until">End (scenario time).</param>
/// <param name="Status">429, 500, 503, 409, or 0 for a request that never answers.</param>
/// <param name="Probability">Share of requests that fail, 0 to 1.</param>
/// <param name="FailOperations">When true the writes are accepted and their long-running operation ends Failed instead.</param>
public sealed record FaultWindow(DateTimeOffset From, DateTimeOffset Until, int Status, double Probability, bool FailOperations = false);

/// <summary>Decides, reproducibly (seeded), which requests a fault window hits.</summary>
internal sealed class FaultInjector(TimeProvider time, int seed)
{
    private readonly object _lock = new();
    private readonly Random _random = new(seed);
    private readonly List<FaultWindow> _windows = [];

    public void Add(FaultWindow window)
    {
        lock (_lock)
        {
            _windows.Add(window);
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _windows.Clear();
        }
    }

    /// <summary>The window that hits this request, if any. A 409 hits only writes: ARM answers Conflict to a write, never to a read.</summary>
    public FaultWindow? Hit(bool operationFailuresOnly = false, bool write = true)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            foreach (var window in _windows.Where(w => w.From <= now && now < w.Until && w.FailOperations == operationFailuresOnly && (write || w.Status != 409)))
            {
                if (_random.NextDouble() < window.Probability)
                {
                    return window;
                }
            }

            return null;
        }
    }
}
