using System.Net.Sockets;
using System.Text;

namespace Gateway.Tests.TestInfrastructure;

/// <summary>
/// A real Sentinel deployment on loopback: a <c>redis-server</c> primary, one replica (<c>--replicaof</c>) and three
/// <c>redis-sentinel</c> processes watching the service <see cref="ServiceName"/>, each with a generated config
/// file in a temporary folder. Everything is killed and removed on dispose.
/// </summary>
public sealed class RedisSentinelFixture : IAsyncDisposable
{
    public const string ServiceName = "mymaster";

    private readonly ChildProcesses _processes = new("ssogw-sentinel-");

    public int PrimaryPort { get; private set; }

    public int ReplicaPort { get; private set; }

    public int[] SentinelPorts { get; private set; } = [];

    /// <summary>What the gateway's <c>Sso:Redis</c> says: the sentinels and the service name.</summary>
    public string ConnectionString =>
        string.Join(",", SentinelPorts.Select(p => $"127.0.0.1:{p}")) + $",serviceName={ServiceName}";

    public static async Task<RedisSentinelFixture> StartAsync()
    {
        var fixture = new RedisSentinelFixture();
        try
        {
            await fixture.StartAllAsync();
            return fixture;
        }
        catch
        {
            await fixture.DisposeAsync();
            throw;
        }
    }

    private async Task StartAllAsync()
    {
        PrimaryPort = FreePort.Next();
        ReplicaPort = FreePort.Next();
        SentinelPorts = [FreePort.Next(), FreePort.Next(), FreePort.Next()];
        _processes.Start("redis-server", ServerArgs(PrimaryPort));
        _processes.Start("redis-server", [.. ServerArgs(ReplicaPort), "--replicaof", "127.0.0.1", PrimaryPort.ToString()]);
        foreach (var port in SentinelPorts)
        {
            var config = Path.Combine(_processes.Folder, $"sentinel-{port}.conf");
            await File.WriteAllTextAsync(config, string.Join('\n',
                $"port {port}", "bind 127.0.0.1", "protected-mode no", "daemonize no", $"dir {_processes.Folder}",
                $"sentinel monitor {ServiceName} 127.0.0.1 {PrimaryPort} 2",
                $"sentinel down-after-milliseconds {ServiceName} 1000",
                $"sentinel failover-timeout {ServiceName} 5000",
                $"sentinel parallel-syncs {ServiceName} 1", ""));
            _processes.Start("redis-sentinel", [config]);
        }
        await Poll.UntilAsync(async () => (await InfoAsync(ReplicaPort, "replication")).Contains("master_link_status:up"),
            TimeSpan.FromSeconds(10), "the replica is in sync with the primary");
        foreach (var port in SentinelPorts)
        {
            await Poll.UntilAsync(async () => (await CommandAsync(port, "SENTINEL", "REPLICAS", ServiceName)).Contains(ReplicaPort.ToString()),
                TimeSpan.FromSeconds(15), $"sentinel {port} knows the replica");
        }
    }

    /// <summary>The port of the primary according to the first sentinel that answers.</summary>
    public async Task<int> CurrentPrimaryPortAsync()
    {
        var reply = await CommandAsync(SentinelPorts[0], "SENTINEL", "GET-MASTER-ADDR-BY-NAME", ServiceName);
        var lines = reply.Split("\r\n");
        // During a failover the sentinel may answer with nothing yet (or a partial read): no primary known.
        return lines.Length > 4 && int.TryParse(lines[4], out var port) ? port : -1;
    }

    /// <summary>Waits until the replica has everything the primary wrote (replication offsets equal).</summary>
    public async Task WaitForReplicationAsync(int primaryPort, int replicaPort)
    {
        await Poll.UntilAsync(async () =>
        {
            var primary = Field(await InfoAsync(primaryPort, "replication"), "master_repl_offset");
            var replica = Field(await InfoAsync(replicaPort, "replication"), "slave_repl_offset");
            return primary > 0 && replica >= primary;
        }, TimeSpan.FromSeconds(10), "the replica caught up with the primary");
    }

    /// <summary>Asks a sentinel to fail over now (retrying while it does not yet consider the replica good).</summary>
    public async Task FailoverAsync()
    {
        await Poll.UntilAsync(async () => (await CommandAsync(SentinelPorts[0], "SENTINEL", "FAILOVER", ServiceName)).StartsWith("+OK", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), "the sentinel accepts the failover");
    }

    public Task<string> InfoAsync(int port, string section) => CommandAsync(port, "INFO", section);

    public static async Task<string> CommandAsync(int port, params string[] args)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port, timeout.Token);
            var stream = client.GetStream();
            var request = new StringBuilder($"*{args.Length}\r\n");
            foreach (var arg in args)
            {
                request.Append($"${Encoding.UTF8.GetByteCount(arg)}\r\n{arg}\r\n");
            }
            await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()), timeout.Token);
            var buffer = new byte[64 * 1024];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            return Encoding.UTF8.GetString(buffer, 0, read);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or IOException)
        {
            return "";
        }
    }

    private static long Field(string info, string name) =>
        info.Split("\r\n").Where(l => l.StartsWith(name + ":", StringComparison.Ordinal))
            .Select(l => long.Parse(l[(name.Length + 1)..])).FirstOrDefault();

    private static string[] ServerArgs(int port) =>
        ["--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"];

    public ValueTask DisposeAsync() => _processes.DisposeAsync();
}
