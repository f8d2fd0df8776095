using System.Text.Json.Nodes;
using NvaFailover.Emulator.Arm;
using NvaFailover.Emulator.Scenarios;

namespace NvaFailover.Emulator;

/// <summary>The standalone emulator's control surface under <c>/_emulator/</c>: the in-process methods, over HTTP.</summary>
internal sealed class EmulatorControl(ArmEmulator emulator)
{
    public async Task HandleAsync(HttpContext context)
    {
        var segments = context.Request.Path.Value!.Trim('/').Split('/');
        var method = context.Request.Method;
        try
        {
            switch (segments.Skip(1).ToArray())
            {
                case ["state"] when method == "GET":
                    await Write(context, 200, emulator.Topology());
                    break;
                case ["topology"] when method == "POST":
                    using (var reader = new StreamReader(context.Request.Body))
                    {
                        var text = await reader.ReadToEndAsync();
                        if (ScenarioReader.ParseJson(text) is not JsonObject body)
                        {
                            throw new ArgumentException("The body must be a scenario or topology object.");
                        }

                        if (body["topology"] is not null)
                        {
                            emulator.Load(Scenario.Parse(text, "request body"));
                        }
                        else
                        {
                            // The same checks as a scenario's topology: a body the emulator cannot hold whole is refused, never half loaded.
                            var problems = new List<ScenarioProblem>();
                            ScenarioReader.CheckTopology(body, "$", problems);
                            if (problems.Count > 0)
                            {
                                throw new ScenarioException("request body", problems);
                            }

                            emulator.Load(body);
                        }
                    }

                    await Write(context, 200, new JsonObject { ["loaded"] = true });
                    break;
                case ["requests"] when method == "GET":
                    await Write(context, 200, new JsonObject
                    {
                        ["value"] = new JsonArray([.. emulator.Requests.Select(r => (JsonNode)new JsonObject
                        {
                            ["at"] = r.At.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                            ["method"] = r.Method,
                            ["path"] = r.PathTemplate,
                            ["operation"] = r.Operation,
                            ["status"] = r.Status,
                            ["ifMatch"] = r.IfMatch,
                            ["actions"] = new JsonArray([.. r.Actions.Select(a => (JsonNode)a)]),
                        })]),
                    });
                    break;
                case ["probes"] when method == "GET":
                    var probes = new JsonObject();
                    foreach (var (vm, probe) in emulator.Probes)
                    {
                        probes[vm] = new JsonObject
                        {
                            ["tcp"] = $"127.0.0.1:{probe.Port}",
                            ["http"] = $"http://127.0.0.1:{probe.Port}/health",
                            ["answering"] = probe.IsListening,
                            ["forwarding"] = emulator.ForwardingProbeEndpoint(vm),
                            ["forwardingAnswers"] = emulator.ForwardingProbes.TryGetValue(vm, out var f) && !f.IsSilent,
                        };
                    }

                    await Write(context, 200, probes);
                    break;
                case ["vms", var vm, "probe"] when method == "POST":
                    emulator.SetProbe(vm, !string.Equals(context.Request.Query["up"], "false", StringComparison.OrdinalIgnoreCase));
                    await Write(context, 200, new JsonObject { ["vm"] = vm, ["probeUp"] = emulator.VirtualMachineState(emulator.Resolve("virtualMachines", vm)).ProbeUp });
                    break;
                case ["vms", var vm, "forwarding"] when method == "POST":
                    emulator.SetForwarding(vm, !string.Equals(context.Request.Query["up"], "false", StringComparison.OrdinalIgnoreCase));
                    await Write(context, 200, new JsonObject { ["vm"] = vm, ["forwarding"] = emulator.VirtualMachineState(emulator.Resolve("virtualMachines", vm)).Forwarding });
                    break;
                case ["canary"] when method == "POST":
                    emulator.SetCanary(!string.Equals(context.Request.Query["up"], "false", StringComparison.OrdinalIgnoreCase));
                    await Write(context, 200, new JsonObject { ["canaryUp"] = emulator.CanaryUp });
                    break;
                case ["vms", var vm, var action] when method == "POST" && action is "powerOff" or "start" or "deallocate":
                    emulator.PowerAction(vm, action);
                    await Write(context, 202, new JsonObject { ["vm"] = vm, ["action"] = action });
                    break;
                case ["routeTables", var table, "routes", var route] when method == "POST":
                    emulator.EditRoute(table, route, context.Request.Query["nextHopIpAddress"].ToString());
                    await Write(context, 200, new JsonObject { ["routeTable"] = table, ["route"] = route });
                    break;
                case ["faults"] when method == "POST":
                    var status = int.TryParse(context.Request.Query["status"], out var s) ? s : 0;
                    var probability = double.TryParse(context.Request.Query["probability"], System.Globalization.CultureInfo.InvariantCulture, out var p) ? p : 1;
                    var duration = TimeSpan.TryParse(context.Request.Query["for"], System.Globalization.CultureInfo.InvariantCulture, out var d) ? d : TimeSpan.FromMinutes(1);
                    emulator.AddFaults(status, probability, duration);
                    await Write(context, 200, new JsonObject { ["status"] = status, ["probability"] = probability, ["for"] = duration.ToString("c", System.Globalization.CultureInfo.InvariantCulture) });
                    break;
                default:
                    await Write(context, 404, new JsonObject { ["error"] = $"Unknown control call {method} {context.Request.Path}. Calls: GET state, POST topology, GET requests, GET probes, POST vms/{{vm}}/probe?up=, POST vms/{{vm}}/forwarding?up=, POST canary?up=, POST vms/{{vm}}/powerOff|start|deallocate, POST routeTables/{{table}}/routes/{{route}}?nextHopIpAddress=, POST faults?status=&probability=&for=" });
                    break;
            }
        }
        catch (Exception ex) when (ex is ArgumentException or ArmError or ScenarioException or System.Text.Json.JsonException)
        {
            await Write(context, 400, new JsonObject { ["error"] = ex.Message });
        }
    }

    private static async Task Write(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(body.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    }
}
