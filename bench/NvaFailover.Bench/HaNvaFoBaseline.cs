using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using NvaFailover.Emulator;

namespace NvaFailover.Bench;

/// <summary>
/// The way Azure/ha-nva-fo works, against the same emulator: a timer every 30 s; FW1 and FW2 probed by power state,
/// 3 tries 2 s apart; when FW1 is down and FW2 up, every tagged route table is rewritten (GET, then a PUT of the whole
/// table, waiting for it), one after another, on every tick while failed over; FW2 down and FW1 up, the same back.
/// It does not move public IPs. Time is the emulator's clock, as for NvaFailover.
/// </summary>
internal sealed class HaNvaFoBaseline : IDisposable
{
    private const string ComputeApi = "api-version=2024-11-01";
    private const string NetworkApi = "api-version=2024-07-01";
    private readonly ArmEmulator _emulator;
    private readonly HttpClient _http;
    private readonly TimeProvider _clock;

    public HaNvaFoBaseline(ArmEmulator emulator)
    {
        _emulator = emulator;
        _clock = emulator.Clock;
        _http = new HttpClient(emulator.CreateHttpHandler()) { BaseAddress = emulator.Endpoint };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "baseline");
    }

    /// <summary>When a tick decided to fail over (after its probes), and when its last table write finished.</summary>
    public sealed record Tick(DateTimeOffset DecidedAt, DateTimeOffset? LastWriteAt, bool Failover);

    public void Dispose() => _http.Dispose();

    /// <summary>Ticks on */30 until <paramref name="end"/>; each tick that rewrote tables is returned.</summary>
    public async Task<List<Tick>> RunAsync(DateTimeOffset end, CancellationToken cancellationToken)
    {
        var ticks = new List<Tick>();
        var next = NextTick(_clock.GetUtcNow());
        while (next < end)
        {
            await DelayUntil(next, cancellationToken);
            if (await TickAsync(cancellationToken) is { } tick)
            {
                ticks.Add(tick);
            }

            next = NextTick(_clock.GetUtcNow());
        }

        return ticks;
    }

    /// <summary>One tick: probe both, and rewrite every tagged table when one is down and the other up.</summary>
    public async Task<Tick?> TickAsync(CancellationToken cancellationToken)
    {
        var fw1 = await ProbeAsync(BenchTopology.Vm("nva-a"), cancellationToken);
        var fw2 = await ProbeAsync(BenchTopology.Vm("nva-b"), cancellationToken);
        var (from, to) = (fw1, fw2) switch
        {
            (false, true) => (BenchTopology.NvaA, BenchTopology.NvaB),
            (true, false) => (BenchTopology.NvaB, BenchTopology.NvaA),
            _ => (null, null),
        };
        if (from is null || to is null)
        {
            return null;
        }

        var decided = _clock.GetUtcNow();
        DateTimeOffset? last = null;
        foreach (var table in await TaggedTablesAsync(cancellationToken))
        {
            await RewriteAsync(table, from, to, cancellationToken);
            last = _clock.GetUtcNow();
        }

        return new Tick(decided, last, true);
    }

    private async Task<bool> ProbeAsync(string vm, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            using var response = await _http.GetAsync($"{vm.TrimStart('/')}/instanceView?{ComputeApi}", cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                var view = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!;
                if ((view["statuses"] as JsonArray ?? []).Any(s => s?["code"]?.GetValue<string>() == "PowerState/running"))
                {
                    return true;
                }
            }

            if (attempt < 3)
            {
                await Task.Delay(TimeSpan.FromSeconds(2), _clock, cancellationToken);
            }
        }

        return false;
    }

    private async Task<List<string>> TaggedTablesAsync(CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        var filter = Uri.EscapeDataString($"tagName eq 'nva_ha_udr' and tagValue eq '{BenchTopology.Tag}'");
        string? next = $"subscriptions/{BenchTopology.Sub}/resources?$filter={filter}&api-version=2021-04-01";
        while (next is not null)
        {
            var page = JsonNode.Parse(await _http.GetStringAsync(next, cancellationToken))!;
            ids.AddRange((page["value"] as JsonArray ?? []).Select(v => v!["id"]!.GetValue<string>()));
            next = page["nextLink"]?.GetValue<string>();
        }

        return ids;
    }

    /// <summary>Set-AzRouteTable: the whole table back, with the routes to the failed NVA pointed at the other; waits for it.</summary>
    private async Task RewriteAsync(string tableId, string[] from, string[] to, CancellationToken cancellationToken)
    {
        var url = $"{tableId.TrimStart('/')}?{NetworkApi}";
        var table = JsonNode.Parse(await _http.GetStringAsync(url, cancellationToken))!.AsObject();
        foreach (var route in table["properties"]!["routes"]!.AsArray())
        {
            var props = route!["properties"]!;
            var slot = Array.IndexOf(from, props["nextHopIpAddress"]?.GetValue<string>());
            if (slot >= 0)
            {
                props["nextHopIpAddress"] = to[slot];
            }
        }

        for (var attempt = 0; attempt < 20; attempt++)
        {
            using var put = await _http.PutAsync(url, new StringContent(table.ToJsonString(), Encoding.UTF8, "application/json"), cancellationToken);
            if (put.IsSuccessStatusCode)
            {
                await WaitAsync(put, cancellationToken);
                return;
            }

            // Throttled or busy: as the Az module does, wait what the service says and try again.
            await Task.Delay(put.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(2), _clock, cancellationToken);
        }
    }

    private async Task WaitAsync(HttpResponseMessage accepted, CancellationToken cancellationToken)
    {
        if (!accepted.Headers.TryGetValues("Azure-AsyncOperation", out var urls))
        {
            return;
        }

        var wait = accepted.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
        while (true)
        {
            await Task.Delay(wait, _clock, cancellationToken);
            using var poll = await _http.GetAsync(urls.First(), cancellationToken);
            var status = poll.IsSuccessStatusCode ? JsonNode.Parse(await poll.Content.ReadAsStringAsync(cancellationToken))!["status"]?.GetValue<string>() : null;
            if (status is "Succeeded" or "Failed" or "Canceled")
            {
                return;
            }

            wait = poll.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
        }
    }

    private async Task DelayUntil(DateTimeOffset at, CancellationToken cancellationToken)
    {
        for (var left = at - _clock.GetUtcNow(); left > TimeSpan.Zero; left = at - _clock.GetUtcNow())
        {
            await Task.Delay(left, _clock, cancellationToken);
        }
    }

    private static DateTimeOffset NextTick(DateTimeOffset now)
    {
        var seconds = now.ToUnixTimeMilliseconds() / 1000;
        return DateTimeOffset.FromUnixTimeSeconds(((seconds / 30) + 1) * 30);
    }

    /// <summary>Requests the emulator has served so far (to count what the baseline cost).</summary>
    public int Served => _emulator.Requests.Count;
}
