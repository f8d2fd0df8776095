using NvaFailover.Cli;

return await NvafoCli.RunAsync(args, new CliConsole(Console.Out, Console.Error, Console.In, Console.IsInputRedirected));
