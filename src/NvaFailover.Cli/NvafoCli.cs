using System.CommandLine;
using NvaFailover.Cli.Commands;
using NvaFailover.Cli.Hosting;

namespace NvaFailover.Cli;

/// <summary>The <c>nvafo</c> command line; what it exits with is <see cref="ExitCodes"/>.</summary>
public static class NvafoCli
{
    /// <summary>Parses and runs a command; <paramref name="cancellationToken"/> is Ctrl+C and SIGTERM.</summary>
    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(console);
        var global = new GlobalOptions();
        var root = new RootCommand("""
            nvafo: keeps traffic flowing when a network virtual appliance in Azure dies.
            Probes your NVAs, points every managed route at the healthy one and moves its public IP.

            Examples:
              nvafo simulate                                   rehearse a failover on the built-in scenario
              nvafo check --settings appsettings.prod.json     preflight a deployment
              nvafo plan                                       what a round would change right now
            """)
        {
            RunCommand.Create(global, console),
            OnceCommand.Create(global, console),
            PlanCommand.Create(global, console),
            SwitchoverCommand.Create(global, console),
            CheckCommand.Create(global, console),
            SimulateCommand.Create(global, console),
            ExportCommand.Create(global, console),
        };
        foreach (var version in root.Options.OfType<VersionOption>())
        {
            version.Action = new PrintVersion(console);
        }

        // The settings and endpoint options apply to the commands that talk to Azure; a rehearsal takes its settings from
        // its scenario and runs on its own emulator, so simulate neither takes nor lists them.
        foreach (var azureCommand in root.Subcommands.Where(c => c.Name != "simulate"))
        {
            azureCommand.Options.Add(global.Settings);
            azureCommand.Options.Add(global.Endpoint);
            azureCommand.Options.Add(global.EndpointThumbprint);
        }

        root.Options.Add(global.Verbose);

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await console.Error.WriteLineAsync(error.Message);
            }

            await console.Error.WriteLineAsync("Run 'nvafo --help' (or 'nvafo COMMAND --help') for usage and examples.");
            return ExitCodes.BadInput;
        }

        var command = parse.CommandResult.Command.Name;
        try
        {
            // Ctrl+C is the caller's token (Program handles the signals), so a command decides what stopping means.
            return await parse.InvokeAsync(
                new InvocationConfiguration { Output = console.Out, Error = console.Error, ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false },
                cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await console.Error.WriteLineAsync($"nvafo {command}: interrupted before it finished.");
            return ExitCodes.Interrupted;
        }
        catch (Exception ex)
        {
            // The one place an unexpected failure becomes a line a person can act on; --verbose adds the detail.
            await console.Error.WriteLineAsync($"nvafo {command} failed: {ex.Message} Run it again with --verbose for the detail; if it persists, report it with that output.");
            if (parse.GetValue(global.Verbose))
            {
                await console.Error.WriteLineAsync(ex.ToString());
            }

            return ExitCodes.Failed;
        }
    }
}

/// <summary><c>nvafo --version</c>: the release and the commit it was built from.</summary>
internal sealed class PrintVersion(CliConsole console) : System.CommandLine.Invocation.SynchronousCommandLineAction
{
    /// <summary><c>nvafo 0.3.0 (commit 5a1bec8)</c>, from the assembly's informational version (<c>0.3.0+sha</c>).</summary>
    public static string Text
    {
        get
        {
            var informational = typeof(NvafoCli).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
                .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "unknown";
            var plus = informational.IndexOf('+', StringComparison.Ordinal);
            return plus < 0
                ? $"nvafo {informational}"
                : $"nvafo {informational[..plus]} (commit {informational[(plus + 1)..][..Math.Min(7, informational.Length - plus - 1)]})";
        }
    }

    public override int Invoke(ParseResult parseResult)
    {
        console.Out.WriteLine(Text);
        return ExitCodes.Ok;
    }
}
