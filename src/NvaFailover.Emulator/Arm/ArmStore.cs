using System.Text.Json.Nodes;
using NvaFailover.Emulator.Scenarios;
using static NvaFailover.Emulator.Arm.ArmJson;

namespace NvaFailover.Emulator.Arm;

/// <summary>
/// The emulator's Azure: resources as ARM JSON. A write is stored as sent (so a client that leaves a property out
/// loses it, as in Azure), marked Updating, and settles when its long-running operation's time has passed; Azure's
/// checks are <see cref="NetworkRules"/>. Every member takes the one lock: requests arrive concurrently.
/// </summary>
internal sealed class ArmStore
{
    private readonly object _lock = new();
    private readonly List<RouteCommit> _history = [];
    private readonly List<PublicIpCommit> _publicIpHistory = [];
    private readonly Dictionary<string, ArmResource> _resources = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _subscriptions = new(StringComparer.OrdinalIgnoreCase);
    private readonly LongRunningOperations _operations;
    private readonly TimeProvider _time;
    private long _sequence;

    public ArmStore(TimeProvider time, ArmBehaviour behaviour)
    {
        _time = time;
        _operations = new LongRunningOperations(time);
        Behaviour = behaviour;
    }

    public event Action<string>? VirtualMachineChanged;

    public ArmBehaviour Behaviour { get; set; }

    public TimeProvider Time => _time;

    public void Load(JsonObject topology)
    {
        lock (_lock)
        {
            _resources.Clear();
            _history.Clear();
            _publicIpHistory.Clear();
            _operations.Clear();
            _subscriptions.Clear();
            foreach (var shaped in TopologyShapes.ToArm(topology))
            {
                var resource = Add(shaped.Id, shaped.Kind, shaped.Body);
                resource.Power = shaped.Power;
                resource.ProbeUp = shaped.ProbeUp;
                resource.Forwarding = shaped.Forwarding;
                resource.LearnedRoutes = shaped.LearnedRoutes;
                Record(resource);
                resource.Given = shaped.Given ?? new HashSet<string>();
            }

            foreach (var pip in _resources.Values.Where(r => r.Kind == "publicIPAddresses"))
            {
                _publicIpHistory.Add(new PublicIpCommit(_time.GetUtcNow(), pip.Id, Str(Props(pip.Body), "ipConfiguration", "id")));
            }
        }
    }

    /// <summary>The topology in the scenario's shape, every property kept.</summary>
    public JsonObject Dump()
    {
        lock (_lock)
        {
            Settle();
            JsonArray Of(string kind, Func<ArmResource, JsonObject> map) =>
                new([.. _resources.Values.Where(r => r.Kind == kind).OrderBy(r => r.Order).Select(r => (JsonNode)map(r))]);
            return new JsonObject
            {
                ["routeTables"] = Of("routeTables", r => TopologyShapes.RouteTable(r.Body, r.Given)),
                ["networkInterfaces"] = Of("networkInterfaces", r => TopologyShapes.NetworkInterface(r.Body, r.Given)),
                ["publicIPAddresses"] = Of("publicIPAddresses", r => TopologyShapes.PublicIpAddress(r.Body, r.Given)),
                ["virtualMachines"] = Of("virtualMachines", r => new JsonObject
                {
                    ["id"] = r.Id,
                    ["location"] = Str(r.Body, "location"),
                    ["powerState"] = r.Power,
                    ["probeUp"] = r.ProbeUp,
                    ["forwarding"] = r.Forwarding,
                }),
            };
        }
    }

    /// <summary>
    /// The topology as a scenario's <c>topology</c> gives it (each VM with its NICs, subnets, virtual networks), every
    /// property kept: what <c>POST /_emulator/topology</c> loads back unchanged.
    /// </summary>
    public JsonObject Topology()
    {
        lock (_lock)
        {
            Settle();
            IEnumerable<ArmResource> Of(string kind) => _resources.Values.Where(r => r.Kind == kind).OrderBy(r => r.Order);
            var nics = Of("networkInterfaces").ToDictionary(r => r.Id, r => TopologyShapes.NetworkInterface(r.Body, r.Given), StringComparer.OrdinalIgnoreCase);
            var topology = new JsonObject
            {
                ["virtualMachines"] = new JsonArray([.. Of("virtualMachines").Select(r =>
                {
                    var vm = new JsonObject { ["id"] = r.Id, ["location"] = Str(r.Body, "location"), ["powerState"] = r.Power, ["probeUp"] = r.ProbeUp, ["forwarding"] = r.Forwarding };
                    CopyIfPresent(r.Body, vm, "tags");
                    vm["networkInterfaces"] = new JsonArray([.. Array(Props(r.Body)["networkProfile"] as JsonObject ?? [], "networkInterfaces")
                        .Select(n => Str(n, "id")).OfType<string>().Where(nics.ContainsKey).Select(id => (JsonNode)nics[id].DeepClone())]);
                    return (JsonNode)vm;
                })]),
                ["publicIPAddresses"] = new JsonArray([.. Of("publicIPAddresses").Select(r => (JsonNode)TopologyShapes.PublicIpAddress(r.Body, r.Given))]),
                ["routeTables"] = new JsonArray([.. Of("routeTables").Select(r => (JsonNode)TopologyShapes.RouteTable(r.Body, r.Given))]),
            };
            if (Of("subnets").ToList() is { Count: > 0 } subnets)
            {
                topology["subnets"] = new JsonArray([.. subnets.Select(r =>
                {
                    var subnet = new JsonObject { ["id"] = r.Id };
                    if (Str(Props(r.Body), "routeTable", "id") is { } table)
                    {
                        subnet["routeTableId"] = table;
                    }

                    if (r.LearnedRoutes is { } learned)
                    {
                        subnet["learnedRoutes"] = learned.DeepClone();
                    }

                    return (JsonNode)subnet;
                })]);
                topology["virtualNetworks"] = new JsonArray([.. Of("virtualNetworks").Select(r => (JsonNode)new JsonObject
                {
                    ["id"] = r.Id,
                    ["dnsServers"] = Props(r.Body)["dhcpOptions"]?["dnsServers"]?.DeepClone() ?? new JsonArray(),
                })]);
            }

            return topology;
        }
    }

    public JsonObject Get(string id, string kind)
    {
        lock (_lock)
        {
            Settle();
            var body = (JsonObject)Find(id, kind).Body.DeepClone();
            if (kind == "subnets")
            {
                // As Azure lists them: every ipconfig with an address in the subnet.
                Props(body)["ipConfigurations"] = new JsonArray([.. _resources.Values.Where(r => r.Kind == "networkInterfaces")
                    .SelectMany(nic => Array(Props(nic.Committed), "ipConfigurations")
                        .Where(c => string.Equals(Str(Props(c), "subnet", "id"), id, StringComparison.OrdinalIgnoreCase))
                        .Select(c => (JsonNode)new JsonObject { ["id"] = Str(c, "id") ?? $"{nic.Id}/ipConfigurations/{Str(c, "name")}" }))]);
            }

            return body;
        }
    }

    public IReadOnlyList<JsonObject> List(string subscription, string? kind, Func<JsonObject, bool>? filter = null)
    {
        lock (_lock)
        {
            Settle();
            return [.. _resources.Values
                .Where(r => r.Id.StartsWith($"/subscriptions/{subscription}/", StringComparison.OrdinalIgnoreCase))
                .Where(r => kind is null ? r.Kind != "subnets" : r.Kind == kind) // a subnet is a child resource, not listed as one
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

    public VirtualMachineState VirtualMachineState(string id)
    {
        lock (_lock)
        {
            Settle();
            var vm = Find(id, "virtualMachines");
            return new VirtualMachineState(vm.Power, vm.ProbeUp, vm.Forwarding);
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
            return _operations.Status(operationId);
        }
    }

    /// <summary>The result of a finished operation that answers with one (effective routes); null otherwise.</summary>
    public JsonObject? OperationResult(string operationId)
    {
        lock (_lock)
        {
            Settle();
            return _operations.ResultOf(operationId);
        }
    }

    /// <summary>
    /// Starts reading a NIC's effective routes, as Azure's POST effectiveRouteTable does: a long-running operation whose
    /// result is the routes in force when it completes. A NIC not attached to a running VM is refused with a 400, as Azure
    /// refuses it.
    /// </summary>
    public Operation StartEffectiveRoutes(string nicId)
    {
        lock (_lock)
        {
            Settle();
            var nic = Find(nicId, "networkInterfaces");
            var vm = _resources.Values.FirstOrDefault(r => r.Kind == "virtualMachines"
                && Array(Props(r.Body)["networkProfile"] as JsonObject ?? [], "networkInterfaces").Any(n => string.Equals(Str(n, "id"), nicId, StringComparison.OrdinalIgnoreCase)));
            if (vm is not { Power: "running" })
            {
                throw new ArmError(System.Net.HttpStatusCode.BadRequest, "NetworkInterfaceNotAttachedToRunningVm",
                    $"Effective routes are known only for a network interface attached to a running virtual machine; '{nicId}' is {(vm is null ? "attached to none" : $"attached to '{vm.Id}', which is {vm.Power}")}.");
            }

            return _operations.StartRead(nic, "Microsoft.Network", Str(nic.Body, "location") ?? "westeurope", Behaviour.EffectiveRoutesLatency, () =>
            {
                lock (_lock)
                {
                    Settle();
                    return EffectiveRoutes.Of(nicId, _resources);
                }
            });
        }
    }

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

            NetworkRules.CheckWritable(existing, id, ifMatch, _operations, _time.GetUtcNow());
            var body = NetworkRules.Normalise(id, kind, sent, existing);
            NetworkRules.Validate(id, kind, body, _resources);
            if (existing is null)
            {
                existing = Add(id, kind, body);
                existing.Committed = [];
            }

            return (Store(existing, body), existing.Committed.Count == 0, StartOperation(existing, failWith));
        }
    }

    /// <summary>A PUT of one route: the table is updated with the route replaced or added.</summary>
    public (JsonObject Route, bool Created, Operation Operation) PutRoute(string tableId, string routeName, JsonObject sent, string? ifMatch, ArmError? failWith)
    {
        lock (_lock)
        {
            Settle();
            var table = Find(tableId, "routeTables");
            var existing = FindRoute(table.Body, routeName);
            if (ifMatch is not null && ifMatch != "*" && (existing is null || Str(existing, "etag") != ifMatch))
            {
                throw NetworkRules.EtagMismatch(ifMatch, existing is null ? "(none)" : Str(existing, "etag")!, $"{tableId}/routes/{routeName}");
            }

            NetworkRules.CheckWritable(table, tableId, null, _operations, _time.GetUtcNow());
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

            var body = NetworkRules.Normalise(tableId, "routeTables", newTable, table);
            NetworkRules.Validate(tableId, "routeTables", body, _resources);
            var op = StartOperation(table, failWith);
            Store(table, body);
            return ((JsonObject)FindRoute(table.Body, routeName)!.DeepClone(), existing is null, op);
        }
    }

    public JsonObject GetRoute(string tableId, string routeName)
    {
        lock (_lock)
        {
            Settle();
            var route = FindRoute(Find(tableId, "routeTables").Body, routeName) ?? throw ArmError.NotFound($"{tableId}/routes/{routeName}");
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
            var op = _operations.Start(vm, "Microsoft.Compute", Str(vm.Body, "location")!, Behaviour.VirtualMachineActionLatency, null, () => vm.Power = final);
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

    /// <summary>Makes a VM's appliance forward traffic again, or stop forwarding while it runs (a gray failure).</summary>
    public void SetForwarding(string vmId, bool forwarding)
    {
        lock (_lock)
        {
            Find(vmId, "virtualMachines").Forwarding = forwarding;
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
            var route = FindRoute(table.Body, routeName) ?? throw ArmError.NotFound($"{tableId}/routes/{routeName}");
            if (!string.Equals(Str(Props(route), "nextHopType"), "VirtualAppliance", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"Route '{routeName}' of {tableId} has next hop type {Str(Props(route), "nextHopType")}; only a VirtualAppliance route has a next hop IP to edit.");
            }

            Props(route)["nextHopIpAddress"] = nextHopIp;
            route["etag"] = NewETag();
            table.Body["etag"] = NewETag();
            table.Committed = (JsonObject)table.Body.DeepClone();
            Record(table);
        }
    }

    /// <summary>A person removes tags from a route table (it leaves its cluster): immediate, with a new ETag.</summary>
    public void RemoveTags(string tableId, IReadOnlyCollection<string> tagNames)
    {
        lock (_lock)
        {
            Settle();
            var table = Find(tableId, "routeTables");
            if (table.Body["tags"] is JsonObject tags)
            {
                foreach (var name in tags.Select(t => t.Key).Where(k => tagNames.Contains(k, StringComparer.OrdinalIgnoreCase)).ToList())
                {
                    tags.Remove(name);
                }
            }

            table.Body["etag"] = NewETag();
            table.Committed = (JsonObject)table.Body.DeepClone();
        }
    }

    /// <summary>A person deletes a route table: gone at once; refused while a write to it runs, as Azure refuses it.</summary>
    public void DeleteRouteTable(string tableId)
    {
        lock (_lock)
        {
            Settle();
            var table = Find(tableId, "routeTables");
            if (table.PendingOperation is not null)
            {
                throw new ArgumentException($"Route table {tableId} is being updated; Azure refuses to delete it until that finishes (AnotherOperationInProgress).");
            }

            _resources.Remove(tableId);
            _history.Add(new RouteCommit(_time.GetUtcNow(), tableId, new Dictionary<string, string>(), []));
        }
    }

    /// <summary>An outside edit of a NIC (a person tags it in the portal): immediate, with a new ETag; refused while it is being updated.</summary>
    public void EditNic(string nicId, JsonObject tags)
    {
        lock (_lock)
        {
            Settle();
            var nic = Find(nicId, "networkInterfaces");
            if (nic.PendingOperation is not null)
            {
                throw new ArgumentException($"NIC {nicId} is being updated; Azure refuses another change until that finishes (AnotherOperationInProgress).");
            }

            var current = nic.Body["tags"] as JsonObject ?? [];
            foreach (var (key, value) in tags)
            {
                current[key] = value?.DeepClone();
            }

            nic.Body["tags"] = current.DeepClone();
            nic.Body["etag"] = NewETag();
            nic.Committed = (JsonObject)nic.Body.DeepClone();
        }
    }

    /// <summary>Completes every operation whose time has passed.</summary>
    /// <summary>Every change of a route table's applied routes, in order (the data plane's history).</summary>
    public IReadOnlyList<RouteCommit> RouteHistory()
    {
        lock (_lock)
        {
            Settle();
            return [.. _history];
        }
    }

    /// <summary>Every change of a public IP's holder, in order, from the loaded topology on (its data plane's history).</summary>
    public IReadOnlyList<PublicIpCommit> PublicIpHistory()
    {
        lock (_lock)
        {
            Settle();
            return [.. _publicIpHistory];
        }
    }

    /// <summary>Notes <paramref name="resource"/>'s applied routes as in force from <paramref name="at"/> (now when not given).</summary>
    private void Record(ArmResource resource, DateTimeOffset? at = null)
    {
        if (resource.Kind != "routeTables" || resource.Committed.Count == 0)
        {
            return;
        }

        var hops = Array(Props(resource.Committed), "routes")
            .Where(r => Str(Props(r), "nextHopType") == "VirtualAppliance" && Str(r, "name") is not null)
            .ToDictionary(r => Str(r, "name")!, r => Str(Props(r), "nextHopIpAddress") ?? "", StringComparer.OrdinalIgnoreCase);
        var subnets = Array(Props(resource.Committed), "subnets").Select(n => Str(n, "id")).OfType<string>().ToList();
        _history.Add(new RouteCommit(at ?? _time.GetUtcNow(), resource.Id, hops, subnets));
    }

    private void Settle()
    {
        foreach (var op in _operations.Due(o => _resources.TryGetValue(o.ResourceId, out var r) && r.PendingOperation == o.Id))
        {
            var resource = _resources[op.ResourceId];
            resource.PendingOperation = null;
            if (resource.Kind == "virtualMachines")
            {
                op.OnSucceeded?.Invoke();
                VirtualMachineChanged?.Invoke(resource.Id);
            }
            else if (op.Failure is null)
            {
                SetProvisioningState(resource.Body, "Succeeded");
                if (resource.Kind == "networkInterfaces")
                {
                    ApplyPublicIpAttachments(resource.Committed, resource.Body, op.CompletesAt);
                }

                resource.Committed = (JsonObject)resource.Body.DeepClone();
                Record(resource, op.CompletesAt);
            }
            else
            {
                var reverted = resource.Committed.Count == 0 ? (JsonObject)resource.Body.DeepClone() : (JsonObject)resource.Committed.DeepClone();
                reverted["etag"] = NewETag();
                SetProvisioningState(reverted, "Failed");
                resource.Body = reverted;
            }
        }
    }

    /// <summary>A NIC update that finished moves its public IPs: detached ones are free, attached ones name their ipconfig.</summary>
    private void ApplyPublicIpAttachments(JsonObject before, JsonObject after, DateTimeOffset at)
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
                _publicIpHistory.Add(new PublicIpCommit(at, pip, null));
            }
        }

        foreach (var (pip, config) in now)
        {
            if (_resources.TryGetValue(pip, out var p))
            {
                if (!string.Equals(Str(Props(p.Body), "ipConfiguration", "id"), config, StringComparison.OrdinalIgnoreCase))
                {
                    _publicIpHistory.Add(new PublicIpCommit(at, pip, config));
                }

                Props(p.Body)["ipConfiguration"] = new JsonObject { ["id"] = config };
                p.Committed = (JsonObject)p.Body.DeepClone();
            }
        }
    }

    private Operation StartOperation(ArmResource resource, ArmError? failWith)
    {
        var latency = resource.Kind == "networkInterfaces" ? Behaviour.NetworkInterfaceWriteLatency : Behaviour.RouteTableWriteLatency;
        var op = _operations.Start(resource, "Microsoft.Network", Str(resource.Body, "location") ?? "westeurope", latency, failWith);
        if (latency <= TimeSpan.Zero)
        {
            Settle();
        }

        return op;
    }

    private static JsonObject Store(ArmResource resource, JsonObject body)
    {
        resource.Body = body;
        return (JsonObject)body.DeepClone();
    }

    private static JsonObject? FindRoute(JsonObject table, string routeName) =>
        Array(Props(table), "routes").FirstOrDefault(r => string.Equals(Str(r, "name"), routeName, StringComparison.OrdinalIgnoreCase));

    private ArmResource Find(string id, string kind) =>
        _resources.TryGetValue(id, out var r) && r.Kind == kind ? r : throw ArmError.NotFound(id);

    private ArmResource Add(string id, string kind, JsonObject body)
    {
        _subscriptions.Add(id.Split('/')[2]);
        var resource = new ArmResource(id, kind, body) { Order = Interlocked.Increment(ref _sequence) };
        _resources[id] = resource;
        return resource;
    }
}
