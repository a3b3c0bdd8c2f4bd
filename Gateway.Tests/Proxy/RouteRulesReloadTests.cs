using System.Net;
using System.Text.Json;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.Proxy;

/// <summary>
/// Routes edited in the mounted settings file (<c>config/gateway.json</c>, reloaded on change) obey the rules startup
/// checks: a load that breaks one is refused and logged naming the key, the last good routes keep serving, and the
/// next good edit applies.
/// </summary>
public sealed class RouteRulesReloadTests : IAsyncDisposable
{
    private const int RefusedEventId = 140;
    private static readonly TimeSpan ReloadTimeout = TimeSpan.FromSeconds(30);

    private readonly string _contentRoot = Directory.CreateTempSubdirectory("ssogw-reload-").FullName;
    private readonly CapturingLogSink _log = new();
    private GatewayHost? _gateway;

    /// <summary>Each case: an edit of the file's route (or a cluster it adds), and the key the refusal must name.</summary>
    public static TheoryData<string, string> BadEdits => new()
    {
        // Rules of the gateway's own, which YARP alone would have applied without a word.
        { "HostOutsideCookieDomain", "ReverseProxy:Routes:file-route:Match:Hosts:1" },
        { "DestinationNotHttp", "ReverseProxy:Clusters:file-cluster:Destinations:d1:Address" },
        { "UnknownCluster", "ReverseProxy:Routes:file-route:ClusterId" },
    };

    [Theory]
    [MemberData(nameof(BadEdits))]
    public async Task BadEdit_IsRefusedAndLogged_TheLastGoodRoutesServe_AndTheNextGoodEditApplies(string edit, string key)
    {
        await WriteGatewayJsonAsync(GatewayJson("/from-file/{**rest}", [GatewayHost.App1]));
        _gateway = await GatewayHost.StartAsync(services: _log.AddTo, sharedContentRoot: _contentRoot);
        using var client = new BareClient(_gateway);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(GatewayHost.App1, "/from-file/x")).StatusCode);

        await WriteGatewayJsonAsync(edit switch
        {
            "HostOutsideCookieDomain" => GatewayJson("/from-file/{**rest}", [GatewayHost.App1, GatewayHost.Outside]),
            "DestinationNotHttp" => GatewayJson("/from-file/{**rest}", [GatewayHost.App1], extraClusterAddress: "ftp://127.0.0.1:21/"),
            "UnknownCluster" => GatewayJson("/from-file/{**rest}", [GatewayHost.App1], clusterId: "no-such-cluster"),
            _ => throw new ArgumentOutOfRangeException(nameof(edit)),
        });

        await Poll.UntilAsync(() => _log.WithEventId(RefusedEventId).Any(), ReloadTimeout, "the edited configuration is refused");
        Assert.Contains(_log.WithEventId(RefusedEventId), e => e.RenderMessage().Contains(key + ": ", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(GatewayHost.App1, "/from-file/x")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(GatewayHost.Outside, "/from-file/x")).StatusCode);

        // Reloading still works: a good edit after the refused one applies.
        await WriteGatewayJsonAsync(GatewayJson("/renamed/{**rest}", [GatewayHost.App1]));
        await Poll.UntilAsync(async () =>
        {
            using var response = await client.GetAsync(GatewayHost.App1, "/renamed/x");
            return response.StatusCode == HttpStatusCode.OK;
        }, ReloadTimeout, "the good edit applies");
    }

    /// <summary>One anonymous route, on app1's cluster (from the host's in-memory defaults) unless told otherwise.</summary>
    private static string GatewayJson(string path, string[] hosts, string clusterId = "app1", string? extraClusterAddress = null) =>
        JsonSerializer.Serialize(new
        {
            ReverseProxy = new
            {
                Routes = new Dictionary<string, object>
                {
                    ["file-route"] = new { ClusterId = clusterId, AuthorizationPolicy = "anonymous", Match = new { Path = path, Hosts = hosts } },
                },
                Clusters = extraClusterAddress is null
                    ? new Dictionary<string, object>()
                    : new Dictionary<string, object>
                    {
                        ["file-cluster"] = new { Destinations = new Dictionary<string, object> { ["d1"] = new { Address = extraClusterAddress } } },
                    },
            },
        });

    private Task WriteGatewayJsonAsync(string json)
    {
        Directory.CreateDirectory(Path.Combine(_contentRoot, "config"));
        return UsersFile.ReplaceAsync(Path.Combine(_contentRoot, "config", "gateway.json"), json);
    }

    public async ValueTask DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }
    }
}
