using System.Net;
using Gateway.Demo;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.Metrics;

/// <summary>
/// One real gateway process (<c>dotnet Gateway.dll</c>, Production settings) with metrics on, on a real
/// <c>redis-server</c> of its own, in front of two echo backends; shared by the tests of one class. Its users have
/// names that appear nowhere in the metric names, so a scrape can be searched for them.
/// </summary>
public sealed class MetricsGateway : IAsyncLifetime
{
    public const int MaxFailures = 3;

    public static readonly TestUsers.User Wilhelmina = new("wilhelmina", "wilhelmina-pw-1", "wilhelmina@example.com", "Wilhelmina W", ["staff"]);
    public static readonly TestUsers.User Bartholomew = new("bartholomew", "bartholomew-pw-1", "bartholomew@example.com", "Bartholomew B", ["staff"]);
    public static readonly TestUsers.User Cordelia = new("cordelia", "cordelia-pw-1", "cordelia@example.com", "Cordelia C", ["staff"]);
    public static readonly TestUsers.User[] Users = [Wilhelmina, Bartholomew, Cordelia];

    private readonly RedisServerFixture _redis = new();
    private EchoBackend? _app1;
    private EchoBackend? _app2;
    private GatewayProcess? _process;
    private readonly HttpClient _scraper = new() { Timeout = TimeSpan.FromSeconds(30) };

    public string ContentRoot { get; } = Directory.CreateTempSubdirectory("ssogw-metrics-").FullName;

    public string UsersFilePath => Path.Combine(ContentRoot, "users.json");

    public int Port { get; private set; }

    public int MetricsPort { get; private set; }

    public GatewayProcess Process => _process!;

    public string MetricsUrl(string path = "/metrics") => $"http://127.0.0.1:{MetricsPort}{path}";

    /// <summary>A browser-like client; <paramref name="clientAddress"/> is what the trusted proxy (127.0.0.1) says the browser is.</summary>
    public GatewayClient Client(string? clientAddress = null)
    {
        var client = new GatewayClient(Port);
        if (clientAddress is not null)
        {
            client.Http.DefaultRequestHeaders.TryAddWithoutValidation("X-Forwarded-For", clientAddress);
        }
        return client;
    }

    public async Task<PrometheusScrape> ScrapeAsync()
    {
        using var response = await _scraper.GetAsync(MetricsUrl());
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"scrape: {(int)response.StatusCode} {text}");
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        return PrometheusScrape.Parse(text);
    }

    /// <summary>Waits until <paramref name="measure"/> reaches <paramref name="expected"/>, then requires it to be exactly that.</summary>
    public async Task AssertReachesAsync(Func<PrometheusScrape, double> measure, double expected, string what)
    {
        var last = double.NaN;
        try
        {
            await Poll.UntilAsync(async () => (last = measure(await ScrapeAsync())) >= expected, TimeSpan.FromSeconds(15), what);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{what}: expected {expected}, scraped {last}");
        }
        Assert.True(last == expected, $"{what}: expected {expected}, scraped {last}");
    }

    public async Task InitializeAsync()
    {
        await _redis.InitializeAsync();
        await File.WriteAllTextAsync(UsersFilePath, TestUsers.FileContent(Users));
        _app1 = await EchoBackend.StartAsync("app1", "http://127.0.0.1:0");
        _app2 = await EchoBackend.StartAsync("app2", "http://127.0.0.1:0");
        // The metrics port must be named before the process starts: one that was free a moment ago may be taken by a
        // parallel test meanwhile, and then startup stops naming the key: try another.
        for (var attempt = 1; ; attempt++)
        {
            MetricsPort = FreePort.Next();
            _process = GatewayProcess.Start(ContentRoot, new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" },
                [.. Arguments(MetricsPort)]);
            try
            {
                Port = await _process.WaitUntilListeningAsync(TimeSpan.FromSeconds(60));
                return;
            }
            catch (Exception) when (attempt < 3 && _process.HasExited && _process.Errors.Contains("Sso:Metrics:Port", StringComparison.Ordinal))
            {
                await _process.DisposeAsync();
            }
        }
    }

    private IEnumerable<string> Arguments(int metricsPort)
    {
        var settings = GatewayHost.DefaultSettings(_app1!.Url, _app2!.Url);
        settings.Remove("Serilog:MinimumLevel:Default");
        settings["Sso:Lockout:MaxFailures"] = MaxFailures.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // The test client is the trusted proxy that names each browser's address (for the lockout by address).
        settings["Sso:ForwardedHeaders:KnownProxies:0"] = "127.0.0.1";
        // A cache of one session, trusted for minutes: which lookups hit and which go to Redis follows from the order of
        // the requests alone, not from the clock.
        settings["Sso:SessionCacheSize"] = "1";
        settings["Sso:SessionCacheDuration"] = "00:05:00";
        settings["Sso:Redis"] = _redis.ConnectionString;
        settings["Sso:StoreTimeout"] = "00:00:10";
        settings["Sso:Metrics:Enabled"] = "true";
        settings["Sso:Metrics:Port"] = metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Sso:Metrics:Address"] = "127.0.0.1";
        return ["--urls=http://127.0.0.1:0", $"--contentRoot={ContentRoot}", .. settings.Where(kv => kv.Value is not null).Select(kv => $"--{kv.Key}={kv.Value}")];
    }

    public async Task DisposeAsync()
    {
        _scraper.Dispose();
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
        if (_app1 is not null)
        {
            await _app1.DisposeAsync();
        }
        if (_app2 is not null)
        {
            await _app2.DisposeAsync();
        }
        await _redis.DisposeAsync();
        try
        {
            Directory.Delete(ContentRoot, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
