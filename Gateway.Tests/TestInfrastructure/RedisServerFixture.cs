using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Gateway.Tests.TestInfrastructure;

/// <summary>
/// A real <c>redis-server</c> on a free loopback port, without persistence, stopped when the tests end.
/// Each test uses its own key prefix, so one server serves a whole collection.
/// </summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private Process? _process;

    public int Port { get; private set; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public async Task InitializeAsync()
    {
        // A port that was free a moment ago may be taken by a parallel test's server before redis binds it: try another.
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort.Next();
            try
            {
                await StartAsync();
                return;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
            }
        }
    }

    /// <summary>Starts (or restarts, empty) the server on the same port.</summary>
    public async Task StartAsync()
    {
        var executable = FindRedisServer();
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no" })
        {
            start.ArgumentList.Add(arg);
        }
        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var process = _process;
        await Poll.UntilAsync(async () => process.HasExited
            ? throw new InvalidOperationException($"redis-server exited at start (port {Port} taken?)")
            : await PingAsync(), TimeSpan.FromSeconds(10), $"redis-server answers PING on port {Port}");
    }

    /// <summary>Freezes the server (SIGSTOP): connections stay open but nothing answers.</summary>
    public void Freeze() => Signal("STOP");

    /// <summary>Unfreezes the server (SIGCONT).</summary>
    public void Thaw() => Signal("CONT");

    /// <summary>Kills the server; <see cref="StartAsync"/> brings up an empty one on the same port.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>Sends one command and returns the raw reply (e.g. <c>INFO commandstats</c>).</summary>
    public async Task<string> CommandAsync(params string[] args)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", Port);
        var stream = client.GetStream();
        var request = new StringBuilder($"*{args.Length}\r\n");
        foreach (var arg in args)
        {
            request.Append($"${Encoding.UTF8.GetByteCount(arg)}\r\n{arg}\r\n");
        }
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()));
        var buffer = new byte[64 * 1024];
        var read = await stream.ReadAsync(buffer);
        return Encoding.UTF8.GetString(buffer, 0, read);
    }

    private async Task<bool> PingAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", Port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token);
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or IOException)
        {
            return false;
        }
    }

    private void Signal(string signal)
    {
        if (_process is null)
        {
            return;
        }
        using var kill = Process.Start("kill", $"-{signal} {_process.Id}");
        kill.WaitForExit();
    }

    private static string FindRedisServer()
    {
        foreach (var candidate in new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException("redis-server is not installed: run the README's test command, which installs it.");
    }

    public async Task DisposeAsync()
    {
        if (_process is not null)
        {
            Thaw();
            await KillAsync();
            _process.Dispose();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisServerFixture>
{
    public const string Name = "redis";
}
