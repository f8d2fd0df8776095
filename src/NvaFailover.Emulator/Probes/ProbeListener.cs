using System.Net;
using System.Net.Sockets;
using System.Text;

namespace NvaFailover.Emulator;

/// <summary>
/// An NVA's probe endpoint on loopback: a TCP port that also answers HTTP GET with 200. When the VM is not running
/// or its probe is set down the port is closed, so connections are refused as they would be by a dead appliance.
/// The port stays the same across restarts.
/// </summary>
internal sealed class ProbeListener : IAsyncDisposable
{
    private static readonly byte[] Ok = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
    private readonly object _lock = new();
    private TcpListener? _listener;
    private CancellationTokenSource? _stop;
    private Task _loop = Task.CompletedTask;

    public ProbeListener()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
    }

    public int Port { get; }

    public bool IsListening
    {
        get
        {
            lock (_lock)
            {
                return _listener is not null;
            }
        }
    }

    public void SetListening(bool listening)
    {
        lock (_lock)
        {
            if (listening && _listener is null)
            {
                var listener = new TcpListener(IPAddress.Loopback, Port);
                listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                listener.Start();
                _listener = listener;
                _stop = new CancellationTokenSource();
                _loop = AcceptAsync(listener, _stop.Token);
            }
            else if (!listening && _listener is not null)
            {
                _stop!.Cancel();
                _listener.Stop();
                _listener = null;
                _stop.Dispose();
                _stop = null;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        SetListening(false);
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task AcceptAsync(TcpListener listener, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptSocketAsync(stop);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = AnswerAsync(socket, stop);
        }
    }

    private static async Task AnswerAsync(Socket socket, CancellationToken stop)
    {
        using (socket)
        {
            try
            {
                // Socket I/O runs on real time, whatever the scenario's speed.
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(2), TimeProvider.System);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop, deadline.Token);
                var buffer = new byte[1024];
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                if (read > 0 && Encoding.ASCII.GetString(buffer, 0, read).StartsWith("GET ", StringComparison.Ordinal))
                {
                    await socket.SendAsync(Ok, SocketFlags.None, timeout.Token);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException)
            {
                // A TCP probe connects and hangs up without a request; nothing to answer.
            }
        }
    }
}
