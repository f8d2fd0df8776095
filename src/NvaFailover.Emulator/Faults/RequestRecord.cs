namespace NvaFailover.Emulator.Faults;

/// <summary>One ARM request as the emulator saw it.</summary>
/// <param name="At">Scenario time.</param>
/// <param name="Method">HTTP method.</param>
/// <param name="PathTemplate">The path with ids replaced by placeholders.</param>
/// <param name="Operation"><c>METHOD resourceType</c>, for example <c>PUT routeTables</c>.</param>
/// <param name="Status">HTTP status answered.</param>
/// <param name="IfMatch">Whether an If-Match header was sent.</param>
/// <param name="Actions">The RBAC actions Azure would check for it.</param>
/// <param name="Subscription">The subscription, if any.</param>
/// <param name="ResourceId">The resource the request was about, if any.</param>
public sealed record RequestRecord(DateTimeOffset At, string Method, string PathTemplate, string Operation, int Status, bool IfMatch, IReadOnlyList<string> Actions, string? Subscription, string? ResourceId = null)
{
    /// <summary>The request header a rehearsal's hosts name themselves in, so each request is known by the watcher that sent it.</summary>
    public const string ClientHeader = "x-nvafo-watcher";

    /// <summary>The watcher that sent it (its <see cref="ClientHeader"/>), when it named itself.</summary>
    public string? Client { get; init; }
}
