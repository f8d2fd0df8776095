using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using NvaFailover.Ports;

namespace NvaFailover.Azure;

/// <summary>
/// A small ARM client on Azure.Core's pipeline (bearer token): GET and conditional PUT of JSON resources, long-running
/// operations driven through Azure-AsyncOperation, and "another operation in progress" waited out within
/// ArmOperationTimeout. Every request goes through <see cref="ArmResilience"/> (budget, timeout, retries). The one place
/// that knows ARM's HTTP conventions, so that a later switch to Azure.ResourceManager.Network is one class.
/// </summary>
internal sealed class ArmHttpClient
{
    private readonly HttpPipeline _pipeline;
    private readonly Uri _endpoint;
    private readonly ArmResilience _resilience;
    private readonly ArmClientSettings _settings;
    private readonly TimeProvider _time;
    private readonly AzureConnection _connection;

    public ArmHttpClient(AzureConnection connection, ArmResilience resilience, ArmClientSettings settings, TimeProvider time)
    {
        _connection = connection;
        _endpoint = connection.Endpoints.Endpoint;
        _resilience = resilience;
        _settings = settings;
        _time = time;
        _pipeline = HttpPipelineBuilder.Build(
            connection.ClientOptions,
            perCallPolicies: [],
            perRetryPolicies: [new BearerTokenAuthenticationPolicy(connection.Credential, connection.Endpoints.Scope)],
            new ResponseClassifier());
    }

    /// <summary>GET a resource; null when it does not exist.</summary>
    /// <exception cref="GatewayException">The read failed (after retries).</exception>
    public async Task<JsonObject?> GetAsync(string id, string apiVersion, CancellationToken cancellationToken)
    {
        using var answer = await SendAsync(RequestMethod.Get, Url(id, apiVersion), id, urgent: false, cancellationToken);
        var response = answer.Response;
        if (response.Status == 404)
        {
            return null;
        }

        EnsureSuccess(response, id);
        return Parse(response, id);
    }

    /// <summary>GET a list, following nextLink.</summary>
    /// <exception cref="GatewayException">The read failed (after retries).</exception>
    public async Task<List<JsonObject>> ListAsync(string pathAndQuery, string what, CancellationToken cancellationToken)
    {
        var items = new List<JsonObject>();
        Uri? next = new(_endpoint, pathAndQuery.TrimStart('/'));
        while (next is not null)
        {
            using var answer = await SendAsync(RequestMethod.Get, next, next.AbsolutePath, urgent: false, cancellationToken);
            EnsureSuccess(answer.Response, what);
            var page = Parse(answer.Response, what);
            items.AddRange((page["value"] as JsonArray ?? []).OfType<JsonObject>());
            next = page["nextLink"]?.GetValue<string>() is { Length: > 0 } link ? new Uri(link) : null;
        }

        return items;
    }

    /// <summary>
    /// PUT <paramref name="body"/> with If-Match and wait for the long-running operation. 412 is a conflict; "another
    /// operation in progress" is waited out within ArmOperationTimeout. The written resource is the PUT's answer (what was
    /// sent, with the server's fields and the new ETag), marked Succeeded once the operation has: no read after it.
    /// </summary>
    public async Task<WriteResult<JsonObject>> PutAsync(string id, string apiVersion, JsonObject body, string etag, bool urgent, CancellationToken cancellationToken)
    {
        // ArmOperationTimeout runs from the first send: a write that waits its turn in the budget (a storm beyond
        // Microsoft.Network's five-minute limit, announced) is late, not failed.
        using var timeout = new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var token = linked.Token;
        var payload = Encoding.UTF8.GetBytes(body.ToJsonString());
        ITimer? timer = null;
        try
        {
            while (true)
            {
                using var answer = await _resilience.SendAsync(_pipeline, id, write: true, urgent, () =>
                {
                    timer ??= _time.CreateTimer(_ => CancelQuietly(timeout), null, _settings.OperationTimeout, Timeout.InfiniteTimeSpan);

                    var message = CreateMessage(RequestMethod.Put, Url(id, apiVersion));
                    message.Request.Headers.Add(HttpHeader.Names.IfMatch, etag);
                    message.Request.Headers.Add(HttpHeader.Names.ContentType, "application/json");
                    message.Request.Content = RequestContent.Create(payload);
                    return message;
                }, token);
                var response = answer.Response;
                var error = ArmErrorOf(response);
                switch (response.Status)
                {
                    case 200 or 201:
                        break;
                    case 412:
                        return Fail(WriteStatus.Conflict, error, id);
                    case 404:
                        return Fail(WriteStatus.NotFound, error, id);
                    case 409 when error.Code is "AnotherOperationInProgress":
                        await WaitAsync(ArmResilience.RetryAfter(response), token);
                        continue;
                    case 429:
                        return Fail(WriteStatus.Throttled, error, id);
                    default:
                        return Fail(WriteStatus.Failed, error, id);
                }

                var written = Parse(response, id);
                if (response.Headers.TryGetValue("Azure-AsyncOperation", out var operationUrl) && !string.IsNullOrEmpty(operationUrl))
                {
                    var outcome = await WaitForOperationAsync(new Uri(operationUrl), ArmResilience.RetryAfter(response), id, token);
                    if (outcome is { } failure)
                    {
                        if (failure.Code is "AnotherOperationInProgress" or "RetryableErrorDueToAnotherOperation")
                        {
                            // The write was refused because something else was changing the resource: try again.
                            await WaitAsync(ArmResilience.RetryAfter(response), token);
                            continue;
                        }

                        return Fail(WriteStatus.Failed, failure, id);
                    }
                }

                if (written["properties"] is JsonObject properties)
                {
                    properties["provisioningState"] = "Succeeded";
                }

                return WriteResult.Success(written);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return Fail(WriteStatus.Failed, new ArmErrorBody("OperationTimedOut", $"the write did not complete within ArmOperationTimeout {_settings.OperationTimeout:c}"), id);
        }
        catch (ArmAttemptTimeoutException ex)
        {
            return Fail(WriteStatus.Failed, new ArmErrorBody("RequestTimedOut", ex.Message), id);
        }
        catch (GatewayException ex)
        {
            return Fail(ex.Failure == GatewayFailure.Throttled ? WriteStatus.Throttled : WriteStatus.Failed, new ArmErrorBody(ex.ErrorCode ?? "RequestFailed", ex.Message), id);
        }
        finally
        {
            timer?.Dispose();
        }
    }

    /// <summary>
    /// POST an action whose answer is a long-running operation with its result at the Location header (ARM's
    /// final-state-via location, as effectiveRouteTable): the result, or null when ARM refused the action for this
    /// resource (a 4xx other than throttling: for effective routes, a NIC that is not attached to a running VM).
    /// Counted as a write, as ARM counts a POST; never urgent.
    /// </summary>
    /// <exception cref="GatewayException">The request failed (after retries), or the operation failed or did not end within ArmOperationTimeout.</exception>
    public async Task<JsonObject?> PostForResultAsync(string path, string apiVersion, string resourceId, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_settings.OperationTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var answer = await SendAsync(RequestMethod.Post, Url(path, apiVersion), resourceId, urgent: false, linked.Token);
            var response = answer.Response;
            if (response.Status is >= 400 and < 500 and not 429 and not 401 and not 403)
            {
                return null;
            }

            EnsureSuccess(response, resourceId);
            if (response.Status == 200)
            {
                return Parse(response, resourceId);
            }

            if (!response.Headers.TryGetValue("Location", out var location) || string.IsNullOrEmpty(location))
            {
                throw new GatewayException(GatewayFailure.Failed, resourceId, null, $"ARM answered HTTP {response.Status} without a Location to poll");
            }

            var retryAfter = ArmResilience.RetryAfter(response);
            while (true)
            {
                await WaitAsync(retryAfter, linked.Token);
                using var poll = await SendAsync(RequestMethod.Get, new Uri(location), resourceId, urgent: false, linked.Token);
                if (poll.Response.Status == 202)
                {
                    retryAfter = ArmResilience.RetryAfter(poll.Response);
                    continue;
                }

                if (poll.Response.Status is >= 400 and < 500 and not 429 and not 401 and not 403)
                {
                    return null;
                }

                EnsureSuccess(poll.Response, resourceId);
                return Parse(poll.Response, resourceId);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new GatewayException(GatewayFailure.Failed, resourceId, "OperationTimedOut", $"the operation did not complete within ArmOperationTimeout {_settings.OperationTimeout:c}");
        }
    }

    /// <summary>Cancels <paramref name="source"/> unless the operation it times has already ended and disposed it.</summary>
    private static void CancelQuietly(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The write ended as the timer fired.
        }
    }

    /// <summary>
    /// Polls an Azure-AsyncOperation URL, as often as its Retry-After says, until Succeeded (null), Failed or Canceled
    /// (the error). A poll that fails is polled again: the write may well have taken effect.
    /// </summary>
    private async Task<ArmErrorBody?> WaitForOperationAsync(Uri operationUrl, TimeSpan? retryAfter, string id, CancellationToken cancellationToken)
    {
        while (true)
        {
            await WaitAsync(retryAfter, cancellationToken);

            // The poll that confirms a failover's write is urgent: it never queues behind routine reads (discovery, say).
            var answer = await SendAsync(RequestMethod.Get, operationUrl, id, urgent: true, cancellationToken, throwOnFailure: false);
            using (answer)
            {
                var response = answer.Response;
                if (response.Status != 200)
                {
                    if (response.Status is 404 or 401 or 403)
                    {
                        var error = ArmErrorOf(response);
                        return new ArmErrorBody(error.Code, $"the status of the operation could not be read: {error.Message}");
                    }

                    retryAfter = ArmResilience.RetryAfter(response);
                    continue;
                }

                var body = Parse(response, id);
                var status = body["status"]?.GetValue<string>() ?? "";
                switch (status)
                {
                    case "Succeeded":
                        return null;
                    case "Failed" or "Canceled":
                        return new ArmErrorBody(
                            body["error"]?["code"]?.GetValue<string>() ?? status,
                            body["error"]?["message"]?.GetValue<string>() ?? $"the long-running operation ended {status}");
                    default:
                        retryAfter = ArmResilience.RetryAfter(response);
                        break;
                }
            }
        }
    }

    /// <summary>Waits as the service asked (x-ms-retry-after-ms, retry-after-ms, Retry-After), or ArmPollInterval, on the app's clock.</summary>
    private Task WaitAsync(TimeSpan? retryAfter, CancellationToken cancellationToken) =>
        Task.Delay(retryAfter ?? _settings.PollInterval, _time, cancellationToken);

    private async Task<HttpMessage> SendAsync(RequestMethod method, Uri uri, string resourceId, bool urgent, CancellationToken cancellationToken, bool throwOnFailure = true)
    {
        try
        {
            return await _resilience.SendAsync(_pipeline, resourceId, write: method != RequestMethod.Get, urgent, () => CreateMessage(method, uri), cancellationToken);
        }
        catch (ArmAttemptTimeoutException ex) when (throwOnFailure)
        {
            throw new GatewayException(GatewayFailure.Failed, resourceId, "RequestTimedOut", ex.Message, ex);
        }
        catch (RequestFailedException ex) when (throwOnFailure)
        {
            throw new GatewayException(ex.Status == 0 ? GatewayFailure.Unreachable : GatewayFailure.Failed, resourceId, ex.ErrorCode, _connection.DescribeFailure(ex), ex);
        }
        catch (Exception ex) when (!throwOnFailure && ex is ArmAttemptTimeoutException or RequestFailedException)
        {
            // A poll that could not be made is made again after the poll interval.
            await Task.Delay(_settings.PollInterval, _time, cancellationToken);
            return await SendAsync(method, uri, resourceId, urgent, cancellationToken, throwOnFailure);
        }
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
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or ArgumentException)
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
