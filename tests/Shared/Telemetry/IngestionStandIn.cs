using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace NvaFailover.Tests;

/// <summary>
/// Stands in for the Application Insights ingestion service on loopback: accepts the track calls a client makes to a
/// connection string's IngestionEndpoint (newline-delimited or array JSON envelopes, gzip or not) and keeps them.
/// </summary>
public sealed class IngestionStandIn : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<JsonObject> _items;
    private readonly ConcurrentQueue<string> _authorizations;

    private IngestionStandIn(WebApplication app, ConcurrentQueue<JsonObject> items, ConcurrentQueue<string> authorizations, Uri endpoint)
    {
        _app = app;
        _items = items;
        _authorizations = authorizations;
        Endpoint = endpoint;
    }

    /// <summary>The Authorization header of each track call ("" when it had none).</summary>
    public IReadOnlyList<string> Authorizations => [.. _authorizations];

    /// <summary>Metric items, <c>MetricData</c>: each with its metrics (name, value, count) and custom dimensions.</summary>
    public IEnumerable<JsonObject> Metrics => Items
        .Where(i => i["data"]?["baseType"]?.GetValue<string>() == "MetricData")
        .Select(i => (JsonObject)i["data"]!["baseData"]!);

    /// <summary>Span items (<c>RemoteDependencyData</c> or <c>RequestData</c>).</summary>
    public IEnumerable<JsonObject> Spans => Items
        .Where(i => i["data"]?["baseType"]?.GetValue<string>() is "RemoteDependencyData" or "RequestData")
        .Select(i => (JsonObject)i["data"]!["baseData"]!);

    public Uri Endpoint { get; }

    /// <summary>A connection string whose ingestion goes here.</summary>
    public string ConnectionString => $"InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint={Endpoint}";

    public IReadOnlyList<JsonObject> Items => [.. _items];

    /// <summary>Trace (log) items, <c>MessageData</c>: their message, severity and custom dimensions.</summary>
    public IEnumerable<JsonObject> Traces => Items
        .Where(i => i["data"]?["baseType"]?.GetValue<string>() == "MessageData")
        .Select(i => (JsonObject)i["data"]!["baseData"]!);

    public static async Task<IngestionStandIn> StartAsync()
    {
        var items = new ConcurrentQueue<JsonObject>();
        var authorizations = new ConcurrentQueue<string>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapPost("/{**path}", async (HttpContext context) =>
        {
            authorizations.Enqueue(context.Request.Headers.Authorization.ToString());
            using var buffer = new MemoryStream();
            var body = context.Request.Headers.ContentEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase)
                ? new GZipStream(context.Request.Body, CompressionMode.Decompress)
                : context.Request.Body;
            await body.CopyToAsync(buffer);
            var text = System.Text.Encoding.UTF8.GetString(buffer.ToArray()).Trim();
            var received = text.StartsWith('[')
                ? JsonNode.Parse(text)!.AsArray().OfType<JsonObject>().ToList()
                : text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => (JsonObject)JsonNode.Parse(line)!).ToList();
            foreach (var item in received)
            {
                items.Enqueue(item);
            }

            return Results.Json(new { itemsReceived = received.Count, itemsAccepted = received.Count, errors = Array.Empty<object>() });
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new IngestionStandIn(app, items, authorizations, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <summary>Waits (bounded) until <paramref name="arrived"/> holds for what has been received.</summary>
    public async Task WaitForAsync(Func<IngestionStandIn, bool> arrived, string what, TimeSpan? patience = null)
    {
        using var timeout = new CancellationTokenSource(patience ?? TimeSpan.FromSeconds(60));
        while (!arrived(this))
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), timeout.Token);
            }
            catch (OperationCanceledException ex)
            {
                throw new TimeoutException($"Ingestion did not receive {what}; it received {_items.Count} items: {string.Join(", ", Items.Select(i => i["name"]))}", ex);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
