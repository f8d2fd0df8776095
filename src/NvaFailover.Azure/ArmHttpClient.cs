using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using NvaFailover.Ports;
using NvaFailover.Settings;

namespace NvaFailover.Azure;

/// <summary>
/// A small ARM client on Azure.Core's pipeline (bearer token, the ARM client options' retry policy for 429 and 5xx):
/// GET and conditional PUT of JSON resources, long-running operations driven through Azure-AsyncOperation, and
/// retries of "another operation in progress" within <see cref="NvaFailoverOptions.ArmOperationTimeout"/>.
/// The one place that knows ARM's HTTP conventions, so that a later switch to Azure.ResourceManager.Network is one class.
/// </summary>
internal sealed class ArmHttpClient
{
    private readonly HttpPipeline _pipeline;
    private readonly Uri _endpoint;
    private readonly NvaFailoverOptions _options;
    private readonly TimeProvider _waitClock;

    public ArmHttpClient(AzureConnection connection, NvaFailoverOptions options, TimeProvider? waitClock = null)
    {
        _endpoint = connection.Endpoints.Endpoint;
        _options = options;

        // Retry-After is an instruction in real time whatever clock the rest of the app runs on.
        _waitClock = waitClock ?? TimeProvider.System;
        _pipeline = HttpPipelineBuilder.Build(
            connection.ClientOptions,
            perCallPolicies: [],
            perRetryPolicies: [new BearerTokenAuthenticationPolicy(connection.Credential, connection.Endpoints.Scope)],
            new ResponseClassifier());
    }

    /// <summary>GET a resource; null when it does not exist.</summary>
    public async Task<JsonObject?> GetAsync(string id, string apiVersion, CancellationToken cancellationToken)
    {
        using var message = CreateMessage(RequestMethod.Get, Url(id, apiVersion));
        await _pipeline.SendAsync(message, cancellationToken);
        var response = message.Response;
        if (response.Status == 404)
        {
            return null;
        }

        EnsureSuccess(response, id);
        return Parse(response, id);
    }

    /// <summary>GET a list, following nextLink.</summary>
    public async Task<List<JsonObject>> ListAsync(string pathAndQuery, string what, CancellationToken cancellationToken)
    {
        var items = new List<JsonObject>();
        Uri? next = new(_endpoint, pathAndQuery.TrimStart('/'));
        while (next is not null)
        {
            using var message = CreateMessage(RequestMethod.Get, next);
            await _pipeline.SendAsync(message, cancellationToken);
            EnsureSuccess(message.Response, what);
            var page = Parse(message.Response, what);
            items.AddRange((page["value"] as JsonArray ?? []).OfType<JsonObject>());
            next = page["nextLink"]?.GetValue<string>() is { Length: > 0 } link ? new Uri(link) : null;
        }

        return items;
    }

    /// <summary>
    /// PUT <paramref name="body"/> with If-Match, wait for the long-running operation, then GET the result.
    /// 412 is a conflict; "another operation in progress" and throttling are retried within the operation timeout.
    /// </summary>
    public async Task<WriteResult<JsonObject>> PutAsync(string id, string apiVersion, JsonObject body, string etag, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.ArmOperationTimeout, _waitClock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var token = linked.Token;
        var payload = Encoding.UTF8.GetBytes(body.ToJsonString());
        try
        {
            while (true)
            {
                using var message = CreateMessage(RequestMethod.Put, Url(id, apiVersion));
                message.Request.Headers.Add(HttpHeader.Names.IfMatch, etag);
                message.Request.Headers.Add(HttpHeader.Names.ContentType, "application/json");
                message.Request.Content = RequestContent.Create(payload);
                await _pipeline.SendAsync(message, token);
                var response = message.Response;
                var error = ArmErrorOf(response);
                switch (response.Status)
                {
                    case 200 or 201:
                        break;
                    case 412:
                        return Fail(WriteStatus.Conflict, error, id);
                    case 404:
                        return Fail(WriteStatus.NotFound, error, id);
                    case 409 or 429 when error.Code is "AnotherOperationInProgress" or "RetryableErrorDueToAnotherOperation":
                        await WaitAsync(response, token);
                        continue;
                    case 429:
                        return Fail(WriteStatus.Throttled, error, id);
                    default:
                        return Fail(WriteStatus.Failed, error, id);
                }

                if (response.Headers.TryGetValue("Azure-AsyncOperation", out var operationUrl) && !string.IsNullOrEmpty(operationUrl))
                {
                    var outcome = await WaitForOperationAsync(new Uri(operationUrl), response, id, token);
                    if (outcome is { } failure)
                    {
                        if (failure.Code is "AnotherOperationInProgress" or "RetryableErrorDueToAnotherOperation")
                        {
                            // The write was refused because something else was changing the resource: try again.
                            await WaitAsync(response, token);
                            continue;
                        }

                        return Fail(WriteStatus.Failed, failure, id);
                    }
                }

                var final = await GetAsync(id, apiVersion, token);
                return final is null
                    ? Fail(WriteStatus.NotFound, new ArmErrorBody("ResourceNotFound", "the resource disappeared right after it was written"), id)
                    : WriteResult.Success(final);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return Fail(WriteStatus.Failed, new ArmErrorBody("OperationTimedOut", $"the write did not complete within ArmOperationTimeout {_options.ArmOperationTimeout:c}"), id);
        }
        catch (RequestFailedException ex)
        {
            return Fail(ex.Status == 429 ? WriteStatus.Throttled : WriteStatus.Failed, new ArmErrorBody(ex.ErrorCode ?? $"HTTP{ex.Status}", ex.Message), id);
        }
    }

    /// <summary>Polls an Azure-AsyncOperation URL until Succeeded (null), Failed or Canceled (the error).</summary>
    private async Task<ArmErrorBody?> WaitForOperationAsync(Uri operationUrl, Response accepted, string id, CancellationToken cancellationToken)
    {
        var previous = accepted;
        while (true)
        {
            await WaitAsync(previous, cancellationToken);
            using var message = CreateMessage(RequestMethod.Get, operationUrl);
            await _pipeline.SendAsync(message, cancellationToken);
            var response = message.Response;
            if (response.Status != 200)
            {
                EnsureSuccess(response, operationUrl.GetLeftPart(UriPartial.Path));
            }

            var status = Parse(response, id)["status"]?.GetValue<string>() ?? "";
            switch (status)
            {
                case "Succeeded":
                    return null;
                case "Failed" or "Canceled":
                    var body = Parse(response, id);
                    return new ArmErrorBody(
                        body["error"]?["code"]?.GetValue<string>() ?? status,
                        body["error"]?["message"]?.GetValue<string>() ?? $"the long-running operation ended {status}");
                default:
                    previous = response;
                    break;
            }
        }
    }

    /// <summary>Waits as the service asked (x-ms-retry-after-ms, retry-after-ms, Retry-After), or ArmPollInterval.</summary>
    private Task WaitAsync(Response response, CancellationToken cancellationToken)
    {
        var wait = _options.ArmPollInterval;
        if ((response.Headers.TryGetValue("x-ms-retry-after-ms", out var ms) || response.Headers.TryGetValue("retry-after-ms", out ms))
            && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds))
        {
            wait = TimeSpan.FromMilliseconds(milliseconds);
        }
        else if (response.Headers.TryGetValue("Retry-After", out var seconds) && int.TryParse(seconds, NumberStyles.None, CultureInfo.InvariantCulture, out var s))
        {
            wait = TimeSpan.FromSeconds(s);
        }

        return Task.Delay(wait > TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : wait, _waitClock, cancellationToken);
    }

    private HttpMessage CreateMessage(RequestMethod method, Uri uri)
    {
        var message = _pipeline.CreateMessage();
        message.Request.Method = method;
        message.Request.Uri.Reset(uri);
        message.Request.Headers.Add(HttpHeader.Names.Accept, "application/json");
        return message;
    }

    private Uri Url(string id, string apiVersion) => new(_endpoint, $"{id.TrimStart('/')}?api-version={apiVersion}");

    private static JsonObject Parse(Response response, string what)
    {
        try
        {
            return JsonNode.Parse(response.Content.ToMemory().Span) as JsonObject
                ?? throw new GatewayException(GatewayFailure.Failed, what, null, $"ARM answered HTTP {response.Status} with a body that is not a JSON object");
        }
        catch (JsonException ex)
        {
            throw new GatewayException(GatewayFailure.Failed, what, null, $"ARM answered HTTP {response.Status} with invalid JSON: {ex.Message}", ex);
        }
    }

    private static void EnsureSuccess(Response response, string what)
    {
        if (response.Status is >= 200 and < 300)
        {
            return;
        }

        var error = ArmErrorOf(response);
        var failure = response.Status switch
        {
            429 => GatewayFailure.Throttled,
            401 or 403 => GatewayFailure.Forbidden,
            _ => GatewayFailure.Failed,
        };
        throw new GatewayException(failure, what, error.Code, $"ARM answered HTTP {response.Status}: {error.Message}");
    }

    internal static ArmErrorBody ArmErrorOf(Response response)
    {
        try
        {
            var error = JsonNode.Parse(response.Content.ToMemory().Span)?["error"];
            var detail = error?["details"]?.AsArray().FirstOrDefault();
            return new ArmErrorBody(
                detail?["code"]?.GetValue<string>() is { } detailCode && response.Status == 412 ? detailCode : error?["code"]?.GetValue<string>() ?? $"HTTP{response.Status}",
                error?["message"]?.GetValue<string>() ?? response.ReasonPhrase);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            return new ArmErrorBody($"HTTP{response.Status}", response.ReasonPhrase);
        }
    }

    private static WriteResult<JsonObject> Fail(WriteStatus status, ArmErrorBody error, string id) =>
        WriteResult.Failure<JsonObject>(status, error.Code, $"{error.Message} (resource {id})");

    internal sealed record ArmErrorBody(string Code, string Message);

    /// <summary>Nothing but 2xx is success; the statuses we handle ourselves are not errors for the pipeline.</summary>
    private sealed class ResponseClassifier : global::Azure.Core.ResponseClassifier
    {
        public override bool IsErrorResponse(HttpMessage message) => message.Response.Status is not (>= 200 and < 300);
    }
}
