using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using NvaFailover.Emulator.Tls;

namespace NvaFailover.Emulator.Probes;

/// <summary>
/// An NVA's probe endpoint on loopback: a TCP port that also answers HTTP GET with 200, in the clear or over TLS with a
/// self-signed certificate (as appliances' management interfaces do). When the VM is not running
/// or its probe is set down the port is closed, so connections are refused as they would be by a dead appliance.
/// A forwarding-probe endpoint (the canary beyond an NVA) instead goes silent: it takes the connection and never
/// answers, as a packet dropped on its way through an appliance that does not forward never comes back.
/// The port stays the same across restarts.
/// </summary>
internal sealed class ProbeListener : IAsyncDisposable
{
    private static readonly byte[] Ok = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
    private static readonly Lazy<X509Certificate2> Certificate = new(() => SelfSignedCertificate.Create(TimeProvider.System, "CN=NVA appliance (self-signed)"));

    /// <summary>The SHA-1 thumbprint of the self-signed certificate every probe port presents over TLS.</summary>
    public static string CertificateThumbprint => Certificate.Value.Thumbprint;
    private readonly object _lock = new();
    private TcpListener? _listener;
    private CancellationTokenSource? _stop;
    private Task _loop = Task.CompletedTask;
    private volatile bool _silent;

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

    /// <summary>True while connections are taken and never answered.</summary>
    public bool IsSilent => _silent;

    /// <summary>Answers, or takes connections and never answers (the port stays open: the client's attempt times out).</summary>
    public void SetAnswering(bool answering)
    {
        _silent = !answering;
        SetListening(true);
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
                _loop = AcceptAsync(listener, () => _silent, _stop.Token);
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

    private static async Task AcceptAsync(TcpListener listener, Func<bool> silent, CancellationToken stop)
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

            _ = silent() ? HoldAsync(socket, stop) : AnswerAsync(socket, stop);
        }
    }

    /// <summary>Reads and drops whatever comes until the client gives up (at most a minute of real time).</summary>
    private static async Task HoldAsync(Socket socket, CancellationToken stop)
    {
        using (socket)
        {
            try
            {
                using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(1), TimeProvider.System);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop, deadline.Token);
                var buffer = new byte[1024];
                while (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0)
                {
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException)
            {
                // The client gave up, or the emulator stops.
            }
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
                Stream stream = new NetworkStream(socket, ownsSocket: false);
                var first = new byte[1];
                if (await socket.ReceiveAsync(first, SocketFlags.Peek, timeout.Token) == 1 && first[0] == 0x16)
                {
                    // A TLS handshake record: answer as an appliance with a self-signed certificate does.
                    var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                    await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = Certificate.Value }, timeout.Token);
                    stream = tls;
                }

                await using (stream)
                {
                    var buffer = new byte[1024];
                    var read = await stream.ReadAsync(buffer, timeout.Token);
                    if (read > 0 && Encoding.ASCII.GetString(buffer, 0, read).StartsWith("GET ", StringComparison.Ordinal))
                    {
                        await stream.WriteAsync(Ok, timeout.Token);
                    }
                }
            }
            catch (Exception ex) when (ex is System.Security.Authentication.AuthenticationException or IOException)
            {
                // A client that gave up on the handshake (a TCP probe that connected and hung up).
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException)
            {
                // A TCP probe connects and hangs up without a request; nothing to answer.
            }
        }
    }
}
