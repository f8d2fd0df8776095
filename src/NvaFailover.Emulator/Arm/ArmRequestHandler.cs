using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NvaFailover.Emulator.Faults;
using static NvaFailover.Emulator.Arm.ArmJson;

namespace NvaFailover.Emulator.Arm;

/// <summary>Serves the ARM subset: parses the path, checks auth and api-version, applies faults, throttling and latency, logs.</summary>
internal sealed partial class ArmRequestHandler(ArmStore store, Throttle throttle, FaultInjector faults, Action<RequestRecord> log, Func<TimeSpan, TimeSpan> toRealTime, int pageSize, IReadOnlyList<string> grantedActions, IReadOnlyList<string> unregisteredProviders)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var route = ArmRoute.Parse(request.Method, request.Path.Value ?? "/");
        var status = 500;
        try
        {
            status = await ServeAsync(context, route);
        }
        catch (ArmError error)
        {
            status = await WriteErrorAsync(context, error);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            status = 499;
        }
        finally
        {
            log(new RequestRecord(store.Time.GetUtcNow(), request.Method, route.Template, route.Operation, status,
                request.Headers.IfMatch.Count > 0, route.Actions, route.Subscription, route.ResourceId)
            { Client = request.Headers.TryGetValue(RequestRecord.ClientHeader, out var client) ? client.ToString() : null });
        }
    }

    private async Task<int> ServeAsync(HttpContext context, ArmRoute route)
    {
        var request = context.Request;
        if (!request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer authorization_uri=\"https://login.microsoftonline.com/common\", error=\"invalid_token\", error_description=\"The authentication failed because of missing 'Authorization' header.\"";
            throw new ArmError(HttpStatusCode.Unauthorized, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.");
        }

        if (route.Kind == RouteKind.Unsupported)
        {
            throw new ArmError(HttpStatusCode.NotFound, "NotSupportedByEmulator",
                $"The ARM emulator does not serve {request.Method} {request.Path}. It serves route tables, routes, network interfaces, public IPs, virtual machines, tag queries and operation status.");
        }

        if (string.IsNullOrEmpty(request.Query["api-version"]))
        {
            throw ArmError.BadRequest("MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.");
        }

        if (route.Kind == RouteKind.Permissions)
        {
            return await OkAsync(context, new JsonObject
            {
                ["value"] = new JsonArray(new JsonObject
                {
                    ["actions"] = new JsonArray([.. grantedActions.Select(a => (JsonNode)a)]),
                    ["notActions"] = new JsonArray(),
                }),
            });
        }

        var write = request.Method is "PUT" or "POST" or "PATCH" or "DELETE";
        if (faults.Hit(Faultable(route, write)) is { } fault)
        {
            await FailAsync(context, fault, route);
        }

        if (route.Subscription is { } subscription)
        {
            var (allowed, remaining, wait) = throttle.Take(subscription, write);
            if (!allowed)
            {
                throw new ArmError((HttpStatusCode)429, "SubscriptionRequestsThrottled",
                    $"Number of '{(write ? "write" : "read")}' requests for subscription '{subscription}' exceeded. Please try again after '{Math.Ceiling(wait.TotalSeconds)}' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling")
                { RetryAfter = wait };
            }

            context.Response.Headers[write ? "x-ms-ratelimit-remaining-subscription-writes" : "x-ms-ratelimit-remaining-subscription-reads"] = remaining.ToString(CultureInfo.InvariantCulture);
        }

        context.Response.Headers["x-ms-request-id"] = Guid.NewGuid().ToString();
        var latency = toRealTime(store.Behaviour.ReadLatency);
        if (latency > TimeSpan.Zero)
        {
            await Task.Delay(latency, TimeProvider.System, context.RequestAborted);
        }

        var baseUri = $"{request.Scheme}://{request.Host}";
        if (request.Method == "PUT" && route.Kind == RouteKind.Resource)
        {
            var sent = await ReadBodyAsync(context);
            route.AddLinkedActions(sent);
            Authorize(route);
            return await PutResourceAsync(context, route, sent, baseUri);
        }

        Authorize(route);
        return route.Kind switch
        {
            RouteKind.Subscriptions => await OkAsync(context, new JsonObject
            {
                ["value"] = new JsonArray([.. store.Subscriptions().Select(s => (JsonNode)new JsonObject
                {
                    ["id"] = $"/subscriptions/{s}",
                    ["subscriptionId"] = s,
                    ["displayName"] = $"Emulated subscription {s}",
                    ["state"] = "Enabled",
                })]),
            }),
            RouteKind.Resources => await ListResourcesAsync(context, route, baseUri),
            RouteKind.RouteTableList => await OkAsync(context, new JsonObject
            {
                ["value"] = new JsonArray([.. store.List(route.Subscription!, "routeTables").Select(t => (JsonNode)t)]),
            }),
            RouteKind.VirtualMachineList => await OkAsync(context, Page(context, baseUri, [.. store.List(route.Subscription!, "virtualMachines").Select(vm =>
                string.Equals(context.Request.Query["statusOnly"], "true", StringComparison.OrdinalIgnoreCase) ? StatusOnly(vm) : vm)])),
            RouteKind.OperationStatus => await OperationStatusAsync(context, route, baseUri),
            RouteKind.Resource => await ResourceAsync(context, route, baseUri),
            RouteKind.Route => await RouteAsync(context, route, baseUri),
            RouteKind.InstanceView => await OkAsync(context, InstanceView(route.ResourceId!)),
            RouteKind.VirtualMachineAction => Accepted(context, store.PowerAction(route.ResourceId!, route.Action!), baseUri),
            RouteKind.EffectiveRoutes => Accepted(context, store.StartEffectiveRoutes(route.ResourceId!), baseUri),
            RouteKind.Provider => await OkAsync(context, new JsonObject
            {
                ["id"] = $"/subscriptions/{route.Subscription}/providers/{route.ChildName}",
                ["namespace"] = route.ChildName,
                ["registrationState"] = unregisteredProviders.Contains(route.ChildName!, StringComparer.OrdinalIgnoreCase) ? "NotRegistered" : "Registered",
            }),
            _ => throw new InvalidOperationException(route.Kind.ToString()),
        };
    }

    private async Task<int> ResourceAsync(HttpContext context, ArmRoute route, string baseUri)
    {
        var id = route.ResourceId!;
        if (context.Request.Method == "GET")
        {
            var body = store.Get(id, route.ResourceType!);
            if (route.ResourceType == "virtualMachines" && string.Equals(context.Request.Query["$expand"], "instanceView", StringComparison.OrdinalIgnoreCase))
            {
                ((JsonObject)body["properties"]!)["instanceView"] = InstanceView(id);
            }

            return await OkAsync(context, body);
        }

        throw new InvalidOperationException("PUT is served by PutResourceAsync.");
    }

    private async Task<int> PutResourceAsync(HttpContext context, ArmRoute route, JsonObject sent, string baseUri)
    {
        var (stored, created, operation) = store.Put(route.ResourceId!, route.ResourceType!, sent, IfMatch(context), faults.Hit(Faultable(route, write: true), operationFailuresOnly: true) is { } f ? OperationFailure(f) : null);
        AsyncOperationHeaders(context, operation, baseUri);
        return await WriteJsonAsync(context, created ? 201 : 200, stored);
    }

    /// <summary>Refuses a request that needs an action the caller does not hold, the way ARM does.</summary>
    private void Authorize(ArmRoute route)
    {
        var scope = route.ResourceId ?? (route.Subscription is null ? "/" : $"/subscriptions/{route.Subscription}");
        for (var i = 0; i < route.Actions.Count; i++)
        {
            var action = route.Actions[i];
            if (grantedActions.Any(granted => Grants(granted, action)))
            {
                continue;
            }

            throw i == 0
                ? new ArmError(HttpStatusCode.Forbidden, "AuthorizationFailed",
                    $"The client 'nvafailover' with object id '00000000-0000-0000-0000-000000000000' does not have authorization to perform action '{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.")
                : new ArmError(HttpStatusCode.Forbidden, "LinkedAuthorizationFailed",
                    $"The client has permission to perform action '{route.Actions[0]}' on scope '{scope}', however it does not have permission to perform action(s) '{action}' on the linked scope(s).");
        }
    }

    /// <summary>Role-definition wildcard matching: '*' matches any run of characters, case-insensitively.</summary>
    internal static bool Grants(string granted, string action) =>
        Regex.IsMatch(action, "^" + Regex.Escape(granted).Replace("\\*", ".*", StringComparison.Ordinal) + "$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    private async Task<int> RouteAsync(HttpContext context, ArmRoute route, string baseUri)
    {
        if (context.Request.Method == "GET")
        {
            return await OkAsync(context, store.GetRoute(route.ResourceId!, route.ChildName!));
        }

        var sent = await ReadBodyAsync(context);
        var (stored, created, operation) = store.PutRoute(route.ResourceId!, route.ChildName!, sent, IfMatch(context), faults.Hit(Faultable(route, write: true), operationFailuresOnly: true) is { } f ? OperationFailure(f) : null);
        AsyncOperationHeaders(context, operation, baseUri);
        return await WriteJsonAsync(context, created ? 201 : 200, stored);
    }

    private async Task<int> ListResourcesAsync(HttpContext context, ArmRoute route, string baseUri)
    {
        var filter = context.Request.Query["$filter"].ToString();
        string? tagName = null, tagValue = null, resourceType = null;
        if (filter.Length > 0)
        {
            var match = FilterPattern().Match(filter);
            if (!match.Success)
            {
                throw ArmError.BadRequest("InvalidFilterInQueryString",
                    $"The $filter '{filter}' is not supported by the emulator; use tagName eq 'name' [and tagValue eq 'value'] or resourceType eq 'type'.");
            }

            tagName = match.Groups["name"].Success ? Unquote(match.Groups["name"].Value) : null;
            tagValue = match.Groups["value"].Success ? Unquote(match.Groups["value"].Value) : null;
            resourceType = match.Groups["type"].Success ? Unquote(match.Groups["type"].Value) : null;
        }

        var all = store.List(route.Subscription!, null, body =>
            (resourceType is null || string.Equals(Str(body, "type"), resourceType, StringComparison.OrdinalIgnoreCase))
            && (tagName is null || (body["tags"] as JsonObject ?? []).Any(t => t.Key.Equals(tagName, StringComparison.OrdinalIgnoreCase)
                && (tagValue is null || string.Equals(t.Value?.GetValue<string>(), tagValue, StringComparison.OrdinalIgnoreCase)))));
        var items = all.Select(b =>
        {
            var item = new JsonObject
            {
                ["id"] = Str(b, "id"),
                ["name"] = Str(b, "name"),
                ["type"] = Str(b, "type"),
                ["location"] = Str(b, "location"),
            };

            // As in Azure: when filtering by tag name and value, tags are not returned.
            if (tagValue is null && b["tags"] is { } tags)
            {
                item["tags"] = tags.DeepClone();
            }

            return item;
        }).ToList();
        var result = Page(context, baseUri, items);
        return await OkAsync(context, result);
    }

    /// <summary>
    /// One page of a list, as ARM pages: at most the emulator's page size (or a smaller <c>$top</c>), and a <c>nextLink</c>
    /// that carries the query with a <c>$skiptoken</c> while more remain.
    /// </summary>
    private JsonObject Page(HttpContext context, string baseUri, List<JsonObject> all)
    {
        var top = int.TryParse(context.Request.Query["$top"], NumberStyles.None, CultureInfo.InvariantCulture, out var t) && t > 0 ? Math.Min(t, pageSize) : pageSize;
        var skip = int.TryParse(context.Request.Query["$skiptoken"], NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : 0;
        var result = new JsonObject { ["value"] = new JsonArray([.. all.Skip(skip).Take(top)]) };
        if (skip + top < all.Count)
        {
            var query = context.Request.Query.Where(q => q.Key != "$skiptoken").Select(q => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(q.Value.ToString())}");
            result["nextLink"] = $"{baseUri}{context.Request.Path}?{string.Join("&", query)}&$skiptoken={skip + top}";
        }

        return result;
    }

    /// <summary>A VM as List All with <c>statusOnly=true</c> gives it: its identity and its run-time status only.</summary>
    private JsonObject StatusOnly(JsonObject vm)
    {
        var id = Str(vm, "id")!;
        return new JsonObject
        {
            ["id"] = id,
            ["name"] = Str(vm, "name"),
            ["type"] = Str(vm, "type"),
            ["location"] = Str(vm, "location"),
            ["properties"] = new JsonObject { ["instanceView"] = InstanceView(id) },
        };
    }

    private async Task<int> OperationStatusAsync(HttpContext context, ArmRoute route, string baseUri)
    {
        var (status, error, remaining) = store.OperationStatus(route.ChildName!);
        var monitor = string.Equals(context.Request.Query["monitor"], "true", StringComparison.OrdinalIgnoreCase);
        if (status == "InProgress")
        {
            SetRetryAfter(context, Clamp(remaining));
        }

        if (monitor)
        {
            if (status == "InProgress")
            {
                context.Response.Headers.Location = $"{baseUri}{context.Request.Path}{context.Request.QueryString}";
                context.Response.StatusCode = 202;
                return 202;
            }

            if (error is not null)
            {
                return await WriteErrorAsync(context, error);
            }

            if (store.OperationResult(route.ChildName!) is { } result)
            {
                return await OkAsync(context, result);
            }

            context.Response.StatusCode = 200;
            return 200;
        }

        var body = new JsonObject { ["name"] = route.ChildName, ["status"] = status };
        if (error is not null)
        {
            body["error"] = error.ToJson()["error"]!.DeepClone();
        }

        return await OkAsync(context, body);
    }

    private JsonObject InstanceView(string vmId)
    {
        var power = store.VirtualMachineState(vmId).Power;
        return new JsonObject
        {
            ["computerName"] = vmId[(vmId.LastIndexOf('/') + 1)..],
            ["statuses"] = new JsonArray(
                new JsonObject { ["code"] = "ProvisioningState/succeeded", ["level"] = "Info", ["displayStatus"] = "Provisioning succeeded" },
                new JsonObject { ["code"] = $"PowerState/{power}", ["level"] = "Info", ["displayStatus"] = $"VM {power}" }),
        };
    }

    private int Accepted(HttpContext context, Operation operation, string baseUri)
    {
        var url = operation.StatusUrl(baseUri);
        context.Response.Headers.Location = url.Replace("?", "?monitor=true&", StringComparison.Ordinal);
        context.Response.Headers["Azure-AsyncOperation"] = url;
        SetRetryAfter(context, Clamp(operation.CompletesAt - store.Time.GetUtcNow()));
        context.Response.StatusCode = 202;
        return 202;
    }

    private void AsyncOperationHeaders(HttpContext context, Operation operation, string baseUri)
    {
        context.Response.Headers["Azure-AsyncOperation"] = operation.StatusUrl(baseUri);
        SetRetryAfter(context, Clamp(operation.CompletesAt - store.Time.GetUtcNow()));
    }

    /// <summary>Tells the client when to come back: an operation's remaining time, at least 1 s and at most 10 s (as Azure).</summary>
    private static TimeSpan Clamp(TimeSpan remaining) =>
        remaining < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : remaining > TimeSpan.FromSeconds(10) ? TimeSpan.FromSeconds(10) : remaining;

    /// <summary>
    /// Retry-After in scenario time, as ARM states it in its own time: NvaFailover waits on the app's clock, which a
    /// rehearsal scales exactly as the emulator's, so the wait is right at any speed.
    /// </summary>
    private static void SetRetryAfter(HttpContext context, TimeSpan scenarioTime)
    {
        context.Response.Headers.RetryAfter = Math.Max(0, Math.Ceiling(scenarioTime.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        context.Response.Headers["x-ms-retry-after-ms"] = Math.Max(1, Math.Ceiling(scenarioTime.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture);
    }

    private static FaultableRequest Faultable(ArmRoute route, bool write) => new(route.Operation, route.Subscription, route.ResourceId, write);

    private static async Task FailAsync(HttpContext context, FaultWindow fault, ArmRoute route)
    {
        if (fault.Status == 0)
        {
            // A request that never answers: hold it until the client gives up.
            await Task.Delay(Timeout.InfiniteTimeSpan, TimeProvider.System, context.RequestAborted);
        }

        var scope = route.ResourceId ?? (route.Subscription is null ? "/" : $"/subscriptions/{route.Subscription}");
        throw fault.Status switch
        {
            429 => new ArmError((HttpStatusCode)429, "TooManyRequests", "The request is being throttled (injected fault).") { RetryAfter = fault.RetryAfter },
            409 => new ArmError(HttpStatusCode.Conflict, "AnotherOperationInProgress", "Another operation on this or dependent resource is in progress (injected fault).") { RetryAfter = fault.RetryAfter },
            503 => new ArmError(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", "The service is temporarily unavailable (injected fault).") { RetryAfter = fault.RetryAfter },
            403 => new ArmError(HttpStatusCode.Forbidden, "AuthorizationFailed",
                $"The client 'nvafailover' with object id '00000000-0000-0000-0000-000000000000' does not have authorization to perform action '{(route.Actions.Count > 0 ? route.Actions[0] : route.Operation)}' over scope '{scope}' or the scope is invalid (injected fault)."),
            _ => new ArmError(HttpStatusCode.InternalServerError, "InternalServerError", "An error occurred (injected fault)."),
        };
    }

    private static ArmError OperationFailure(FaultWindow fault) =>
        new(HttpStatusCode.InternalServerError, "InternalServerError", "The long-running operation failed (injected fault).");

    private static string? IfMatch(HttpContext context) =>
        context.Request.Headers.IfMatch.Count > 0 ? context.Request.Headers.IfMatch.ToString() : null;

    private static async Task<JsonObject> ReadBodyAsync(HttpContext context)
    {
        try
        {
            return await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted) as JsonObject
                ?? throw ArmError.BadRequest("InvalidRequestContent", "The request content must be a JSON object.");
        }
        catch (JsonException ex)
        {
            throw ArmError.BadRequest("InvalidRequestContent", $"The request content was invalid and could not be deserialized: '{ex.Message}'.");
        }
    }

    private static async Task<int> WriteErrorAsync(HttpContext context, ArmError error)
    {
        if (error.RetryAfter is { } wait)
        {
            SetRetryAfter(context, wait);
        }

        return await WriteJsonAsync(context, (int)error.Status, error.ToJson());
    }

    private static Task<int> OkAsync(HttpContext context, JsonObject body) => WriteJsonAsync(context, 200, body);

    private static async Task<int> WriteJsonAsync(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString(Json));
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
        return status;
    }

    private static string Unquote(string value) => value.Replace("''", "'", StringComparison.Ordinal);

    [GeneratedRegex(@"^\s*(?:tagName\s+eq\s+'(?<name>(?:[^']|'')*)'(?:\s+and\s+tagValue\s+eq\s+'(?<value>(?:[^']|'')*)')?|resourceType\s+eq\s+'(?<type>(?:[^']|'')*)')\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex FilterPattern();
}
