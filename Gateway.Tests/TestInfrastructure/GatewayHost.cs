using Gateway.Demo;
using Gateway.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.TestInfrastructure;

/// <summary>
/// The real gateway on Kestrel (127.0.0.1, free port) in front of two echo backends, <c>app1.sso.localhost</c>
/// and <c>app2.sso.localhost</c>, with the test users. Settings override the defaults below. Built as Program.cs
/// builds it, from command-line arguments; the one difference is the test's own services (see <see cref="StartAsync"/>).
/// </summary>
public sealed class GatewayHost : IAsyncDisposable
{
    public const string App1 = "app1.sso.localhost";
    public const string App2 = "app2.sso.localhost";
    public const string Outside = "other.test";

    /// <summary>A host with no route: the <c>Sso:LoginHost</c> of tests that need one (the admin API lives there).</summary>
    public const string Login = "login.sso.localhost";

    private readonly WebApplication _app;
    private readonly EchoBackend[] _backends;

    private GatewayHost(WebApplication app, string contentRoot, EchoBackend[] backends)
    {
        _app = app;
        _backends = backends;
        ContentRoot = contentRoot;
        Port = new Uri(app.Urls.First()).Port;
    }

    public int Port { get; }

    /// <summary>Folder with <c>users.json</c>; removed when the last gateway using it is disposed.</summary>
    public string ContentRoot { get; }

    public string UsersFile => Path.Combine(ContentRoot, "users.json");

    public IServiceProvider Services => _app.Services;

    public string Url(string host, string pathAndQuery = "/") => $"http://{host}:{Port}{pathAndQuery}";

    public GatewayClient CreateClient() => new(this);

    /// <param name="settings">Configuration that overrides the defaults (null values remove a default).</param>
    /// <param name="services">
    /// The one seam Program.cs lacks: the test's own registrations (a log sink, a fake clock), made before the
    /// gateway's, so that the defaults it adds with TryAdd (the clock) yield to them and Serilog finds the sinks.
    /// </param>
    /// <param name="users">The users file; default <see cref="TestUsers.All"/>.</param>
    /// <param name="sharedContentRoot">Use this folder (and its users file) instead of a new one, e.g. for a second instance.</param>
    /// <param name="port">Listen here instead of a port of the system's choosing (when its URLs must be known first).</param>
    public static async Task<GatewayHost> StartAsync(
        IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null,
        IEnumerable<TestUsers.User>? users = null,
        string? sharedContentRoot = null,
        int port = 0)
    {
        var contentRoot = sharedContentRoot ?? Directory.CreateTempSubdirectory("ssogw-").FullName;
        Directory.CreateDirectory(contentRoot);
        ContentRootUsers.AddOrUpdate(contentRoot, 1, (_, count) => count + 1);
        var usersFile = Path.Combine(contentRoot, "users.json");
        if (!File.Exists(usersFile))
        {
            await File.WriteAllTextAsync(usersFile, TestUsers.FileContent(users ?? TestUsers.All));
        }

        var backends = new[]
        {
            await EchoBackend.StartAsync("app1", "http://127.0.0.1:0"),
            await EchoBackend.StartAsync("app2", "http://127.0.0.1:0"),
        };
        var config = TestSettings.Merge(DefaultSettings(backends[0].Url, backends[1].Url), settings);
        string[] args =
        [
            "--environment=Testing",
            $"--contentRoot={contentRoot}",
            $"--applicationName={typeof(GatewayHostingExtensions).Assembly.GetName().Name}",
            $"--urls=http://127.0.0.1:{port}",
            .. config.Where(kv => kv.Value is not null).Select(kv => $"--{kv.Key}={kv.Value}"),
        ];

        var builder = WebApplication.CreateBuilder(args);
        services?.Invoke(builder.Services);
        WebApplication? app = null;
        try
        {
            // Program.cs's calls, in its order; then the host starts, as RunGatewayAsync starts it.
            builder.AddSsoGateway();
            app = builder.Build();
            app.ValidateGatewayConfiguration();
            app.MapSsoGateway();
            await app.StartAsync();
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }
            ReleaseContentRoot(contentRoot);
            foreach (var backend in backends)
            {
                await backend.DisposeAsync();
            }
            throw;
        }
        return new GatewayHost(app!, contentRoot, backends);
    }

    /// <summary>Two hosts, one public path (<c>/public/…</c> on app1) and one admin-only path (<c>/admin/…</c> on app2).</summary>
    public static Dictionary<string, string?> DefaultSettings(string app1Backend, string app2Backend) => new()
    {
        ["Serilog:MinimumLevel:Default"] = "Warning",
        ["Sso:CookieDomain"] = ".sso.localhost",
        ["Sso:CookieSecure"] = "false",
        ["Sso:UsersFile"] = "users.json",
        // Lockout out of the way: tests sign in many times from 127.0.0.1 (e.g. polling until a users-file edit
        // applies). The lockout tests set their own limits.
        ["Sso:Lockout:MaxFailures"] = "1000",
        ["Sso:Policies:admins:Groups:0"] = "admin",
        ["Sso:Policies:bob-only:Users:0"] = "bob",
        ["ReverseProxy:Routes:app1-public:ClusterId"] = "app1",
        ["ReverseProxy:Routes:app1-public:AuthorizationPolicy"] = "anonymous",
        ["ReverseProxy:Routes:app1-public:Match:Hosts:0"] = App1,
        ["ReverseProxy:Routes:app1-public:Match:Path"] = "/public/{**rest}",
        ["ReverseProxy:Routes:app1:ClusterId"] = "app1",
        ["ReverseProxy:Routes:app1:Match:Hosts:0"] = App1,
        ["ReverseProxy:Routes:app1:Match:Path"] = "{**catch-all}",
        ["ReverseProxy:Routes:app2-admin:ClusterId"] = "app2",
        ["ReverseProxy:Routes:app2-admin:AuthorizationPolicy"] = "admins",
        ["ReverseProxy:Routes:app2-admin:Match:Hosts:0"] = App2,
        ["ReverseProxy:Routes:app2-admin:Match:Path"] = "/admin/{**rest}",
        ["ReverseProxy:Routes:app2-bob:ClusterId"] = "app2",
        ["ReverseProxy:Routes:app2-bob:AuthorizationPolicy"] = "bob-only",
        ["ReverseProxy:Routes:app2-bob:Match:Hosts:0"] = App2,
        ["ReverseProxy:Routes:app2-bob:Match:Path"] = "/bob/{**rest}",
        ["ReverseProxy:Routes:app2:ClusterId"] = "app2",
        ["ReverseProxy:Routes:app2:AuthorizationPolicy"] = "default",
        ["ReverseProxy:Routes:app2:Match:Hosts:0"] = App2,
        ["ReverseProxy:Routes:app2:Match:Path"] = "{**catch-all}",
        ["ReverseProxy:Clusters:app1:Destinations:d1:Address"] = app1Backend,
        ["ReverseProxy:Clusters:app2:Destinations:d1:Address"] = app2Backend,
    };

    /// <summary>Settings for the Redis store on <paramref name="redis"/> with a key prefix of its own.</summary>
    public static Dictionary<string, string?> RedisSettings(RedisServerFixture redis, string? keyPrefix = null) => new()
    {
        ["Sso:Redis"] = redis.ConnectionString,
        ["Sso:RedisKeyPrefix"] = keyPrefix ?? $"t{Guid.NewGuid():N}:",
        // The suite runs many gateways, browsers and processes at once on two cores; a loaded machine must not turn
        // into store timeouts. Tests about timeouts set their own.
        ["Sso:StoreTimeout"] = "00:00:10",
    };

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> ContentRootUsers = new();

    private static void ReleaseContentRoot(string contentRoot)
    {
        if (ContentRootUsers.AddOrUpdate(contentRoot, 0, (_, count) => count - 1) <= 0)
        {
            ContentRootUsers.TryRemove(contentRoot, out _);
            try
            {
                Directory.Delete(contentRoot, recursive: true);
            }
            catch (IOException)
            {
                // A process started on this folder may still hold it; the OS temp cleaner gets it later.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        foreach (var backend in _backends)
        {
            await backend.DisposeAsync();
        }
        ReleaseContentRoot(ContentRoot);
    }
}
