using System.CommandLine;
using NvaFailover.Cli.Commands;

namespace NvaFailover.Cli;

/// <summary>The <c>nvafo</c> command line. Exit codes: 0 ok, 1 the operation failed, 2 bad input.</summary>
public static class NvafoCli
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>The operation ran and failed (a write failed, a switchover was refused, a check found an error).</summary>
    public const int Failed = 1;

    /// <summary>The input was wrong (arguments, settings, scenario file); nothing was done.</summary>
    public const int BadInput = 2;

    /// <summary>Parses and runs a command.</summary>
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
              nvafo plan                                       what a cycle would change right now
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
        root.Options.Add(global.Settings);
        root.Options.Add(global.Endpoint);
        root.Options.Add(global.EndpointThumbprint);
        root.Options.Add(global.Verbose);

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await console.Error.WriteLineAsync(error.Message);
            }

            await console.Error.WriteLineAsync("Run 'nvafo --help' (or 'nvafo COMMAND --help') for usage and examples.");
            return BadInput;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = console.Out, Error = console.Error }, cancellationToken);
    }
}
