namespace NvaFailover.Concurrency;

/// <summary>Runs work for many items with at most a given number in flight.</summary>
internal static class Bounded
{
    /// <summary>
    /// Starts <paramref name="work"/> for every item, at most <paramref name="degree"/> at once, and returns the
    /// results in item order. Unlike Parallel.ForEachAsync it does not move work to the thread pool: an item whose
    /// work completes synchronously finishes before the next starts.
    /// </summary>
    public static async Task<TResult[]> WhenAllAsync<TItem, TResult>(IEnumerable<TItem> items, int degree, Func<TItem, Task<TResult>> work, CancellationToken cancellationToken)
    {
        using var gate = new SemaphoreSlim(degree);
        return await Task.WhenAll(items.Select(async item =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                return await work(item);
            }
            finally
            {
                gate.Release();
            }
        }));
    }
}
