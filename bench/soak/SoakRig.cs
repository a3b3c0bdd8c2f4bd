using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Gateway.Demo;
using Gateway.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Soak;

/// <summary>A real redis-server, two gateway instances sharing it, and echo backends, all on loopback.</summary>
internal sealed class SoakRig : IAsyncDisposable
{
    public const string App = "app1.sso.localhost";
    private readonly List<WebApplication> _gateways = [];
    private readonly List<EchoBackend> _backends = [];
    private readonly string _folder = Directory.CreateTempSubdirectory("ssogw-soak-").FullName;
    private Process? _redis;

    public int RedisPort { get; } = FreePort();

    public List<int> GatewayPorts { get; } = [];

    public static async Task<SoakRig> StartAsync(IReadOnlyList<(string User, string Password)> users, TimeSpan storeTimeout)
    {
        var rig = new SoakRig();
        rig.StartRedis();
        await rig.WaitForRedisAsync();
        var hasher = new PasswordHasher<object>(Options.Create(new PasswordHasherOptions { IterationCount = 1000 }));
        await File.WriteAllTextAsync(Path.Combine(rig._folder, "users.json"), JsonSerializer.Serialize(new
        {
            users = users.Select(u => new { username = u.User, passwordHash = hasher.HashPassword(new object(), u.Password), email = u.User + "@example.com", name = u.User, groups = new[] { "staff" } }),
        }));
        var prefix = $"soak{Guid.NewGuid():N}:";
        for (var i = 0; i < 2; i++)
        {
            var backend = await EchoBackend.StartAsync($"echo{i}", "http://127.0.0.1:0");
            rig._backends.Add(backend);
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production", ContentRootPath = rig._folder });
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Serilog:MinimumLevel:Default"] = "Fatal",
                ["Serilog:MinimumLevel:Override:Microsoft"] = "Fatal",
                ["Serilog:MinimumLevel:Override:Microsoft.AspNetCore"] = "Fatal",
                ["Serilog:MinimumLevel:Override:Microsoft.Hosting.Lifetime"] = "Fatal",
                ["Serilog:MinimumLevel:Override:Gateway"] = "Fatal",
                ["Sso:CookieDomain"] = ".sso.localhost",
                ["Sso:CookieSecure"] = "false",
                ["Sso:UsersFile"] = "users.json",
                ["Sso:Redis"] = $"127.0.0.1:{rig.RedisPort}",
                ["Sso:RedisKeyPrefix"] = prefix,
                ["Sso:StoreTimeout"] = storeTimeout.ToString(),
                ["ReverseProxy:Routes:public:ClusterId"] = "echo",
                ["ReverseProxy:Routes:public:AuthorizationPolicy"] = "anonymous",
                ["ReverseProxy:Routes:public:Match:Hosts:0"] = App,
                ["ReverseProxy:Routes:public:Match:Path"] = "/public/{**rest}",
                ["ReverseProxy:Routes:app:ClusterId"] = "echo",
                ["ReverseProxy:Routes:app:Match:Hosts:0"] = App,
                ["ReverseProxy:Routes:app:Match:Path"] = "{**catch-all}",
                ["ReverseProxy:Clusters:echo:Destinations:d1:Address"] = backend.Url,
            });
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.AddSsoGateway();
            var app = builder.Build();
            app.MapSsoGateway();
            await app.StartAsync();
            rig._gateways.Add(app);
            rig.GatewayPorts.Add(new Uri(app.Urls.First()).Port);
        }
        return rig;
    }

    public void Freeze() => Signal("STOP");

    public void Thaw() => Signal("CONT");

    private void StartRedis()
    {
        var start = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "--port", RedisPort.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" })
        {
            start.ArgumentList.Add(arg);
        }
        _redis = Process.Start(start)!;
        _redis.OutputDataReceived += (_, _) => { };
        _redis.BeginOutputReadLine();
    }

    private async Task WaitForRedisAsync()
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(10); DateTime.UtcNow < deadline; await Task.Delay(50))
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, RedisPort);
                return;
            }
            catch (SocketException)
            {
            }
        }
        throw new InvalidOperationException("redis-server did not start");
    }

    private void Signal(string signal)
    {
        using var kill = Process.Start("kill", $"-{signal} {_redis!.Id}");
        kill.WaitForExit();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _gateways)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        foreach (var backend in _backends)
        {
            await backend.DisposeAsync();
        }
        if (_redis is { HasExited: false })
        {
            Thaw();
            _redis.Kill();
            await _redis.WaitForExitAsync();
        }
        Directory.Delete(_folder, recursive: true);
    }
}
