using System.Globalization;
using System.Text.Json.Nodes;

namespace NvaFailover.FaultSuite;

/// <summary>
/// A random but reproducible scenario from a seed: 1-3 clusters of 2-4 NVAs (1-2 interfaces each, with NSGs, ASGs,
/// load-balancer pools, tags and properties NvaFailover has never heard of), up to 50 route tables in 1-3 subscriptions
/// (managed routes next to unmanaged ones, and untagged tables that point at NVAs too), public IPs; and a timeline of NVA
/// failures and recoveries, hung appliances, flapping, ARM 429/500/503/409 and hanging requests, and outside edits of
/// routes and NICs; managed tables untagged or deleted by a person; the watcher killed at random moments (as kill -9
/// or a recycled worker), with a witness (the rehearsal's in-process store) or, where every NVA has one interface slot
/// (a restart then never needs a guess), without one; and faults aimed where random windows rarely land (a 403 on one
/// subscription's table writes, a 429 with a long Retry-After, a 503 on one NIC's writes, a failover's target failing
/// or the watcher killed inside its writes); half the seeds with a witness run two watchers at once. Every fault ends three minutes before the scenario does, with
/// every NVA healthy again.
/// </summary>
internal static class ScenarioGenerator
{
    private const string Region = "westeurope";
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(30); // the emulator's VM action latency
    private static readonly TimeSpan Settle = TimeSpan.FromMinutes(3);

    public static (JsonObject Scenario, GroundTruth Truth) Generate(int seed)
    {
        var random = new Random(seed);
        var truth = new GroundTruth();
        var subscriptions = Enumerable.Range(1, random.Next(1, 4)).Select(i => $"00000000-0000-4000-8000-{seed:x6}{i:x6}").ToList();
        var vms = new JsonArray();
        var pips = new JsonArray();
        var tables = new JsonArray();
        var subnets = new JsonArray();
        var clusters = new JsonArray();
        var clusterCount = random.Next(1, 4);
        var tablesLeft = 50;
        for (var c = 0; c < clusterCount; c++)
        {
            var name = $"c{c}";
            var nvaCount = random.Next(2, 5);
            var slots = random.Next(1, 3);
            var sub = subscriptions[c % subscriptions.Count];
            var nvas = new Dictionary<string, List<string>>();
            truth.Clusters[name] = nvas;
            truth.PublicIps[name] = [];
            var settingsNvas = new JsonArray();
            for (var n = 0; n < nvaCount; n++)
            {
                var nva = $"{name}-nva{n}";
                var ips = Enumerable.Range(0, slots).Select(s => $"10.{c + 1}.{s}.{4 + n}").ToList();
                nvas[nva] = ips;
                vms.Add(VirtualMachine(random, sub, nva, ips, c));
                settingsNvas.Add(new JsonObject { ["VirtualMachineId"] = Id(sub, $"rg-{name}", "Microsoft.Compute/virtualMachines", nva) });
            }

            if (random.NextDouble() < 0.7)
            {
                var pip = Id(sub, $"rg-{name}", "Microsoft.Network/publicIPAddresses", $"{name}-pip");
                pips.Add(new JsonObject { ["id"] = pip, ["ipAddress"] = $"20.{c + 1}.0.10", ["sku"] = "Standard", ["idleTimeoutInMinutes"] = 10, ["tags"] = new JsonObject { ["seed"] = seed.ToString(CultureInfo.InvariantCulture) } });
                var holder = vms.Last(v => v!["id"]!.GetValue<string>().EndsWith($"/{name}-nva0", StringComparison.Ordinal))!;
                holder["networkInterfaces"]![0]!["ipConfigurations"]![0]!["publicIPAddressId"] = pip;
                truth.PublicIps[name].Add(pip);
            }

            var tableCount = Math.Max(1, Math.Min(tablesLeft - (clusterCount - c - 1), random.Next(1, 20)));
            tablesLeft -= tableCount;
            for (var t = 0; t < tableCount; t++)
            {
                var table = RouteTable(random, subscriptions[random.Next(subscriptions.Count)], name, t, nvas[$"{name}-nva0"], tagged: t > 0 || random.NextDouble() < 0.9);
                tables.Add(table);
                if (random.NextDouble() < 0.5)
                {
                    // A spoke subnet using the table, with a workload VM whose effective routes verify a failover.
                    var (subnet, workload) = Workload(ArmIdOf(table), name, t);
                    subnets.Add(subnet);
                    vms.Add(workload);
                }
            }

            var kind = new[] { "VmPowerState", "Tcp", "All" }[random.Next(3)];
            truth.ProbeKinds[name] = kind;
            clusters.Add(new JsonObject
            {
                ["Name"] = name,
                ["Nvas"] = settingsNvas,
                ["Probe"] = new JsonObject { ["Kind"] = kind, ["Attempts"] = random.Next(1, 4), ["Delay"] = "00:00:01", ["Timeout"] = "00:00:02", ["Interval"] = "00:00:05" },
                ["RouteTables"] = new JsonObject { ["TagValue"] = name, ["SubscriptionIds"] = new JsonArray([.. subscriptions.Select(s => (JsonNode)s)]) },
                ["PublicIpAddressIds"] = new JsonArray([.. truth.PublicIps[name].Select(p => (JsonNode)p)]),
            });
        }

        var duration = TimeSpan.FromMinutes(random.Next(6, 9));
        var timeline = Timeline(random, truth, tables, duration - Settle);

        // Drawn from a random of their own, so that the faults above stay what each seed has always generated.
        var settings = new JsonObject { ["DiscoveryRefresh"] = "00:01:00", ["Clusters"] = clusters };
        timeline = WatcherAndPeople(new Random(unchecked((seed * 7919) + 13)), truth, tables, subnets, timeline, settings, duration - Settle);
        var withTables = subscriptions.Where(sub => tables.OfType<JsonObject>().Any(t => t["id"]!.GetValue<string>().StartsWith($"/subscriptions/{sub}/", StringComparison.Ordinal))).ToList();
        timeline = AimedFaults(new Random(unchecked((seed * 104729) + 71)), truth, withTables, timeline, duration - Settle);
        // Half the seeds with a witness run two watchers at once; a kill then takes either, or whichever leads then.
        var second = new Random(unchecked((seed * 31) + 5));
        truth.Watchers = truth.Witness && second.NextDouble() < 0.5 ? 2 : 1;
        foreach (var kill in timeline.OfType<JsonObject>().Where(e => e["do"]!.GetValue<string>() == "killWatcher" && truth.Watchers == 2))
        {
            kill["watcher"] = second.Next(3) switch { 0 => 1, 1 => 2, _ => "leader" };
        }

        var scenario = new JsonObject
        {
            ["name"] = $"fault-suite-seed-{seed}",
            ["description"] = $"Generated by the fault suite from seed {seed}.",
            ["topology"] = new JsonObject { ["virtualMachines"] = vms, ["publicIPAddresses"] = pips, ["routeTables"] = tables, ["subnets"] = subnets },
            ["settings"] = settings,
            ["arm"] = new JsonObject { ["writesPerFiveMinutes"] = 1000 },
            ["timeline"] = timeline,
            ["duration"] = Time(duration),
        };
        if (truth.Watchers > 1)
        {
            scenario["watchers"] = truth.Watchers;
        }

        return (scenario, truth);
    }

    private static JsonArray Timeline(Random random, GroundTruth truth, JsonArray tables, TimeSpan faultsEnd)
    {
        var events = new List<(TimeSpan At, JsonObject Event)>();
        var start = TimeSpan.FromSeconds(40);
        foreach (var (cluster, nvas) in truth.Clusters)
        {
            foreach (var nva in nvas.Keys)
            {
                // Episodes of one NVA never overlap: each starts after the previous one ended.
                var free = start;
                for (var episode = random.Next(0, 3); episode > 0 && free < faultsEnd - TimeSpan.FromSeconds(60); episode--)
                {
                    var from = At(random, free, faultsEnd - TimeSpan.FromSeconds(60));
                    var kind = random.Next(3);
                    if (kind == 0)
                    {
                        var on = At(random, from + TimeSpan.FromSeconds(20), Min(from + TimeSpan.FromSeconds(120), faultsEnd - Boot));
                        events.Add((from, Event(from, "powerOff", ("vm", nva))));
                        events.Add((on, Event(on, "start", ("vm", nva))));
                        truth.Down.Add(new DownEpisode(cluster, nva, from, on + Boot));
                        free = on + Boot + TimeSpan.FromSeconds(5);
                    }
                    else
                    {
                        // A hang, or flapping: the probe stops and starts answering, a few times when flapping.
                        var flaps = kind == 1 ? 1 : random.Next(2, 5);
                        var at = from;
                        for (var f = 0; f < flaps && at < faultsEnd - TimeSpan.FromSeconds(15); f++)
                        {
                            var up = Min(at + TimeSpan.FromSeconds(kind == 1 ? random.Next(20, 90) : random.Next(6, 15)), faultsEnd);
                            events.Add((at, Event(at, "probeDown", ("vm", nva))));
                            events.Add((up, Event(up, "probeUp", ("vm", nva))));
                            truth.Down.Add(new DownEpisode(cluster, nva, at, up, Observable: truth.ProbeKinds[cluster] != "VmPowerState"));
                            at = up + TimeSpan.FromSeconds(random.Next(5, 15));
                        }

                        free = at + TimeSpan.FromSeconds(5);
                    }
                }
            }
        }

        for (var w = random.Next(0, 3); w > 0; w--)
        {
            var from = At(random, start, faultsEnd - TimeSpan.FromSeconds(60));
            var status = new JsonNode[] { 429, 500, 503, 409, "timeout" }[random.Next(5)];
            var lasts = TimeSpan.FromSeconds(random.Next(20, 61));
            var e = Event(from, "armFaults");
            e["status"] = status;
            e["probability"] = Math.Round(0.1 + (random.NextDouble() * 0.4), 2);
            e["for"] = Time(lasts);
            events.Add((from, e));
            truth.ArmFaultWindows++;
        }

        var managed = tables.OfType<JsonObject>().Where(t => t["tags"]?["nva_ha_udr"] is not null)
            .SelectMany(t => t["routes"]!.AsArray().OfType<JsonObject>().Where(r => r["nextHopType"]!.GetValue<string>() == "VirtualAppliance" && truth.Owner(r["nextHopIpAddress"]!.GetValue<string>()) is not null)
                .Select(r => (Table: t, Route: r))).ToList();
        for (var edits = random.Next(0, 3); edits > 0 && managed.Count > 0; edits--)
        {
            // Someone points a managed route at another NVA of its cluster, same interface slot (drift to repair).
            var (table, route) = managed[random.Next(managed.Count)];
            var owner = truth.Owner(route["nextHopIpAddress"]!.GetValue<string>())!.Value;
            var others = truth.Clusters[owner.Cluster].Where(n => n.Key != owner.Nva).ToList();
            var to = others[random.Next(others.Count)].Value[owner.Slot];
            var at = At(random, start, faultsEnd - TimeSpan.FromSeconds(30));
            events.Add((at, Event(at, "editRoute", ("routeTable", Name(table["id"]!.GetValue<string>())), ("route", route["name"]!.GetValue<string>()), ("nextHopIpAddress", to))));
            truth.RouteEdits++;
        }

        var nics = truth.Clusters.SelectMany(c => c.Value.Keys).Select(n => $"{n}-nic0").ToList();
        for (var edits = random.Next(0, 3); edits > 0; edits--)
        {
            var nic = nics[random.Next(nics.Count)];
            var at = At(random, start, faultsEnd - TimeSpan.FromSeconds(30));
            var value = $"edited-{at.TotalSeconds.ToString(CultureInfo.InvariantCulture)}";
            var e = Event(at, "editNic", ("nic", nic));
            e["tags"] = new JsonObject { ["changeTicket"] = value };
            events.Add((at, e));
        }

        truth.FaultsEnd = events.Count == 0 ? TimeSpan.Zero : events.Max(e => e.At);
        return new JsonArray([.. events.OrderBy(e => e.At).Select(e => (JsonNode)e.Event)]);
    }

    /// <summary>
    /// Half the seeds share a witness; those, and the seeds whose NVAs all have one interface slot, have the watcher killed
    /// up to twice at random moments (down 5 to 40 s). One seed in four has a managed table untagged or deleted.
    /// </summary>
    private static JsonArray WatcherAndPeople(Random random, GroundTruth truth, JsonArray tables, JsonArray subnets, JsonArray timeline, JsonObject settings, TimeSpan faultsEnd)
    {
        var events = timeline.OfType<JsonObject>().Select(e => (At: TimeSpan.Parse(e["at"]!.GetValue<string>(), CultureInfo.InvariantCulture), Event: e)).ToList();
        var start = TimeSpan.FromSeconds(40);
        truth.Witness = random.NextDouble() < 0.5;
        if (truth.Witness)
        {
            settings["Witness"] = new JsonObject { ["ContainerUri"] = "http://127.0.0.1:10000/devstoreaccount1/witness", ["LeaseDuration"] = "00:00:15" };
        }

        var oneArmed = truth.Clusters.Values.All(nvas => nvas.Values.All(ips => ips.Count == 1));
        if (truth.Witness || oneArmed)
        {
            for (var k = random.Next(0, 3); k > 0; k--)
            {
                var at = At(random, start, faultsEnd - TimeSpan.FromSeconds(60));
                var down = TimeSpan.FromSeconds(random.Next(5, 41));
                if (truth.Kills.Any(x => at < x.At + x.DownFor + TimeSpan.FromSeconds(5) && x.At < at + down + TimeSpan.FromSeconds(5)))
                {
                    continue;
                }

                var e = Event(at, "killWatcher");
                e["downFor"] = Time(down);
                events.Add((at, e));
                truth.Kills.Add((at, down));
            }
        }

        var managed = tables.OfType<JsonObject>().Where(t => t["tags"]?["nva_ha_udr"] is not null).ToList();
        if (managed.Count > 1 && random.NextDouble() < 0.25)
        {
            var id = managed[random.Next(managed.Count)]["id"]!.GetValue<string>();
            var table = Name(id);
            var at = At(random, start, faultsEnd - TimeSpan.FromSeconds(30));

            // Azure refuses to delete a table a subnet uses: such a table is untagged.
            var used = subnets.OfType<JsonObject>().Any(s => s["routeTableId"]?.GetValue<string>() == id);
            var deleted = !used && random.NextDouble() < 0.5;
            events.Add((at, Event(at, deleted ? "deleteRouteTable" : "untagRouteTable", ("routeTable", table))));
            truth.Released.Add((at, table, deleted));
        }

        truth.FaultsEnd = events.Count == 0 ? TimeSpan.Zero : events.Max(e => e.At);
        return new JsonArray([.. events.OrderBy(e => e.At).Select(e => (JsonNode)e.Event.DeepClone())]);
    }

    /// <summary>
    /// Faults the random windows cannot make, each in about one seed in five: ARM refusing one subscription's route table
    /// writes (403, a role missing there), throttling with a long Retry-After, the attach of a public IP failing (503 on
    /// one NVA's first NIC), a failover superseded inside its public IP move (its target fails 8 to 20 s after the active
    /// did), and the watcher killed inside a failover's writes (in seeds that may kill it).
    /// </summary>
    private static JsonArray AimedFaults(Random random, GroundTruth truth, List<string> subscriptions, JsonArray timeline, TimeSpan faultsEnd)
    {
        var events = timeline.OfType<JsonObject>().Select(e => (At: TimeSpan.Parse(e["at"]!.GetValue<string>(), CultureInfo.InvariantCulture), Event: e)).ToList();
        var start = TimeSpan.FromSeconds(40);
        JsonObject Window(int status, TimeSpan at)
        {
            var e = Event(at, "armFaults");
            e["status"] = status;
            e["probability"] = 1;
            e["for"] = Time(TimeSpan.FromSeconds(random.Next(20, 61)));
            events.Add((at, e));
            truth.AimedFaults++;
            return e;
        }

        if (random.NextDouble() < 0.2)
        {
            var e = Window(403, At(random, start, faultsEnd - TimeSpan.FromSeconds(60)));
            e["operation"] = "PUT routeTables";
            e["subscription"] = subscriptions[random.Next(subscriptions.Count)];
        }

        if (random.NextDouble() < 0.2)
        {
            var e = Window(429, At(random, start, faultsEnd - TimeSpan.FromSeconds(60)));
            e["probability"] = Math.Round(0.2 + (random.NextDouble() * 0.5), 2);
            e["retryAfter"] = Time(TimeSpan.FromSeconds(random.Next(30, 121)));
            if (random.NextDouble() < 0.5)
            {
                e["operation"] = random.NextDouble() < 0.5 ? "PUT routeTables" : "PUT networkInterfaces";
            }
        }

        var withPip = truth.PublicIps.Where(p => p.Value.Count > 0).Select(p => p.Key).ToList();
        if (withPip.Count > 0 && random.NextDouble() < 0.2)
        {
            var cluster = withPip[random.Next(withPip.Count)];
            var nvas = truth.Clusters[cluster].Keys.ToList();
            var e = Window(503, At(random, start, faultsEnd - TimeSpan.FromSeconds(60)));
            e["operation"] = "PUT networkInterfaces";
            e["resource"] = $"{nvas[random.Next(nvas.Count)]}-nic0";
        }

        // The first power-off of a cluster's first NVA (the active one at the start), when its second NVA is healthy then.
        var firstFailures = truth.Down.Where(d => d.Observable && d.Nva.EndsWith("-nva0", StringComparison.Ordinal) && d.From < faultsEnd - TimeSpan.FromSeconds(60))
            .GroupBy(d => d.Cluster).Select(g => g.MinBy(d => d.From)!).ToList();
        if (firstFailures.Count > 0 && random.NextDouble() < 0.2)
        {
            var first = firstFailures[random.Next(firstFailures.Count)];
            var target = $"{first.Cluster}-nva1";
            var at = first.From + TimeSpan.FromSeconds(random.Next(8, 21));
            var on = at + TimeSpan.FromSeconds(random.Next(20, 60));
            if (on + Boot < faultsEnd && !truth.Down.Any(d => d.Cluster == first.Cluster && d.Nva == target && d.From < on + Boot + TimeSpan.FromSeconds(5) && at < d.To + TimeSpan.FromSeconds(5)))
            {
                events.Add((at, Event(at, "powerOff", ("vm", target))));
                events.Add((on, Event(on, "start", ("vm", target))));
                truth.Down.Add(new DownEpisode(first.Cluster, target, at, on + Boot));
            }
        }

        if ((truth.Witness || truth.Clusters.Values.All(nvas => nvas.Values.All(ips => ips.Count == 1))) && firstFailures.Count > 0 && random.NextDouble() < 0.3)
        {
            var first = firstFailures[random.Next(firstFailures.Count)];
            var at = first.From + TimeSpan.FromSeconds(random.Next(6, 20));
            var down = TimeSpan.FromSeconds(random.Next(5, 31));
            if (at + down < faultsEnd && !truth.Kills.Any(x => at < x.At + x.DownFor + TimeSpan.FromSeconds(5) && x.At < at + down + TimeSpan.FromSeconds(5)))
            {
                var e = Event(at, "killWatcher");
                e["downFor"] = Time(down);
                events.Add((at, e));
                truth.Kills.Add((at, down));
            }
        }

        truth.FaultsEnd = events.Count == 0 ? TimeSpan.Zero : events.Max(e => e.At);
        return new JsonArray([.. events.OrderBy(e => e.At).Select(e => (JsonNode)e.Event.DeepClone())]);
    }

    private static JsonObject VirtualMachine(Random random, string sub, string nva, List<string> ips, int c)
    {
        var group = $"rg-c{c}";
        var nics = new JsonArray();
        for (var s = 0; s < ips.Count; s++)
        {
            var config = new JsonObject
            {
                ["name"] = "ipconfig1",
                ["privateIPAddress"] = ips[s],
                ["privateIPAllocationMethod"] = "Static",
                ["subnetId"] = $"/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.Network/virtualNetworks/vnet-c{c}/subnets/slot{s}",
            };
            if (random.NextDouble() < 0.3)
            {
                config["applicationSecurityGroupIds"] = new JsonArray(Id(sub, group, "Microsoft.Network/applicationSecurityGroups", $"asg-c{c}"));
            }

            if (random.NextDouble() < 0.3)
            {
                config["loadBalancerBackendAddressPools"] = new JsonArray(new JsonObject { ["id"] = $"{Id(sub, group, "Microsoft.Network/loadBalancers", $"ilb-c{c}")}/backendAddressPools/nvas" });
            }

            var nic = new JsonObject
            {
                ["id"] = Id(sub, group, "Microsoft.Network/networkInterfaces", $"{nva}-nic{s}"),
                ["enableIPForwarding"] = true,
                ["enableAcceleratedNetworking"] = random.NextDouble() < 0.5,
                ["tags"] = new JsonObject { ["role"] = "nva", ["slot"] = s.ToString(CultureInfo.InvariantCulture) },
                ["auxiliaryMode"] = "None",
                ["ipConfigurations"] = new JsonArray(config),
            };
            if (random.NextDouble() < 0.6)
            {
                nic["networkSecurityGroupId"] = Id(sub, group, "Microsoft.Network/networkSecurityGroups", $"nsg-c{c}-slot{s}");
            }

            if (random.NextDouble() < 0.3)
            {
                nic["dnsSettings"] = new JsonObject { ["dnsServers"] = new JsonArray("168.63.129.16") };
            }

            nics.Add(nic);
        }

        return new JsonObject
        {
            ["id"] = Id(sub, group, "Microsoft.Compute/virtualMachines", nva),
            ["location"] = Region,
            ["powerState"] = "running",
            ["probeUp"] = true,
            ["networkInterfaces"] = nics,
        };
    }

    private static JsonObject RouteTable(Random random, string sub, string cluster, int t, List<string> active, bool tagged)
    {
        var routes = new JsonArray();
        for (var r = random.Next(1, 4); r > 0; r--)
        {
            var slot = random.Next(active.Count);
            routes.Add(new JsonObject { ["name"] = $"to-nva-{r}", ["addressPrefix"] = $"10.{100 + r}.{t}.0/24", ["nextHopType"] = "VirtualAppliance", ["nextHopIpAddress"] = active[slot], ["hasBgpOverride"] = false });
        }

        routes.Add(new JsonObject { ["name"] = "local", ["addressPrefix"] = $"10.200.{t}.0/24", ["nextHopType"] = "VnetLocal" });
        routes.Add(new JsonObject { ["name"] = "other-appliance", ["addressPrefix"] = $"10.250.{t}.0/24", ["nextHopType"] = "VirtualAppliance", ["nextHopIpAddress"] = "10.250.0.4" });
        var tags = new JsonObject { ["owner"] = "app-team" };
        if (tagged)
        {
            tags["nva_ha_udr"] = cluster;
        }

        return new JsonObject
        {
            ["id"] = Id(sub, $"rg-spoke-{cluster}", "Microsoft.Network/routeTables", $"rt-{cluster}-{t}"),
            ["location"] = Region,
            ["tags"] = tags,
            ["disableBgpRoutePropagation"] = random.NextDouble() < 0.5,
            ["routes"] = routes,
        };
    }

    private static string ArmIdOf(JsonObject resource) => resource["id"]!.GetValue<string>();

    /// <summary>Spoke subnet <c>apps-{t}</c> of cluster <paramref name="cluster"/> using <paramref name="tableId"/>, and a running workload VM in it.</summary>
    private static (JsonObject Subnet, JsonObject Vm) Workload(string tableId, string cluster, int t)
    {
        var sub = tableId.Split('/')[2];
        var group = $"rg-apps-{cluster}";
        var subnet = $"/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.Network/virtualNetworks/vnet-apps-{cluster}/subnets/apps-{t}";
        var vm = new JsonObject
        {
            ["id"] = Id(sub, group, "Microsoft.Compute/virtualMachines", $"app-{cluster}-{t}"),
            ["location"] = Region,
            ["networkInterfaces"] = new JsonArray(new JsonObject
            {
                ["id"] = Id(sub, group, "Microsoft.Network/networkInterfaces", $"app-{cluster}-{t}-nic"),
                ["ipConfigurations"] = new JsonArray(new JsonObject { ["name"] = "ipconfig1", ["privateIPAddress"] = $"10.150.{t}.4", ["subnetId"] = subnet }),
            }),
        };
        return (new JsonObject { ["id"] = subnet, ["routeTableId"] = tableId }, vm);
    }

    private static JsonObject Event(TimeSpan at, string action, params (string Key, string Value)[] fields)
    {
        var e = new JsonObject { ["at"] = Time(at), ["do"] = action };
        foreach (var (key, value) in fields)
        {
            e[key] = value;
        }

        return e;
    }

    private static string Id(string sub, string group, string type, string name) => $"/subscriptions/{sub}/resourceGroups/{group}/providers/{type}/{name}";

    private static string Name(string id) => id[(id.LastIndexOf('/') + 1)..];

    private static string Time(TimeSpan t) => t.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>A whole second between <paramref name="from"/> and <paramref name="to"/>.</summary>
    private static TimeSpan At(Random random, TimeSpan from, TimeSpan to) => TimeSpan.FromSeconds(Math.Round(from.TotalSeconds + (random.NextDouble() * (to - from).TotalSeconds)));
}
