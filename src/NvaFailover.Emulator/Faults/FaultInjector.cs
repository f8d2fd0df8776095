namespace NvaFailover.Emulator.Faults;

/// <summary>A window of scenario time in which a share of ARM requests fails.</summary>
/// <param name="From">Start (scenario time).</param>
/// <param name="Until">End (scenario time).</param>
/// <param name="Status">429, 500, 503, 409, 403, or 0 for a request that never answers.</param>
/// <param name="Probability">Share of requests that fail, 0 to 1.</param>
/// <param name="FailOperations">When true the writes are accepted and their long-running operation ends Failed instead.</param>
public sealed record FaultWindow(DateTimeOffset From, DateTimeOffset Until, int Status, double Probability, bool FailOperations = false)
{
    /// <summary>The requests it aims at; every request when null.</summary>
    public FaultTarget? Target { get; init; }

    /// <summary>What a 429, 503 or 409 it causes says in Retry-After.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// The requests a fault window aims at; each part that is set must match (an unset part matches everything).
/// </summary>
/// <param name="Operation">"METHOD resourceType" as the request log names it (<c>PUT networkInterfaces</c>, <c>GET virtualMachines</c>).</param>
/// <param name="Subscription">A subscription id.</param>
/// <param name="Resource">A resource's name (the last segment of its id; a route's table for a route).</param>
public sealed record FaultTarget(string? Operation = null, string? Subscription = null, string? Resource = null)
{
    /// <summary>True when a request with these parts is aimed at.</summary>
    public bool Matches(string operation, string? subscription, string? resourceId) =>
        (Operation is null || string.Equals(Operation, operation, StringComparison.OrdinalIgnoreCase))
        && (Subscription is null || string.Equals(Subscription, subscription, StringComparison.OrdinalIgnoreCase))
        && (Resource is null || (resourceId is not null && string.Equals(Resource, resourceId[(resourceId.LastIndexOf('/') + 1)..], StringComparison.OrdinalIgnoreCase)));
}

/// <summary>A request as the fault windows see it.</summary>
/// <param name="Operation">"METHOD resourceType".</param>
/// <param name="Subscription">Its subscription, if any.</param>
/// <param name="ResourceId">The resource it names, if any.</param>
/// <param name="Write">True for PUT, POST, PATCH and DELETE.</param>
internal readonly record struct FaultableRequest(string Operation, string? Subscription, string? ResourceId, bool Write);

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

    /// <summary>
    /// The window that hits this request, if any. A 409 hits only writes: ARM answers Conflict to a write, never to a
    /// read. A window with a target hits only the requests it aims at.
    /// </summary>
    public FaultWindow? Hit(FaultableRequest request, bool operationFailuresOnly = false)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            foreach (var window in _windows.Where(w => w.From <= now && now < w.Until && w.FailOperations == operationFailuresOnly && (request.Write || w.Status != 409)
                && (w.Target is null || w.Target.Matches(request.Operation, request.Subscription, request.ResourceId))))
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
