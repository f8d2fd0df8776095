using System.CommandLine;
using NvaFailover.Cli.Hosting;
using NvaFailover.Cli.Output;
using NvaFailover.Monitoring;

namespace NvaFailover.Cli.Commands;

/// <summary><c>nvafo switchover</c>: a planned, operator-requested move.</summary>
internal static class SwitchoverCommand
{
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var cluster = new Option<string>("--cluster") { Description = "The cluster", Required = true };
        var to = new Option<string>("--to") { Description = "The NVA (VM name) to make active; it must be healthy", Required = true };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation" };
        var command = new Command("switchover", """
            Move a cluster's routes and public IPs to a named, healthy NVA (planned maintenance).
            Shows the plan and asks for confirmation unless --yes is given. Refused when the target is not up.
            Waits for the writes, then reads the cluster again and says whether every managed route and public IP
            points at the target (exit 1 if not), and prints the command that rolls it back.

            Example:
              nvafo switchover --cluster vmx --to vmx-b --yes
            """)
        {
            cluster,
            to,
            yes,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var host = CliHost.Build(parse, global, console);
            if (host is null)
            {
                return ExitCodes.BadInput;
            }

            var target = parse.GetRequiredValue(to);
            if (host.FindCluster(parse.GetRequiredValue(cluster), console) is not { } options)
            {
                return ExitCodes.BadInput;
            }

            var name = options.Name;
            var nvas = options.Nvas.Select(n => n.Name).ToList();
            if (!nvas.Contains(target, StringComparer.OrdinalIgnoreCase))
            {
                await console.Error.WriteLineAsync($"--to '{target}' is not an NVA of cluster {name}; its NVAs are {string.Join(", ", nvas)}.");
                return ExitCodes.BadInput;
            }

            var monitor = host.Get<FailoverMonitor>();
            var preview = await monitor.RunRoundAsync(name, new RoundRequest(ReadOnly: true, SwitchoverTo: target), cancellationToken);
            if (preview.Error is not null)
            {
                await console.Error.WriteLineAsync($"Switchover of {name} to {target} refused: {preview.Error}");
                return ExitCodes.Failed;
            }

            PlanTable.Print(console, [preview]);
            if (preview.Plan is null || preview.Plan.IsEmpty)
            {
                await console.Out.WriteLineAsync($"{target} is already active; nothing to do.");
                return ExitCodes.Ok;
            }

            if (!parse.GetValue(yes))
            {
                if (console.InputRedirected)
                {
                    await console.Error.WriteLineAsync("No one can confirm here (input is redirected); add --yes to switch over without asking.");
                    return ExitCodes.BadInput;
                }

                await console.Out.WriteAsync($"Switch {name} over to {target}? [y/N] ");
                var answer = (await console.In.ReadLineAsync(cancellationToken))?.Trim();
                if (!string.Equals(answer, "y", StringComparison.OrdinalIgnoreCase) && !string.Equals(answer, "yes", StringComparison.OrdinalIgnoreCase))
                {
                    await console.Out.WriteLineAsync("Not switched over.");
                    return ExitCodes.Ok;
                }
            }

            var report = await monitor.RunRoundAsync(name, new RoundRequest(SwitchoverTo: target), cancellationToken);
            await console.Out.WriteLineAsync(RoundText.Summary(report));

            // Read back: what Azure holds now, not what the writes answered.
            var left = (await monitor.DiscoverAsync(name, cancellationToken)).NotOn(target);
            await console.Out.WriteLineAsync(left.Count == 0
                ? $"Read back: every managed route and public IP of {name} points at {target}."
                : $"Read back: {RoundText.Count(left.Count, "item")} of {name} still not on {target}:{Environment.NewLine}  {string.Join($"{Environment.NewLine}  ", left)}");
            if (preview.ActiveBefore is { } before && !before.Equals(target, StringComparison.OrdinalIgnoreCase))
            {
                await console.Out.WriteLineAsync($"To roll back: {RollbackCommand(parse, before)}");
            }

            return report.Failed || left.Count > 0 ? ExitCodes.Failed : ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>This command line again, with <c>--to</c> the NVA that was active before.</summary>
    private static string RollbackCommand(ParseResult parse, string previous)
    {
        var tokens = parse.Tokens.Select(t => t.Value).ToList();
        for (var i = 0; i < tokens.Count - 1; i++)
        {
            if (tokens[i] == "--to")
            {
                tokens[i + 1] = previous;
            }
        }

        if (!tokens.Contains("--yes") && !tokens.Contains("-y"))
        {
            tokens.Add("--yes");
        }

        return "nvafo " + string.Join(' ', tokens.Select(t => t.Any(char.IsWhiteSpace) ? $"\"{t}\"" : t));
    }
}
