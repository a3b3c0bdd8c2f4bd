namespace Gateway.Tests.TestInfrastructure;

/// <summary>
/// A real three-primary Redis Cluster on loopback (no replicas), created with <c>redis-cli --cluster create</c>;
/// node files live in a temporary folder. Everything is killed and removed on dispose.
/// </summary>
public sealed class RedisClusterFixture : IAsyncDisposable
{
    private readonly ChildProcesses _processes = new("ssogw-cluster-");

    public int[] Ports { get; } = [FreePort.Next(), FreePort.Next(), FreePort.Next()];

    /// <summary>What the gateway's <c>Sso:Redis</c> says: the seed nodes.</summary>
    public string ConnectionString => string.Join(",", Ports.Select(p => $"127.0.0.1:{p}"));

    public static async Task<RedisClusterFixture> StartAsync()
    {
        var fixture = new RedisClusterFixture();
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
        foreach (var port in Ports)
        {
            _processes.Start("redis-server", "--port", port.ToString(), "--bind", "127.0.0.1", "--protected-mode", "no",
                "--save", "", "--appendonly", "no", "--cluster-enabled", "yes", "--dir", _processes.Folder,
                "--cluster-config-file", $"nodes-{port}.conf", "--cluster-node-timeout", "2000");
        }
        foreach (var port in Ports)
        {
            await Poll.UntilAsync(async () => (await RedisSentinelFixture.CommandAsync(port, "PING")).StartsWith("+PONG", StringComparison.Ordinal),
                TimeSpan.FromSeconds(10), $"cluster node {port} answers");
        }
        using (var create = ChildProcesses.Launch("redis-cli", ["--cluster", "create", .. Ports.Select(p => $"127.0.0.1:{p}"), "--cluster-replicas", "0", "--cluster-yes"]))
        {
            await create.WaitForExitAsync();
            Assert.True(create.ExitCode == 0, "redis-cli --cluster create failed");
        }
        foreach (var port in Ports)
        {
            await Poll.UntilAsync(async () => (await RedisSentinelFixture.CommandAsync(port, "CLUSTER", "INFO")).Contains("cluster_state:ok"),
                TimeSpan.FromSeconds(15), $"cluster node {port} reports cluster_state:ok");
        }
    }

    public ValueTask DisposeAsync() => _processes.DisposeAsync();
}
