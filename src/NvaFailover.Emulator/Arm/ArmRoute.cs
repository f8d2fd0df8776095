using System.Text.Json.Nodes;
using static NvaFailover.Emulator.Arm.ArmJson;

namespace NvaFailover.Emulator.Arm;

internal enum RouteKind
{
    Unsupported,
    Permissions,
    Subscriptions,
    Resources,
    RouteTableList,
    VirtualMachineList,
    OperationStatus,
    Resource,
    Route,
    InstanceView,
    VirtualMachineAction,
    EffectiveRoutes,
    Provider,
}

/// <summary>What an ARM path names, its template for the request log, and the RBAC actions Azure would check.</summary>
internal sealed class ArmRoute
{
    private readonly List<string> _actions = [];

    public RouteKind Kind { get; private init; }
    public string Template { get; private init; } = "";
    public string Operation { get; private init; } = "";
    public string? Subscription { get; private init; }
    public string? ResourceId { get; private init; }
    public string? ResourceType { get; private init; }
    public string? ChildName { get; private init; }
    public string? Action { get; private init; }
    public IReadOnlyList<string> Actions => _actions;

    public static ArmRoute Parse(string method, string path)
    {
        var s = path.Trim('/').Split('/');
        bool Is(int i, string value) => s.Length > i && s[i].Equals(value, StringComparison.OrdinalIgnoreCase);
        var sub = Is(0, "subscriptions") && s.Length > 1 ? s[1] : null;

        if (method == "GET" && s.Length >= 4 && s[^3].Equals("providers", StringComparison.OrdinalIgnoreCase)
            && s[^2].Equals("Microsoft.Authorization", StringComparison.OrdinalIgnoreCase) && s[^1].Equals("permissions", StringComparison.OrdinalIgnoreCase))
        {
            // Reading one's own permissions needs no action.
            var scopeTemplate = s.Length >= 6 ? "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}" : "/subscriptions/{subscriptionId}";
            return new ArmRoute { Kind = RouteKind.Permissions, Template = $"{scopeTemplate}/providers/Microsoft.Authorization/permissions", Operation = "GET permissions", Subscription = sub };
        }

        if (s.Length == 1 && Is(0, "subscriptions") && method == "GET")
        {
            return Make(RouteKind.Subscriptions, "/subscriptions", "GET subscriptions", null, "Microsoft.Resources/subscriptions/read");
        }

        if (s.Length == 4 && Is(2, "providers") && method == "GET")
        {
            return Make(RouteKind.Provider, "/subscriptions/{subscriptionId}/providers/{resourceProviderNamespace}", "GET providers", sub,
                "Microsoft.Resources/subscriptions/providers/read", childName: s[3]);
        }

        if (s.Length == 3 && Is(2, "resources") && method == "GET")
        {
            return Make(RouteKind.Resources, "/subscriptions/{subscriptionId}/resources", "GET resources", sub, "Microsoft.Resources/subscriptions/resources/read");
        }

        if (s.Length == 5 && Is(2, "providers") && Is(3, "Microsoft.Network") && Is(4, "routeTables") && method == "GET")
        {
            return Make(RouteKind.RouteTableList, "/subscriptions/{subscriptionId}/providers/Microsoft.Network/routeTables", "GET routeTables", sub, "Microsoft.Network/routeTables/read");
        }

        if (s.Length == 5 && Is(2, "providers") && Is(3, "Microsoft.Compute") && Is(4, "virtualMachines") && method == "GET")
        {
            return Make(RouteKind.VirtualMachineList, "/subscriptions/{subscriptionId}/providers/Microsoft.Compute/virtualMachines", "LIST virtualMachines", sub,
                "Microsoft.Compute/virtualMachines/read");
        }

        if (s.Length == 8 && Is(2, "providers") && Is(4, "locations") && (Is(6, "operations") || Is(6, "operationResults")) && method == "GET")
        {
            var ns = s[3].Equals("Microsoft.Compute", StringComparison.OrdinalIgnoreCase) ? "Microsoft.Compute" : "Microsoft.Network";
            return Make(RouteKind.OperationStatus, $"/subscriptions/{{subscriptionId}}/providers/{ns}/locations/{{location}}/{s[6]}/{{operationId}}", $"GET {s[6]}", sub,
                $"{ns}/locations/{(Is(6, "operations") ? "operations" : "operationResults")}/read", childName: s[7]);
        }

        if (s.Length >= 8 && Is(2, "resourceGroups") && Is(4, "providers"))
        {
            var ns = s[5];
            var type = s[6];
            var id = "/" + string.Join('/', s.Take(8));
            var baseTemplate = $"/subscriptions/{{subscriptionId}}/resourceGroups/{{resourceGroupName}}/providers/{ns}/{type}/{{name}}";
            var network = ns.Equals("Microsoft.Network", StringComparison.OrdinalIgnoreCase);
            var compute = ns.Equals("Microsoft.Compute", StringComparison.OrdinalIgnoreCase);
            var kind = network && type.Equals("routeTables", StringComparison.OrdinalIgnoreCase) ? "routeTables"
                : network && type.Equals("networkInterfaces", StringComparison.OrdinalIgnoreCase) ? "networkInterfaces"
                : network && type.Equals("publicIPAddresses", StringComparison.OrdinalIgnoreCase) ? "publicIPAddresses"
                : compute && type.Equals("virtualMachines", StringComparison.OrdinalIgnoreCase) ? "virtualMachines"
                : null;
            var provider = network ? "Microsoft.Network" : "Microsoft.Compute";
            if (kind is not null && s.Length == 8 && (method == "GET" || (method == "PUT" && kind is "routeTables" or "networkInterfaces")))
            {
                return Make(RouteKind.Resource, baseTemplate, $"{method} {kind}", sub, $"{provider}/{kind}/{(method == "GET" ? "read" : "write")}", id, kind);
            }

            if (network && type.Equals("virtualNetworks", StringComparison.OrdinalIgnoreCase) && s.Length == 8 && method == "GET")
            {
                return Make(RouteKind.Resource, baseTemplate, "GET virtualNetworks", sub, "Microsoft.Network/virtualNetworks/read", id, "virtualNetworks");
            }

            if (network && type.Equals("virtualNetworks", StringComparison.OrdinalIgnoreCase) && s.Length == 10 && Is(8, "subnets") && method == "GET")
            {
                return Make(RouteKind.Resource, $"{baseTemplate}/subnets/{{subnetName}}", "GET subnets", sub, "Microsoft.Network/virtualNetworks/subnets/read",
                    "/" + string.Join('/', s), "subnets");
            }

            if (kind == "routeTables" && s.Length == 10 && Is(8, "routes") && method is "GET" or "PUT")
            {
                return Make(RouteKind.Route, $"{baseTemplate}/routes/{{routeName}}", $"{method} routes", sub,
                    $"Microsoft.Network/routeTables/routes/{(method == "GET" ? "read" : "write")}", id, kind, childName: s[9]);
            }

            if (kind == "networkInterfaces" && s.Length == 9 && Is(8, "effectiveRouteTable") && method == "POST")
            {
                return Make(RouteKind.EffectiveRoutes, $"{baseTemplate}/effectiveRouteTable", "POST effectiveRouteTable", sub,
                    "Microsoft.Network/networkInterfaces/effectiveRouteTable/action", id, kind);
            }

            if (kind == "virtualMachines" && s.Length == 9 && Is(8, "instanceView") && method == "GET")
            {
                return Make(RouteKind.InstanceView, $"{baseTemplate}/instanceView", "GET instanceView", sub, "Microsoft.Compute/virtualMachines/instanceView/read", id, kind);
            }

            if (kind == "virtualMachines" && s.Length == 9 && method == "POST" && (Is(8, "powerOff") || Is(8, "start") || Is(8, "deallocate")))
            {
                var action = s[8].Equals("powerOff", StringComparison.OrdinalIgnoreCase) ? "powerOff" : s[8].ToLowerInvariant();
                var route = Make(RouteKind.VirtualMachineAction, $"{baseTemplate}/{action}", "POST virtualMachines", sub, $"Microsoft.Compute/virtualMachines/{action}/action", id, kind);
                return new ArmRoute { Kind = route.Kind, Template = route.Template, Operation = route.Operation, Subscription = sub, ResourceId = id, ResourceType = kind, Action = action }.With(route.Actions);
            }
        }

        return new ArmRoute { Kind = RouteKind.Unsupported, Template = path, Operation = $"{method} unsupported", Subscription = sub };
    }

    /// <summary>A NIC write also needs join rights on whatever the NIC references.</summary>
    public void AddLinkedActions(JsonObject body)
    {
        if (ResourceType != "networkInterfaces")
        {
            return;
        }

        var props = Props(body);
        var configs = (props["ipConfigurations"] as JsonArray ?? []).OfType<JsonObject>().Select(Props).ToList();
        if (configs.Any(c => Str(c, "publicIPAddress", "id") is not null))
        {
            _actions.Add("Microsoft.Network/publicIPAddresses/join/action");
        }

        if (configs.Any(c => Str(c, "subnet", "id") is not null))
        {
            _actions.Add("Microsoft.Network/virtualNetworks/subnets/join/action");
        }

        if (configs.Any(c => c["applicationSecurityGroups"] is JsonArray { Count: > 0 }))
        {
            _actions.Add("Microsoft.Network/applicationSecurityGroups/joinIpConfiguration/action");
        }

        // An ipconfig in a load balancer's or application gateway's pool re-joins it on every NIC update.
        foreach (var (property, action) in LinkedPools)
        {
            if (configs.Any(c => c[property] is JsonArray { Count: > 0 }))
            {
                _actions.Add(action);
            }
        }

        if (Str(props, "networkSecurityGroup", "id") is not null)
        {
            _actions.Add("Microsoft.Network/networkSecurityGroups/join/action");
        }
    }

    private static readonly (string Property, string Action)[] LinkedPools =
    [
        ("loadBalancerBackendAddressPools", "Microsoft.Network/loadBalancers/backendAddressPools/join/action"),
        ("loadBalancerInboundNatRules", "Microsoft.Network/loadBalancers/inboundNatRules/join/action"),
        ("applicationGatewayBackendAddressPools", "Microsoft.Network/applicationGateways/backendAddressPools/join/action"),
    ];

    private ArmRoute With(IEnumerable<string> actions)
    {
        _actions.AddRange(actions);
        return this;
    }

    private static ArmRoute Make(RouteKind kind, string template, string operation, string? sub, string action, string? id = null, string? type = null, string? childName = null) =>
        new ArmRoute { Kind = kind, Template = template, Operation = operation, Subscription = sub, ResourceId = id, ResourceType = type, ChildName = childName }.With([action]);
}
