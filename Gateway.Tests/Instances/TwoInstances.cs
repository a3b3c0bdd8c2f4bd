using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.Instances;

/// <summary>Two gateway instances sharing one Redis under one key prefix, as two machines behind a load balancer would.</summary>
internal sealed class TwoInstances : IAsyncDisposable
{
    private TwoInstances(GatewayHost a, GatewayHost b, Dictionary<string, string?> settings, bool sharedUsersFile)
    {
        A = a;
        B = b;
        Settings = settings;
        _sharedUsersFile = sharedUsersFile;
    }

    private readonly bool _sharedUsersFile;

    public GatewayHost A { get; private set; }

    public GatewayHost B { get; private set; }

    public Dictionary<string, string?> Settings { get; }

    /// <param name="sharedUsersFile">Both read one users file (one folder), as pods mounting one ConfigMap do.</param>
    public static async Task<TwoInstances> StartAsync(
        RedisServerFixture redis, IDictionary<string, string?>? extra = null, bool sharedUsersFile = false)
    {
        var settings = TestSettings.Merge(GatewayHost.RedisSettings(redis), extra);
        var a = await GatewayHost.StartAsync(settings);
        try
        {
            var b = await GatewayHost.StartAsync(settings, sharedContentRoot: sharedUsersFile ? a.ContentRoot : null);
            return new TwoInstances(a, b, settings, sharedUsersFile);
        }
        catch
        {
            await a.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops both instances, then starts two new ones with the same settings (a full restart).</summary>
    public async Task RestartAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        A = await GatewayHost.StartAsync(Settings);
        B = await GatewayHost.StartAsync(Settings, sharedContentRoot: _sharedUsersFile ? A.ContentRoot : null);
    }

    /// <summary>A client of <paramref name="gateway"/> holding the cookies <paramref name="from"/> holds (the same browser).</summary>
    public static GatewayClient SameBrowser(GatewayHost gateway, GatewayClient from)
    {
        var client = gateway.CreateClient();
        client.Cookies.Add(from.Cookies.GetAllCookies());
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
    }
}
