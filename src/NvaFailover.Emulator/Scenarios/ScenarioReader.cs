using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace NvaFailover.Emulator.Scenarios;

/// <summary>Reads a scenario file and checks it, reporting every problem with its JSON path.</summary>
internal static partial class ScenarioReader
{
    /// <summary>The longest scenario (and fault) a rehearsal runs.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(1);

    /// <summary>Reads and checks a scenario file.</summary>
    /// <exception cref="ScenarioException">The file cannot be read or is invalid; the message names the file, the JSON path and the problem.</exception>
    public static Scenario Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ScenarioException(path, [new ScenarioProblem("$", $"cannot be read: {ex.Message}")]);
        }

        return Parse(text, path);
    }

    /// <summary>Parses and checks scenario JSON; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="ScenarioException">The JSON is invalid.</exception>
    public static Scenario Parse(string json, string source)
    {
        JsonNode? root;
        try
        {
            root = ParseJson(json);
        }
        catch (JsonException ex)
        {
            throw new ScenarioException(source, [new ScenarioProblem(ex.Path ?? "$", $"is not valid JSON: {ex.Message}")]);
        }

        var problems = new List<ScenarioProblem>();
        if (root is not JsonObject obj)
        {
            throw new ScenarioException(source, [new ScenarioProblem("$", "must be a JSON object with name, topology, settings, timeline and duration")]);
        }

        Known(obj, "$", problems, "name", "description", "topology", "settings", "arm", "timeline", "duration", "watchers");
        var name = ReadString(obj, "name", "$.name", problems, required: true) ?? "";
        var topology = obj["topology"] as JsonObject;
        if (topology is null)
        {
            problems.Add(new("$.topology", "is required: an object with virtualMachines, publicIPAddresses and routeTables"));
            topology = [];
        }
        else
        {
            CheckTopology(topology, "$.topology", problems);
        }

        var settings = obj["settings"];
        if (settings is not null and not JsonObject)
        {
            problems.Add(new("$.settings", "must be an object: the NvaFailover settings section"));
        }

        var arm = ReadArm(obj["arm"], problems);
        var timeline = ReadTimeline(obj["timeline"], topology, problems);
        var duration = ReadDuration(obj, "duration", "$.duration", problems)
            ?? (timeline.Count == 0 ? TimeSpan.FromMinutes(5) : timeline[^1].At + TimeSpan.FromMinutes(2));
        if (duration > MaxDuration)
        {
            problems.Add(new("$.duration", $"{duration:c} is longer than a scenario can be ({MaxDuration:c}); rehearse a day at most"));
        }

        foreach (var late in timeline.Where(e => e.At > duration))
        {
            problems.Add(new(late.Path + ".at", $"{late.At:c} is after the scenario's duration {duration:c}"));
        }

        var watchers = 1;
        if (obj["watchers"] is { } w)
        {
            if (w.GetValueKind() == JsonValueKind.Number && w.AsValue().TryGetValue<int>(out var n) && n is 1 or 2)
            {
                watchers = n;
            }
            else
            {
                problems.Add(new("$.watchers", "must be 1 or 2: how many failover hosts run at once (two share the settings' witness)"));
            }
        }

        foreach (var kill in timeline.Where(e => e.Do == "killWatcher" && e.Data["watcher"] is not null))
        {
            var which = kill.Data["watcher"]!;
            var leader = which.GetValueKind() == JsonValueKind.String && which.GetValue<string>() == "leader";
            if (!leader && (which.GetValueKind() != JsonValueKind.Number || !which.AsValue().TryGetValue<int>(out var k) || k < 1 || k > watchers))
            {
                problems.Add(new(kill.Path + ".watcher", $"must be the number of a watcher the scenario runs (1{(watchers > 1 ? " or 2" : "")}; set \"watchers\": 2 to run two), or \"leader\": the one leading most clusters then"));
            }
        }

        if (problems.Count > 0)
        {
            throw new ScenarioException(source, problems);
        }

        return Scenario.Create(name, topology, settings as JsonObject, arm, timeline, duration, watchers);
    }

    /// <summary>JSON as a scenario is read: comments and trailing commas allowed, a key twice in one object refused.</summary>
    /// <exception cref="JsonException">The text is not valid JSON, or an object names a key twice.</exception>
    internal static JsonNode? ParseJson(string json) =>
        JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, AllowDuplicateProperties = false });

    /// <summary>A topology's own keys and every resource in it, as the emulator would refuse them.</summary>
    internal static void CheckTopology(JsonObject topology, string path, List<ScenarioProblem> problems)
    {
        Known(topology, path, problems, "virtualMachines", "publicIPAddresses", "routeTables", "subnets", "virtualNetworks");
        TopologyValidation.Check(topology, problems);
    }

    /// <summary>A problem for each key of <paramref name="obj"/> that is none of <paramref name="keys"/>: a misspelled key is never silently ignored.</summary>
    internal static void Known(JsonObject obj, string path, List<ScenarioProblem> problems, params string[] keys)
    {
        foreach (var (key, _) in obj)
        {
            if (!keys.Contains(key, StringComparer.Ordinal))
            {
                var near = keys.FirstOrDefault(k => Distance(k.ToUpperInvariant(), key.ToUpperInvariant()) <= 2);
                problems.Add(new($"{path}.{key}", $"is not a key here{(near is null ? "" : $" (did you mean '{near}'?)")}; the keys are {string.Join(", ", keys)}"));
            }
        }
    }

    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var previous = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var current = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), previous + (a[i - 1] == b[j - 1] ? 0 : 1));
                previous = current;
            }
        }

        return row[b.Length];
    }

    private static ArmBehaviour ReadArm(JsonNode? node, List<ScenarioProblem> problems)
    {
        var arm = new ArmBehaviour();
        if (node is null)
        {
            return arm;
        }

        if (node is not JsonObject obj)
        {
            problems.Add(new("$.arm", "must be an object with latency and writesPerFiveMinutes"));
            return arm;
        }

        Known(obj, "$.arm", problems, "latency", "writesPerFiveMinutes");
        if (obj["latency"] is JsonObject latency)
        {
            Known(latency, "$.arm.latency", problems, "read", "routeTableWrite", "networkInterfaceWrite", "virtualMachineAction");
            arm = arm with
            {
                ReadLatency = ReadDuration(latency, "read", "$.arm.latency.read", problems) ?? arm.ReadLatency,
                RouteTableWriteLatency = ReadDuration(latency, "routeTableWrite", "$.arm.latency.routeTableWrite", problems) ?? arm.RouteTableWriteLatency,
                NetworkInterfaceWriteLatency = ReadDuration(latency, "networkInterfaceWrite", "$.arm.latency.networkInterfaceWrite", problems) ?? arm.NetworkInterfaceWriteLatency,
                VirtualMachineActionLatency = ReadDuration(latency, "virtualMachineAction", "$.arm.latency.virtualMachineAction", problems) ?? arm.VirtualMachineActionLatency,
                EffectiveRoutesLatency = ReadDuration(latency, "effectiveRoutes", "$.arm.latency.effectiveRoutes", problems) ?? arm.EffectiveRoutesLatency,
            };
        }

        if (obj["writesPerFiveMinutes"] is { } writes)
        {
            if (writes.GetValueKind() == JsonValueKind.Number && writes.GetValue<double>() is var w && w >= 1 && w == Math.Floor(w))
            {
                arm = arm with { WritesPerFiveMinutes = (int)w };
            }
            else
            {
                problems.Add(new("$.arm.writesPerFiveMinutes", "must be a whole number of 1 or more"));
            }
        }

        return arm;
    }

    private static List<TimelineEvent> ReadTimeline(JsonNode? node, JsonObject topology, List<ScenarioProblem> problems)
    {
        var events = new List<TimelineEvent>();
        if (node is null)
        {
            return events;
        }

        if (node is not JsonArray array)
        {
            problems.Add(new("$.timeline", "must be an array of events"));
            return events;
        }

        string[] NamesOf(string collection, string? nested = null) =>
            [.. (topology[collection] as JsonArray ?? []).OfType<JsonObject>()
                .SelectMany(o => nested is null ? [o] : (o[nested] as JsonArray ?? []).OfType<JsonObject>())
                .Select(o => o["id"]?.GetValueKind() == JsonValueKind.String ? o["id"]!.GetValue<string>() : "")
                .Select(id => id[(id.LastIndexOf('/') + 1)..])];
        var vms = NamesOf("virtualMachines");
        var tables = NamesOf("routeTables");
        var nics = NamesOf("virtualMachines", "networkInterfaces");
        var subscriptions = SubscriptionsOf(topology);

        for (var i = 0; i < array.Count; i++)
        {
            var path = $"$.timeline[{i}]";
            if (array[i] is not JsonObject e)
            {
                problems.Add(new(path, "must be an object with at and do"));
                continue;
            }

            var at = ReadDuration(e, "at", $"{path}.at", problems);
            if (at is null && e["at"] is null)
            {
                problems.Add(new($"{path}.at", "is required: the scenario time of the event, hh:mm:ss"));
            }

            var action = ReadString(e, "do", $"{path}.do", problems, required: true);
            if (action is not null && !Scenario.Actions.Contains(action))
            {
                problems.Add(new($"{path}.do", $"'{action}' is not one of {string.Join(", ", Scenario.Actions)}"));
                continue;
            }

            Known(e, path, problems, [.. EventKeys(action)]);
            switch (action)
            {
                case "powerOff" or "start" or "deallocate" or "probeDown" or "probeUp" or "stopForwarding" or "startForwarding":
                    NameOf(e, "vm", path, vms, "virtualMachines", problems);
                    break;
                case "editRoute":
                    var table = NameOf(e, "routeTable", path, tables, "routeTables", problems);
                    var route = ReadString(e, "route", $"{path}.route", problems, required: true);
                    if (table is not null && route is not null && RoutesOf(topology, table) is { } routes && !routes.Contains(route, StringComparer.OrdinalIgnoreCase))
                    {
                        problems.Add(new($"{path}.route", $"'{route}' is not a route of {table} (its routes: {string.Join(", ", routes)})"));
                    }

                    var ip = ReadString(e, "nextHopIpAddress", $"{path}.nextHopIpAddress", problems, required: true);
                    if (ip is not null && !IPAddress.TryParse(ip, out _))
                    {
                        problems.Add(new($"{path}.nextHopIpAddress", $"'{ip}' is not an IP address"));
                    }

                    break;
                case "untagRouteTable" or "deleteRouteTable":
                    NameOf(e, "routeTable", path, tables, "routeTables", problems);
                    break;
                case "killWatcher":
                    if (ReadDuration(e, "downFor", $"{path}.downFor", problems) is null && e["downFor"] is null)
                    {
                        problems.Add(new($"{path}.downFor", "is required: how long the failover host stays down before a new one starts, hh:mm:ss"));
                    }

                    break;
                case "editNic":
                    NameOf(e, "nic", path, nics, "networkInterfaces", problems);
                    if (e["tags"] is not JsonObject tags || tags.Any(t => t.Value?.GetValueKind() != JsonValueKind.String))
                    {
                        problems.Add(new($"{path}.tags", "is required: an object of string tags to set on the NIC, for example { \"owner\": \"netops\" }"));
                    }

                    break;
                case "switchover":
                    ReadString(e, "cluster", $"{path}.cluster", problems, required: true);
                    ReadString(e, "to", $"{path}.to", problems, required: true);
                    break;
                case "armFaults":
                    var status = e["status"];
                    var ok = status?.GetValueKind() switch
                    {
                        JsonValueKind.Number => status.AsValue().TryGetValue<int>(out var code) && code is 429 or 500 or 503 or 409 or 403,
                        JsonValueKind.String => status.GetValue<string>() == "timeout",
                        _ => false,
                    };
                    if (!ok)
                    {
                        problems.Add(new($"{path}.status", "must be 429, 500, 503, 409, 403 or \"timeout\""));
                    }

                    FaultTargetOf(e, path, subscriptions, [.. vms, .. tables, .. nics, .. NamesOf("publicIPAddresses")], problems);
                    if (ReadDuration(e, "retryAfter", $"{path}.retryAfter", problems) is { } retryAfter)
                    {
                        if (ok && status!.GetValueKind() == JsonValueKind.Number && status.GetValue<int>() is not (429 or 503 or 409))
                        {
                            problems.Add(new($"{path}.retryAfter", $"only a 429, 503 or 409 says Retry-After, not a {status.GetValue<int>()}"));
                        }
                        else if (retryAfter <= TimeSpan.Zero || retryAfter > TimeSpan.FromMinutes(10))
                        {
                            problems.Add(new($"{path}.retryAfter", $"{retryAfter:c} must be more than 0 and at most 00:10:00"));
                        }
                    }

                    var p = e["probability"];
                    if (p?.GetValueKind() != JsonValueKind.Number || p.GetValue<double>() is < 0 or > 1)
                    {
                        problems.Add(new($"{path}.probability", "must be a number from 0 to 1"));
                    }

                    if (ReadDuration(e, "for", $"{path}.for", problems) is not { } lasts)
                    {
                        if (e["for"] is null)
                        {
                            problems.Add(new($"{path}.for", "is required: how long the faults last, hh:mm:ss"));
                        }
                    }
                    else if (lasts > MaxDuration)
                    {
                        problems.Add(new($"{path}.for", $"{lasts:c} is longer than a scenario can be ({MaxDuration:c})"));
                    }

                    break;
                default:
                    break;
            }

            if (at is not null && action is not null)
            {
                events.Add(new TimelineEvent(at.Value, action, e, path));
            }
        }

        return [.. events.OrderBy(e => e.At)];
    }

    /// <summary>The keys an event of <paramref name="action"/> may have.</summary>
    private static IEnumerable<string> EventKeys(string? action) =>
        ["at", "do", .. action switch
        {
            "powerOff" or "start" or "deallocate" or "probeDown" or "probeUp" or "stopForwarding" or "startForwarding" => ["vm"],
            "editRoute" => ["routeTable", "route", "nextHopIpAddress"],
            "editNic" => ["nic", "tags"],
            "untagRouteTable" or "deleteRouteTable" => ["routeTable"],
            "killWatcher" => ["downFor", "watcher"],
            "switchover" => ["cluster", "to"],
            "armFaults" => ["status", "probability", "for", "operation", "subscription", "resource", "retryAfter"],
            _ => Array.Empty<string>(),
        }];

    /// <summary>
    /// Checks an armFaults event's optional target: <c>operation</c> ("METHOD resourceType", as the report's
    /// <c>arm.byOperation</c> names it), <c>subscription</c> (one of the topology's) and <c>resource</c> (a topology
    /// resource's name).
    /// </summary>
    private static void FaultTargetOf(JsonObject e, string path, string[] subscriptions, string[] names, List<ScenarioProblem> problems)
    {
        if (ReadString(e, "operation", $"{path}.operation", problems, required: false) is { } operation
            && !OperationPattern().IsMatch(operation))
        {
            problems.Add(new($"{path}.operation", $"'{operation}' is not an operation: write the method and the resource type's last segment, as the report's arm.byOperation does, for example \"PUT networkInterfaces\" or \"GET virtualMachines\""));
        }

        if (ReadString(e, "subscription", $"{path}.subscription", problems, required: false) is { } subscription
            && !subscriptions.Contains(subscription, StringComparer.OrdinalIgnoreCase))
        {
            problems.Add(new($"{path}.subscription", $"'{subscription}' is not a subscription of the topology ({string.Join(", ", subscriptions)})"));
        }

        if (ReadString(e, "resource", $"{path}.resource", problems, required: false) is { } resource
            && !names.Contains(resource, StringComparer.OrdinalIgnoreCase))
        {
            problems.Add(new($"{path}.resource", $"'{resource}' is not the name of a resource of the topology (a VM, NIC, route table or public IP)"));
        }
    }

    /// <summary>The subscriptions the topology's resource ids name.</summary>
    private static string[] SubscriptionsOf(JsonObject topology) =>
        [.. topology.Select(c => c.Value).OfType<JsonArray>().SelectMany(a => a.OfType<JsonObject>())
            .Select(o => o["id"]?.GetValueKind() == JsonValueKind.String ? o["id"]!.GetValue<string>().Split('/') : [])
            .Where(s => s.Length > 2 && s[1].Equals("subscriptions", StringComparison.OrdinalIgnoreCase))
            .Select(s => s[2]).Distinct(StringComparer.OrdinalIgnoreCase)];

    [GeneratedRegex("^(GET|PUT|POST|PATCH|DELETE) [A-Za-z]+$", RegexOptions.CultureInvariant)]
    private static partial Regex OperationPattern();

    /// <summary>The route names of the table named <paramref name="tableName"/>; null when it is not in the topology.</summary>
    private static string[]? RoutesOf(JsonObject topology, string tableName) =>
        (topology["routeTables"] as JsonArray ?? []).OfType<JsonObject>()
            .FirstOrDefault(t => t["id"]?.GetValueKind() == JsonValueKind.String && t["id"]!.GetValue<string>().EndsWith($"/{tableName}", StringComparison.OrdinalIgnoreCase))
            ?["routes"] is JsonArray routes
            ? [.. routes.OfType<JsonObject>().Select(r => r["name"]?.GetValueKind() == JsonValueKind.String ? r["name"]!.GetValue<string>() : "")]
            : null;

    /// <summary>The event's name of a topology resource, when it names one (else a problem).</summary>
    private static string? NameOf(JsonObject e, string key, string path, string[] known, string collection, List<ScenarioProblem> problems)
    {
        var name = ReadString(e, key, $"{path}.{key}", problems, required: true);
        if (name is not null && !known.Contains(name, StringComparer.OrdinalIgnoreCase))
        {
            problems.Add(new($"{path}.{key}", $"'{name}' is not the name of one of the topology's {collection} ({string.Join(", ", known)})"));
            return null;
        }

        return name;
    }

    internal static IEnumerable<(JsonObject Item, string Path)> Items(JsonObject parent, string key, string parentPath, List<ScenarioProblem> problems)
    {
        var node = parent[key];
        if (node is null)
        {
            yield break;
        }

        if (node is not JsonArray array)
        {
            problems.Add(new($"{parentPath}.{key}", "must be an array"));
            yield break;
        }

        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is JsonObject item)
            {
                yield return (item, $"{parentPath}.{key}[{i}]");
            }
            else
            {
                problems.Add(new($"{parentPath}.{key}[{i}]", "must be an object"));
            }
        }
    }

    internal static string? Id(JsonObject item, string path, string ns, string type, List<ScenarioProblem> problems)
    {
        var id = ReadString(item, "id", $"{path}.id", problems, required: true);
        if (id is null)
        {
            return null;
        }

        var parts = id.Split('/');
        if (parts.Length != 9 || parts[1] != "subscriptions" || !parts[3].Equals("resourceGroups", StringComparison.OrdinalIgnoreCase)
            || !parts[6].Equals(ns, StringComparison.OrdinalIgnoreCase) || !parts[7].Equals(type, StringComparison.OrdinalIgnoreCase) || parts[8].Length == 0)
        {
            problems.Add(new($"{path}.id", $"'{id}' is not a {type} id: /subscriptions/{{subscription}}/resourceGroups/{{group}}/providers/{ns}/{type}/{{name}}"));
            return null;
        }

        return id;
    }

    internal static string? ReadString(JsonObject obj, string key, string path, List<ScenarioProblem> problems, bool required)
    {
        var node = obj[key];
        if (node is null)
        {
            if (required)
            {
                problems.Add(new(path, "is required"));
            }

            return null;
        }

        if (node.GetValueKind() != JsonValueKind.String || string.IsNullOrWhiteSpace(node.GetValue<string>()))
        {
            problems.Add(new(path, "must be a non-empty string"));
            return null;
        }

        return node.GetValue<string>();
    }

    private static TimeSpan? ReadDuration(JsonObject obj, string key, string path, List<ScenarioProblem> problems)
    {
        var node = obj[key];
        if (node is null)
        {
            return null;
        }

        if (node.GetValueKind() == JsonValueKind.String
            && node.GetValue<string>() is var text && text.Contains(':', StringComparison.Ordinal)
            && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) && value >= TimeSpan.Zero)
        {
            return value;
        }

        problems.Add(new(path, $"'{node.ToJsonString()}' is not a duration; write hh:mm:ss, for example \"00:01:30\""));
        return null;
    }
}
