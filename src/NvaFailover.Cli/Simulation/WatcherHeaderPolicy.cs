using Azure.Core;
using Azure.Core.Pipeline;
using NvaFailover.Emulator.Faults;

namespace NvaFailover.Cli.Simulation;

/// <summary>
/// Names a rehearsal's host on each ARM request it sends (<see cref="RequestRecord.ClientHeader"/>), so the report knows
/// which watcher sent which request when two run at once. Rehearsals only: Azure ignores the header.
/// </summary>
/// <param name="watcher">The host's name in the rehearsal.</param>
internal sealed class WatcherHeaderPolicy(string watcher) : HttpPipelineSynchronousPolicy
{
    public override void OnSendingRequest(HttpMessage message) => message.Request.Headers.SetValue(RequestRecord.ClientHeader, watcher);
}
