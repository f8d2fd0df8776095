using System.Text.Json;
using System.Text.Json.Nodes;

namespace NvaFailover.Emulator;

/// <summary>
/// The emulator's Azure: resources as ARM JSON. A write is stored as sent (so a client that leaves a property out
/// loses it, as in Azure), marked Updating, and settles when its long-running operation's time has passed. The
/// committed body (what Azure has applied) is kept apart from the desired one so that, as in Azure, a public IP
/// is only free once the detaching NIC update has finished.
/// </summary>
internal sealed class ArmStore(TimeProvider time, ArmBehaviour behaviour)
{
    private readonly object _lock = new();
    private readonly Dictionary<string, Resource> _resources = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Operation> _operations = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _subscriptions = new(StringComparer.OrdinalIgnoreCase);
    private long _sequence;

    public event Action<string>? VirtualMachineChanged;

    public ArmBehaviour Behaviour { get; set; } = behaviour;

    public TimeProvider Time => time;

    internal sealed class Resource(string id, string kind, JsonObject body)
    {
        public string Id { get; } = id;
        public string Kind { get; } = kind;
        public JsonObject Body { get; set; } = body;
        public JsonObject Committed { get; set; } = (JsonObject)body.DeepClone();
        public string? PendingOperation { get; set; }
        public string Power { get; set; } = "running";
        public bool ProbeUp { get; set; } = true;
        public long Order { get; init; }
    }

    internal sealed record Operation(string Id, string ResourceId, string Provider, string Location, DateTimeOffset CompletesAt, ArmError? Failure, Action? OnSucceeded);

    // ---------------------------------------------------------------- topology in and out

    public void Load(JsonObject topology)
    {
        lock (_lock)
        {
            _resources.Clear();
            _operations.Clear();
            _subscriptions.Clear();
            foreach (var vm in Array(topology, "virtualMachines"))
            {
                var vmId = Str(vm, "id")!;
                var location = Str(vm, "location") ?? "westeurope";
                var nics = Array(vm, "networkInterfaces").ToList();
                var vmBody = Envelope(vmId, "Microsoft.Compute/virtualMachines", location, vm["tags"]);
                var props = new JsonObject
                {
                    ["vmId"] = Guid.NewGuid().ToString(),
                    ["hardwareProfile"] = new JsonObject { ["vmSize"] = "Standard_D2s_v5" },
                    ["provisioningState"] = "Succeeded",
                    ["networkProfile"] = new JsonObject
                    {
                        ["networkInterfaces"] = new JsonArray([.. nics.Select((n, i) => (JsonNode)new JsonObject
                        {
                            ["id"] = Str(n, "id"),
                            ["properties"] = new JsonObject { ["primary"] = i == 0 },
                        })]),
                    },
                };
                CopyUnknown(vm, props, ["id", "location", "powerState", "probeUp", "networkInterfaces", "tags"]);
                vmBody["properties"] = props;
                var vmResource = Add(vmId, "virtualMachines", vmBody);
                vmResource.Power = Str(vm, "powerState") ?? "running";
                vmResource.ProbeUp = vm["probeUp"]?.GetValue<bool>() ?? true;

                foreach (var nic in nics)
                {
                    Add(Str(nic, "id")!, "networkInterfaces", NicToArm(nic, location, vmId));
                }
            }

            foreach (var pip in Array(topology, "publicIPAddresses"))
            {
                var id = Str(pip, "id")!;
                var holder = _resources.Values.Where(r => r.Kind == "networkInterfaces")
                    .SelectMany(n => IpConfigs(n.Body).Select(c => (Nic: n, Config: c)))
                    .FirstOrDefault(x => string.Equals(Str(Props(x.Config), "publicIPAddress", "id"), id, StringComparison.OrdinalIgnoreCase));
                var location = Str(pip, "location") ?? (holder.Nic is null ? "westeurope" : Str(holder.Nic.Body, "location")!);
                var body = Envelope(id, "Microsoft.Network/publicIPAddresses", location, pip["tags"]);
                body["sku"] = new JsonObject { ["name"] = Str(pip, "sku") ?? "Standard", ["tier"] = "Regional" };
                var props = new JsonObject
                {
                    ["provisioningState"] = "Succeeded",
                    ["resourceGuid"] = Guid.NewGuid().ToString(),
                    ["ipAddress"] = Str(pip, "ipAddress"),
                    ["publicIPAddressVersion"] = "IPv4",
                    ["publicIPAllocationMethod"] = "Static",
                    ["idleTimeoutInMinutes"] = 4,
                };
                if (holder.Config is not null)
                {
                    props["ipConfiguration"] = new JsonObject { ["id"] = Str(holder.Config, "id") };
                }

                CopyUnknown(pip, props, ["id", "location", "ipAddress", "sku", "tags"]);
                body["properties"] = props;
                Add(id, "publicIPAddresses", body);
            }

            foreach (var table in Array(topology, "routeTables"))
            {
                var id = Str(table, "id")!;
                var body = Envelope(id, "Microsoft.Network/routeTables", Str(table, "location") ?? "westeurope", table["tags"]);
                var props = new JsonObject
                {
                    ["provisioningState"] = "Succeeded",
                    ["resourceGuid"] = Guid.NewGuid().ToString(),
                    ["disableBgpRoutePropagation"] = table["disableBgpRoutePropagation"]?.DeepClone() ?? false,
                    ["routes"] = new JsonArray([.. Array(table, "routes").Select(r => (JsonNode)RouteToArm(id, r))]),
                };
                CopyUnknown(table, props, ["id", "location", "tags", "disableBgpRoutePropagation", "routes"]);
                body["properties"] = props;
                Add(id, "routeTables", body);
            }
        }
    }

    public JsonObject Dump()
    {
        lock (_lock)
        {
            Settle();
            JsonArray Of(string kind, Func<Resource, JsonObject> map) =>
                new([.. _resources.Values.Where(r => r.Kind == kind).OrderBy(r => r.Order).Select(r => (JsonNode)map(r))]);
            return new JsonObject
            {
                ["routeTables"] = Of("routeTables", r => TopologyShapes.RouteTable(r.Body)),
                ["networkInterfaces"] = Of("networkInterfaces", r => TopologyShapes.NetworkInterface(r.Body)),
                ["publicIPAddresses"] = Of("publicIPAddresses", r => TopologyShapes.PublicIpAddress(r.Body)),
                ["virtualMachines"] = Of("virtualMachines", r => new JsonObject
                {
                    ["id"] = r.Id,
                    ["location"] = Str(r.Body, "location"),
                    ["powerState"] = r.Power,
                    ["probeUp"] = r.ProbeUp,
                }),
            };
        }
    }

    private static JsonObject NicToArm(JsonObject nic, string vmLocation, string vmId)
    {
        var id = Str(nic, "id")!;
        var body = Envelope(id, "Microsoft.Network/networkInterfaces", Str(nic, "location") ?? vmLocation, nic["tags"]);
        var configs = Array(nic, "ipConfigurations").ToList();
        var props = new JsonObject
        {
            ["provisioningState"] = "Succeeded",
            ["resourceGuid"] = Guid.NewGuid().ToString(),
            ["ipConfigurations"] = new JsonArray([.. configs.Select((c, i) => (JsonNode)IpConfigToArm(id, c, i == 0))]),
            ["enableIPForwarding"] = nic["enableIPForwarding"]?.DeepClone() ?? false,
            ["virtualMachine"] = new JsonObject { ["id"] = vmId },
        };
        if (nic["enableAcceleratedNetworking"] is { } accelerated)
        {
            props["enableAcceleratedNetworking"] = accelerated.DeepClone();
        }

        if (Str(nic, "networkSecurityGroupId") is { } nsg)
        {
            props["networkSecurityGroup"] = new JsonObject { ["id"] = nsg };
        }

        if (nic["dnsSettings"] is { } dns)
        {
            props["dnsSettings"] = dns.DeepClone();
        }

        CopyUnknown(nic, props, ["id", "location", "tags", "ipConfigurations", "enableIPForwarding", "enableAcceleratedNetworking", "networkSecurityGroupId", "dnsSettings"]);
        body["properties"] = props;
        return body;
    }

    private static JsonObject IpConfigToArm(string nicId, JsonObject c, bool first)
    {
        var name = Str(c, "name")!;
        var props = new JsonObject
        {
            ["provisioningState"] = "Succeeded",
            ["privateIPAddress"] = Str(c, "privateIPAddress"),
            ["privateIPAllocationMethod"] = "Static",
            ["privateIPAddressVersion"] = "IPv4",
            ["primary"] = c["primary"]?.DeepClone() ?? first,
        };
        if (Str(c, "subnetId") is { } subnet)
        {
            props["subnet"] = new JsonObject { ["id"] = subnet };
        }

        if (Str(c, "publicIPAddressId") is { } pip)
        {
            props["publicIPAddress"] = new JsonObject { ["id"] = pip };
        }

        if (c["applicationSecurityGroupIds"] is JsonArray asgs)
        {
            props["applicationSecurityGroups"] = new JsonArray([.. asgs.Select(a => (JsonNode)new JsonObject { ["id"] = a?.DeepClone() })]);
        }

        CopyUnknown(c, props, ["name", "privateIPAddress", "subnetId", "publicIPAddressId", "primary", "applicationSecurityGroupIds"]);
        return new JsonObject
        {
            ["name"] = name,
            ["id"] = $"{nicId}/ipConfigurations/{name}",
            ["etag"] = NewETag(),
            ["type"] = "Microsoft.Network/networkInterfaces/ipConfigurations",
            ["properties"] = props,
        };
    }

    private static JsonObject RouteToArm(string tableId, JsonObject r)
    {
        var name = Str(r, "name")!;
        var props = new JsonObject
        {
            ["provisioningState"] = "Succeeded",
            ["addressPrefix"] = Str(r, "addressPrefix"),
            ["nextHopType"] = Str(r, "nextHopType"),
        };
        if (Str(r, "nextHopIpAddress") is { } ip)
        {
            props["nextHopIpAddress"] = ip;
        }

        CopyUnknown(r, props, ["name", "addressPrefix", "nextHopType", "nextHopIpAddress"]);
        return new JsonObject
        {
            ["name"] = name,
            ["id"] = $"{tableId}/routes/{name}",
            ["etag"] = NewETag(),
            ["type"] = "Microsoft.Network/routeTables/routes",
            ["properties"] = props,
        };
    }

    // ---------------------------------------------------------------- reads

    public JsonObject Get(string id, string kind)
    {
        lock (_lock)
        {
            Settle();
            return (JsonObject)Find(id, kind).Body.DeepClone();
        }
    }

    public IReadOnlyList<JsonObject> List(string subscription, string? kind, Func<JsonObject, bool>? filter = null)
    {
        lock (_lock)
        {
            Settle();
            return [.. _resources.Values
                .Where(r => r.Id.StartsWith($"/subscriptions/{subscription}/", StringComparison.OrdinalIgnoreCase))
                .Where(r => kind is null || r.Kind == kind)
                .OrderBy(r => r.Order)
                .Select(r => r.Body)
                .Where(b => filter is null || filter(b))
                .Select(b => (JsonObject)b.DeepClone())];
        }
    }

    public IReadOnlyList<string> Subscriptions()
    {
        lock (_lock)
        {
            return [.. _subscriptions.Order(StringComparer.OrdinalIgnoreCase)];
        }
    }

    public (string Power, bool ProbeUp) VirtualMachineState(string id)
    {
        lock (_lock)
        {
            Settle();
            var vm = Find(id, "virtualMachines");
            return (vm.Power, vm.ProbeUp);
        }
    }

    public IReadOnlyList<string> VirtualMachineIds()
    {
        lock (_lock)
        {
            return [.. _resources.Values.Where(r => r.Kind == "virtualMachines").OrderBy(r => r.Order).Select(r => r.Id)];
        }
    }

    public string? FindIdByName(string kind, string name)
    {
        lock (_lock)
        {
            return _resources.Values.FirstOrDefault(r => r.Kind == kind && r.Id.EndsWith($"/{name}", StringComparison.OrdinalIgnoreCase))?.Id;
        }
    }

    /// <summary>Status of a long-running operation: InProgress, Succeeded or Failed (with error).</summary>
    public (string Status, ArmError? Error, TimeSpan Remaining) OperationStatus(string operationId)
    {
        lock (_lock)
        {
            Settle();
            if (!_operations.TryGetValue(operationId, out var op))
            {
                throw new ArmError(System.Net.HttpStatusCode.NotFound, "OperationNotFound", $"The operation '{operationId}' was not found.");
            }

            var remaining = op.CompletesAt - time.GetUtcNow();
            return remaining > TimeSpan.Zero ? ("InProgress", null, remaining) : (op.Failure is null ? "Succeeded" : "Failed", op.Failure, TimeSpan.Zero);
        }
    }

    // ---------------------------------------------------------------- writes

    /// <summary>Checks and stores a PUT of a whole resource; returns the body, whether it was created, and the operation.</summary>
    public (JsonObject Body, bool Created, Operation Operation) Put(string id, string kind, JsonObject sent, string? ifMatch, ArmError? failWith)
    {
        lock (_lock)
        {
            Settle();
            _resources.TryGetValue(id, out var existing);
            if (existing is null && kind != "routeTables")
            {
                // Creating NICs, VMs and public IPs is out of scope: a failover only ever updates them.
                throw ArmError.NotFound(id);
            }

            CheckWritable(existing, id, ifMatch);
            var body = Normalise(id, kind, sent, existing);
            Validate(id, kind, body);
            if (existing is null)
            {
                existing = Add(id, kind, body);
                existing.Committed = new JsonObject();
            }

            return (Clone(existing, body), existing.Committed.Count == 0, StartOperation(existing, failWith));
        }
    }

    /// <summary>A PUT of one route: the table is updated with the route replaced or added.</summary>
    public (JsonObject Route, bool Created, Operation Operation) PutRoute(string tableId, string routeName, JsonObject sent, string? ifMatch, ArmError? failWith)
    {
        lock (_lock)
        {
            Settle();
            var table = Find(tableId, "routeTables");
            var routes = (JsonArray)Props(table.Body)["routes"]!;
            var existing = routes.OfType<JsonObject>().FirstOrDefault(r => string.Equals(Str(r, "name"), routeName, StringComparison.OrdinalIgnoreCase));
            if (ifMatch is not null && ifMatch != "*" && (existing is null || Str(existing, "etag") != ifMatch))
            {
                throw EtagMismatch(ifMatch, existing is null ? "(none)" : Str(existing, "etag")!, $"{tableId}/routes/{routeName}");
            }

            CheckWritable(table, tableId, null);
            var route = (JsonObject)sent.DeepClone();
            route["name"] = routeName;
            var newTable = (JsonObject)table.Body.DeepClone();
            var newRoutes = (JsonArray)Props(newTable)["routes"]!;
            var index = newRoutes.OfType<JsonObject>().ToList().FindIndex(r => string.Equals(Str(r, "name"), routeName, StringComparison.OrdinalIgnoreCase));
            if (index >= 0)
            {
                newRoutes[index] = route;
            }
            else
            {
                newRoutes.Add(route);
            }

            var body = Normalise(tableId, "routeTables", newTable, table);
            Validate(tableId, "routeTables", body);
            var op = StartOperation(table, failWith);
            Clone(table, body);
            var stored = ((JsonArray)Props(table.Body)["routes"]!).OfType<JsonObject>().First(r => string.Equals(Str(r, "name"), routeName, StringComparison.OrdinalIgnoreCase));
            return ((JsonObject)stored.DeepClone(), existing is null, op);
        }
    }

    public JsonObject GetRoute(string tableId, string routeName)
    {
        lock (_lock)
        {
            Settle();
            var table = Find(tableId, "routeTables");
            var route = ((JsonArray)Props(table.Body)["routes"]!).OfType<JsonObject>().FirstOrDefault(r => string.Equals(Str(r, "name"), routeName, StringComparison.OrdinalIgnoreCase))
                ?? throw ArmError.NotFound($"{tableId}/routes/{routeName}");
            return (JsonObject)route.DeepClone();
        }
    }

    /// <summary>A VM power action (powerOff, start, deallocate): the VM passes through the transitional state first.</summary>
    public Operation PowerAction(string vmId, string action)
    {
        lock (_lock)
        {
            Settle();
            var vm = Find(vmId, "virtualMachines");
            var (transitional, final) = action switch
            {
                "powerOff" => ("stopping", "stopped"),
                "start" => ("starting", "running"),
                "deallocate" => ("deallocating", "deallocated"),
                _ => throw new ArmError(System.Net.HttpStatusCode.BadRequest, "InvalidRequestUri", $"Unknown action '{action}'."),
            };
            vm.Power = transitional;
            var op = new Operation(NewId(), vmId, "Microsoft.Compute", Str(vm.Body, "location")!, time.GetUtcNow() + Behaviour.VirtualMachineActionLatency, null, () => vm.Power = final);
            _operations[op.Id] = op;
            vm.PendingOperation = op.Id;
            VirtualMachineChanged?.Invoke(vmId);
            return op;
        }
    }

    public void SetProbe(string vmId, bool up)
    {
        lock (_lock)
        {
            Find(vmId, "virtualMachines").ProbeUp = up;
        }

        VirtualMachineChanged?.Invoke(vmId);
    }

    /// <summary>An outside edit (a person in the portal): immediate, with a new ETag.</summary>
    public void EditRoute(string tableId, string routeName, string nextHopIp)
    {
        lock (_lock)
        {
            Settle();
            var table = Find(tableId, "routeTables");
            var route = ((JsonArray)Props(table.Body)["routes"]!).OfType<JsonObject>().FirstOrDefault(r => string.Equals(Str(r, "name"), routeName, StringComparison.OrdinalIgnoreCase))
                ?? throw ArmError.NotFound($"{tableId}/routes/{routeName}");
            if (!string.Equals(Str(Props(route), "nextHopType"), "VirtualAppliance", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"Route '{routeName}' of {tableId} has next hop type {Str(Props(route), "nextHopType")}; only a VirtualAppliance route has a next hop IP to edit.");
            }

            Props(route)["nextHopIpAddress"] = nextHopIp;
            route["etag"] = NewETag();
            table.Body["etag"] = NewETag();
            table.Committed = (JsonObject)table.Body.DeepClone();
        }
    }

    /// <summary>Completes every operation whose time has passed.</summary>
    private void Settle()
    {
        var now = time.GetUtcNow();
        foreach (var op in _operations.Values.Where(o => o.CompletesAt <= now && _resources.TryGetValue(o.ResourceId, out var r) && r.PendingOperation == o.Id).OrderBy(o => o.CompletesAt).ToList())
        {
            var resource = _resources[op.ResourceId];
            resource.PendingOperation = null;
            var vmChanged = false;
            if (resource.Kind == "virtualMachines")
            {
                op.OnSucceeded?.Invoke();
                vmChanged = true;
            }
            else if (op.Failure is null)
            {
                SetProvisioningState(resource.Body, "Succeeded");
                if (resource.Kind == "networkInterfaces")
                {
                    ApplyPublicIpAttachments(resource.Committed, resource.Body);
                }

                resource.Committed = (JsonObject)resource.Body.DeepClone();
            }
            else
            {
                var reverted = resource.Committed.Count == 0 ? (JsonObject)resource.Body.DeepClone() : (JsonObject)resource.Committed.DeepClone();
                reverted["etag"] = NewETag();
                SetProvisioningState(reverted, "Failed");
                resource.Body = reverted;
            }

            if (vmChanged)
            {
                VirtualMachineChanged?.Invoke(resource.Id);
            }
        }
    }

    private void ApplyPublicIpAttachments(JsonObject before, JsonObject after)
    {
        static Dictionary<string, string> Attached(JsonObject nic) =>
            IpConfigs(nic).Where(c => Str(Props(c), "publicIPAddress", "id") is not null)
                .ToDictionary(c => Str(Props(c), "publicIPAddress", "id")!, c => Str(c, "id")!, StringComparer.OrdinalIgnoreCase);

        var was = before.Count == 0 ? [] : Attached(before);
        var now = Attached(after);
        foreach (var (pip, config) in was.Where(w => !now.ContainsKey(w.Key)))
        {
            if (_resources.TryGetValue(pip, out var p) && string.Equals(Str(Props(p.Body), "ipConfiguration", "id"), config, StringComparison.OrdinalIgnoreCase))
            {
                Props(p.Body).Remove("ipConfiguration");
                p.Committed = (JsonObject)p.Body.DeepClone();
            }
        }

        foreach (var (pip, config) in now)
        {
            if (_resources.TryGetValue(pip, out var p))
            {
                Props(p.Body)["ipConfiguration"] = new JsonObject { ["id"] = config };
                p.Committed = (JsonObject)p.Body.DeepClone();
            }
        }
    }

    private void CheckWritable(Resource? existing, string id, string? ifMatch)
    {
        if (ifMatch is not null && ifMatch != "*")
        {
            var current = existing is null ? "(none)" : Str(existing.Body, "etag")!;
            if (current != ifMatch)
            {
                throw EtagMismatch(ifMatch, current, id);
            }
        }

        if (existing?.PendingOperation is { } pending)
        {
            var op = _operations[pending];
            var uri = $"https://management.azure.com/subscriptions/{id.Split('/')[2]}/providers/{op.Provider}/locations/{op.Location}/operations/{op.Id}?api-version=2024-07-01";
            if (existing.Kind == "routeTables")
            {
                throw new ArmError((System.Net.HttpStatusCode)429, "RetryableErrorDueToAnotherOperation",
                    $"Operation on {id} could not be completed because another operation on this or a dependent resource is in progress. Retry after some time.")
                { RetryAfter = op.CompletesAt - time.GetUtcNow() };
            }

            throw new ArmError(System.Net.HttpStatusCode.Conflict, "AnotherOperationInProgress",
                $"Another operation on this or dependent resource is in progress. To retrieve status of the operation use uri: {uri}.")
            { RetryAfter = op.CompletesAt - time.GetUtcNow() };
        }
    }

    private static ArmError EtagMismatch(string sent, string current, string id) =>
        new(System.Net.HttpStatusCode.PreconditionFailed, "PreconditionFailed", "Precondition failed.",
            [("PreconditionFailedEtagMismatch", $"Etag provided in if-match header {sent} does not match etag {current} of resource {id} in NRP data store.")]);

    /// <summary>The body as stored: what was sent, plus the fields the server owns.</summary>
    private static JsonObject Normalise(string id, string kind, JsonObject sent, Resource? existing)
    {
        var body = (JsonObject)sent.DeepClone();
        var name = id[(id.LastIndexOf('/') + 1)..];
        body["id"] = id;
        body["name"] = name;
        body["type"] = $"Microsoft.Network/{kind}";
        body["etag"] = NewETag();
        if (Str(body, "location") is null)
        {
            body["location"] = existing is null ? null : Str(existing.Body, "location");
        }

        if (body["location"] is null)
        {
            throw ArmError.BadRequest("LocationRequired", $"The location property is required for resource {id}.");
        }

        if (body["properties"] is not JsonObject props)
        {
            props = [];
            body["properties"] = props;
        }

        props["provisioningState"] = "Updating";
        props["resourceGuid"] = existing is null ? Guid.NewGuid().ToString() : Str(Props(existing.Body), "resourceGuid");
        var children = kind switch
        {
            "routeTables" => ("routes", "Microsoft.Network/routeTables/routes"),
            "networkInterfaces" => ("ipConfigurations", "Microsoft.Network/networkInterfaces/ipConfigurations"),
            _ => ((string, string)?)null,
        };
        if (children is var (key, childType) && props[key] is JsonArray array)
        {
            foreach (var child in array.OfType<JsonObject>())
            {
                var childName = Str(child, "name") ?? throw ArmError.BadRequest("InvalidRequestFormat", $"Every entry of properties.{key} of {id} needs a name.");
                child["id"] = $"{id}/{key}/{childName}";
                child["type"] = childType;
                child["etag"] = body["etag"]!.GetValue<string>();
                if (child["properties"] is not JsonObject childProps)
                {
                    childProps = [];
                    child["properties"] = childProps;
                }

                childProps["provisioningState"] = "Updating";
            }
        }

        if (kind == "networkInterfaces" && existing is not null)
        {
            // Read-only links Azure keeps whatever the client sends.
            props["virtualMachine"] = Props(existing.Body)["virtualMachine"]?.DeepClone();
        }

        return body;
    }

    private void Validate(string id, string kind, JsonObject body)
    {
        var props = Props(body);
        if (kind == "routeTables")
        {
            foreach (var route in (props["routes"] as JsonArray ?? []).OfType<JsonObject>())
            {
                var rp = Props(route);
                var type = Str(rp, "nextHopType");
                var ip = Str(rp, "nextHopIpAddress");
                if (type is null || !Scenario.NextHopTypes.Contains(type, StringComparer.OrdinalIgnoreCase))
                {
                    throw ArmError.BadRequest("InvalidRequestFormat", $"Route '{Str(route, "name")}' of {id}: nextHopType '{type}' is not one of {string.Join(", ", Scenario.NextHopTypes)}.");
                }

                var isAppliance = type.Equals("VirtualAppliance", StringComparison.OrdinalIgnoreCase);
                if (isAppliance && string.IsNullOrEmpty(ip))
                {
                    throw ArmError.BadRequest("InvalidRequestFormat", $"Route '{Str(route, "name")}' of {id}: NextHopIpAddress cannot be null or empty when NextHopType is VirtualAppliance.");
                }

                if (!isAppliance && !string.IsNullOrEmpty(ip))
                {
                    throw ArmError.BadRequest("InvalidRequestFormat", $"Route '{Str(route, "name")}' of {id}: NextHopIpAddress can only be set when NextHopType is VirtualAppliance, not {type}.");
                }
            }
        }

        if (kind == "networkInterfaces")
        {
            var location = Str(body, "location");
            foreach (var config in IpConfigs(body))
            {
                if (Str(Props(config), "publicIPAddress", "id") is not { } pipId)
                {
                    continue;
                }

                if (!_resources.TryGetValue(pipId, out var pip) || pip.Kind != "publicIPAddresses")
                {
                    throw ArmError.BadRequest("InvalidResourceReference", $"Resource {pipId} referenced by resource {id} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.");
                }

                if (!string.Equals(Str(pip.Body, "location"), location, StringComparison.OrdinalIgnoreCase))
                {
                    throw ArmError.BadRequest("InvalidResourceReference", $"Resource {pipId} referenced by resource {id} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.");
                }

                var holder = Str(Props(pip.Committed), "ipConfiguration", "id");
                var pendingHolder = _resources.Values
                    .Where(r => r.Kind == "networkInterfaces" && r.PendingOperation is not null && !string.Equals(r.Id, id, StringComparison.OrdinalIgnoreCase))
                    .SelectMany(r => IpConfigs(r.Body))
                    .FirstOrDefault(c => string.Equals(Str(Props(c), "publicIPAddress", "id"), pipId, StringComparison.OrdinalIgnoreCase));
                var configId = Str(config, "id");
                if ((holder is not null && !string.Equals(holder, configId, StringComparison.OrdinalIgnoreCase)) || pendingHolder is not null)
                {
                    throw ArmError.BadRequest("PublicIPAddressInUse", $"Resource {id} is referencing public IP address {pipId} that is already allocated to resource {holder ?? Str(pendingHolder!, "id")}.");
                }
            }
        }
    }

    private Operation StartOperation(Resource resource, ArmError? failWith)
    {
        var latency = resource.Kind switch
        {
            "routeTables" => Behaviour.RouteTableWriteLatency,
            "networkInterfaces" => Behaviour.NetworkInterfaceWriteLatency,
            _ => Behaviour.RouteTableWriteLatency,
        };
        var op = new Operation(NewId(), resource.Id, "Microsoft.Network", Str(resource.Body, "location") ?? "westeurope", time.GetUtcNow() + latency, failWith, null);
        _operations[op.Id] = op;
        resource.PendingOperation = op.Id;
        if (latency <= TimeSpan.Zero)
        {
            Settle();
        }

        return op;
    }

    private static JsonObject Clone(Resource resource, JsonObject body)
    {
        resource.Body = body;
        return (JsonObject)body.DeepClone();
    }

    private Resource Find(string id, string kind) =>
        _resources.TryGetValue(id, out var r) && r.Kind == kind ? r : throw ArmError.NotFound(id);

    private Resource Add(string id, string kind, JsonObject body)
    {
        _subscriptions.Add(id.Split('/')[2]);
        var resource = new Resource(id, kind, body) { Order = Interlocked.Increment(ref _sequence) };
        _resources[id] = resource;
        return resource;
    }

    private static JsonObject Envelope(string id, string type, string location, JsonNode? tags)
    {
        var body = new JsonObject
        {
            ["name"] = id[(id.LastIndexOf('/') + 1)..],
            ["id"] = id,
            ["etag"] = NewETag(),
            ["type"] = type,
            ["location"] = location,
        };
        if (tags is not null)
        {
            body["tags"] = tags.DeepClone();
        }

        return body;
    }

    private static void SetProvisioningState(JsonObject body, string state)
    {
        Props(body)["provisioningState"] = state;
        foreach (var key in new[] { "routes", "ipConfigurations" })
        {
            foreach (var child in (Props(body)[key] as JsonArray ?? []).OfType<JsonObject>())
            {
                Props(child)["provisioningState"] = state;
            }
        }
    }

    internal static IEnumerable<JsonObject> IpConfigs(JsonObject nic) => (Props(nic)["ipConfigurations"] as JsonArray ?? []).OfType<JsonObject>();

    internal static JsonObject Props(JsonObject o) => o["properties"] as JsonObject ?? [];

    internal static string? Str(JsonObject? o, params string[] path)
    {
        JsonNode? node = o;
        foreach (var key in path)
        {
            node = node is JsonObject obj ? obj[key] : null;
        }

        return node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
    }

    private static IEnumerable<JsonObject> Array(JsonObject o, string key) => (o[key] as JsonArray ?? []).OfType<JsonObject>();

    internal static void CopyUnknown(JsonObject from, JsonObject to, string[] known)
    {
        foreach (var (key, value) in from)
        {
            if (!known.Contains(key, StringComparer.Ordinal) && !to.ContainsKey(key))
            {
                to[key] = value?.DeepClone();
            }
        }
    }

    internal static void CopyIfPresent(JsonObject from, JsonObject to, string key)
    {
        if (from.TryGetPropertyValue(key, out var value))
        {
            to[key] = value?.DeepClone();
        }
    }

    private static string NewETag() => $"W/\"{Guid.NewGuid()}\"";

    private static string NewId() => Guid.NewGuid().ToString();
}
