using System.Diagnostics;
using System.Net;
using System.Text;
using System.Threading.Channels;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NvaFailover.Functions.Tests.Rpc;

namespace NvaFailover.Functions.Tests;

/// <summary>
/// The Azure Functions host's side of the language-worker protocol: a FunctionRpc gRPC server on loopback, and the
/// built worker started as a process with the arguments and environment the host gives it (worker.config.json:
/// <c>dotnet NvaFailover.Functions.dll</c>).
/// </summary>
public sealed class FunctionsHostFake : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly WebApplication _server;
    private readonly Channel<StreamingMessage> _fromWorker;
    private readonly Channel<StreamingMessage> _toWorker;
    private readonly StringBuilder _output = new();
    private readonly List<StreamingMessage> _seen = [];
    private Process? _worker;

    private FunctionsHostFake(WebApplication server, Channel<StreamingMessage> fromWorker, Channel<StreamingMessage> toWorker)
    {
        _server = server;
        _fromWorker = fromWorker;
        _toWorker = toWorker;
    }

    public string WorkerId { get; } = Guid.NewGuid().ToString();

    /// <summary>The worker's build output: the folder the Functions host would run it from.</summary>
    public static string AppDirectory
    {
        get
        {
            // tests/X/bin/{Configuration}/net10.0/ -> src/NvaFailover.Functions/bin/{Configuration}/net10.0/
            var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var path = Repository.File("src", "NvaFailover.Functions", "bin", output.Parent!.Name, output.Name);
            return File.Exists(Path.Combine(path, "NvaFailover.Functions.dll"))
                ? path
                : throw new FileNotFoundException($"The Functions host is not built at {path}; build the solution first (dotnet build).");
        }
    }

    /// <summary>Everything the worker wrote to standard output and error.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Every message the worker sent so far.</summary>
    public IReadOnlyList<StreamingMessage> Seen
    {
        get
        {
            lock (_seen)
            {
                return [.. _seen];
            }
        }
    }

    public static async Task<FunctionsHostFake> StartAsync(IReadOnlyDictionary<string, string?> appSettings)
    {
        var fromWorker = Channel.CreateUnbounded<StreamingMessage>();
        var toWorker = Channel.CreateUnbounded<StreamingMessage>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = null);
        builder.Services.AddSingleton(new WorkerStream(fromWorker.Writer, toWorker.Reader));
        var server = builder.Build();
        server.MapGrpcService<FunctionRpcService>();
        await server.StartAsync();
        var host = new FunctionsHostFake(server, fromWorker, toWorker);
        var port = new Uri(server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
        host.StartWorker(port, appSettings);
        return host;
    }

    /// <summary>The next message from the worker that <paramref name="match"/> accepts (others are kept in <see cref="Seen"/>).</summary>
    public async Task<StreamingMessage> ReceiveAsync(Func<StreamingMessage, bool> match, string what)
    {
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            while (true)
            {
                var message = await _fromWorker.Reader.ReadAsync(timeout.Token);
                Record(message);
                if (match(message))
                {
                    return message;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            throw new TimeoutException($"The worker did not send {what} within {Patience.TotalSeconds} s. Its output:{Environment.NewLine}{Output}", ex);
        }
    }

    public ValueTask SendAsync(StreamingMessage message) => _toWorker.Writer.WriteAsync(message);

    /// <summary>Init, then indexing: what the host does before it loads functions.</summary>
    public async Task<(WorkerInitResponse Init, FunctionMetadataResponse Metadata)> InitializeAsync()
    {
        await ReceiveAsync(m => m.StartStream is not null, "StartStream");
        await SendAsync(new StreamingMessage
        {
            RequestId = Guid.NewGuid().ToString(),
            WorkerInitRequest = new WorkerInitRequest
            {
                HostVersion = "4.1040.100.0",
                WorkerDirectory = AppDirectory,
                FunctionAppDirectory = AppDirectory,
                Capabilities = { ["HandlesWorkerTerminateMessage"] = "true" },
            },
        });
        var init = (await ReceiveAsync(m => m.WorkerInitResponse is not null, "WorkerInitResponse")).WorkerInitResponse;
        await SendAsync(new StreamingMessage
        {
            RequestId = Guid.NewGuid().ToString(),
            FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = AppDirectory },
        });
        var metadata = (await ReceiveAsync(m => m.FunctionMetadataResponse is not null, "FunctionMetadataResponse")).FunctionMetadataResponse;
        return (init, metadata);
    }

    public async Task<FunctionLoadResponse> LoadAsync(RpcFunctionMetadata function)
    {
        var metadata = function.Clone();
        metadata.Directory = AppDirectory;
        await SendAsync(new StreamingMessage
        {
            RequestId = Guid.NewGuid().ToString(),
            FunctionLoadRequest = new FunctionLoadRequest { FunctionId = function.FunctionId, Metadata = metadata },
        });
        return (await ReceiveAsync(m => m.FunctionLoadResponse?.FunctionId == function.FunctionId, "FunctionLoadResponse")).FunctionLoadResponse;
    }

    /// <summary>A timer tick as the host sends it: the TimerInfo payload as JSON, under the binding's name.</summary>
    public async Task<InvocationResponse> InvokeTimerAsync(string functionId, string bindingName)
    {
        var invocationId = Guid.NewGuid().ToString();
        var timer = new TypedData { Json = """{"Schedule":{"AdjustForDST":true},"ScheduleStatus":null,"IsPastDue":false}""" };
        await SendAsync(new StreamingMessage
        {
            RequestId = Guid.NewGuid().ToString(),
            InvocationRequest = new InvocationRequest
            {
                InvocationId = invocationId,
                FunctionId = functionId,
                InputData = { new ParameterBinding { Name = bindingName, Data = timer } },
                TriggerMetadata = { [bindingName] = timer },
                TraceContext = new RpcTraceContext { TraceParent = $"00-{Guid.NewGuid():N}-{Guid.NewGuid().ToString("N")[..16]}-01" },
            },
        });
        return (await ReceiveAsync(m => m.InvocationResponse?.InvocationId == invocationId, "InvocationResponse")).InvocationResponse;
    }

    /// <summary>Waits for the worker process to end; its exit code.</summary>
    public async Task<int> WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            await _worker!.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException ex)
        {
            throw new TimeoutException($"The worker did not exit within {Patience.TotalSeconds} s. Its output:{Environment.NewLine}{Output}", ex);
        }

        return _worker.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (_worker is { HasExited: false })
        {
            await SendAsync(new StreamingMessage { WorkerTerminate = new WorkerTerminate { GracePeriod = new Duration { Seconds = 5 } } });
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _worker.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _worker.Kill(entireProcessTree: true);
            }
        }

        _worker?.Dispose();
        _toWorker.Writer.TryComplete();
        await _server.StopAsync();
        await _server.DisposeAsync();
    }

    private void StartWorker(int port, IReadOnlyDictionary<string, string?> appSettings)
    {
        var uri = $"http://127.0.0.1:{port}/";
        var requestId = Guid.NewGuid().ToString();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            Path.Combine(AppDirectory, "NvaFailover.Functions.dll"),
            "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--workerId", WorkerId, "--requestId", requestId, "--grpcMaxMessageLength", "2147483647",
            "--functions-uri", uri, "--functions-worker-id", WorkerId, "--functions-request-id", requestId,
            "--functions-grpc-max-message-length", "2147483647",
        })
        {
            start.ArgumentList.Add(arg);
        }

        // The host hands the worker its app settings as environment variables, plus its own.
        start.Environment["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated";
        start.Environment["FUNCTIONS_WORKER_DIRECTORY"] = AppDirectory;
        start.Environment["AzureWebJobsScriptRoot"] = AppDirectory;
        foreach (var (key, value) in appSettings)
        {
            start.Environment[key] = value;
        }

        _worker = Process.Start(start) ?? throw new InvalidOperationException("dotnet could not be started.");
        _worker.OutputDataReceived += (_, e) => Append(e.Data);
        _worker.ErrorDataReceived += (_, e) => Append(e.Data);
        _worker.BeginOutputReadLine();
        _worker.BeginErrorReadLine();
        _worker.EnableRaisingEvents = true;
        _worker.Exited += (_, _) => _fromWorker.Writer.TryComplete();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    private void Record(StreamingMessage message)
    {
        lock (_seen)
        {
            _seen.Add(message);
        }
    }

    private sealed record WorkerStream(ChannelWriter<StreamingMessage> FromWorker, ChannelReader<StreamingMessage> ToWorker);

    /// <summary>The one call of the protocol: both directions of the worker's stream, handed to the test through channels.</summary>
    private sealed class FunctionRpcService(WorkerStream stream) : FunctionRpc.FunctionRpcBase
    {
        public override async Task EventStream(IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, ServerCallContext context)
        {
            var token = context.CancellationToken;
            var sending = Task.Run(async () =>
            {
                await foreach (var message in stream.ToWorker.ReadAllAsync(token))
                {
                    await responseStream.WriteAsync(message, token);
                }
            }, token);
            try
            {
                await foreach (var message in requestStream.ReadAllAsync(token))
                {
                    await stream.FromWorker.WriteAsync(message, token);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or ChannelClosedException)
            {
                // The worker went away.
            }

            try
            {
                await sending;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}
