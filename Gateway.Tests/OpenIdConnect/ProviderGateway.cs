using Gateway.Tests.TestInfrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.OpenIdConnect;

/// <summary>A test gateway with the test provider configured as <c>Sso:OpenIdConnect:idp</c>, and its registered client.</summary>
internal sealed class ProviderGateway : IAsyncDisposable
{
    public const string Name = "idp";

    private ProviderGateway(GatewayHost host, ProviderClient client)
    {
        Host = host;
        Client = client;
    }

    public GatewayHost Host { get; }

    public ProviderClient Client { get; }

    /// <param name="extra">Settings on top of the provider's (null removes one), e.g. <c>Sso:OpenIdConnect:idp:AllowedGroups:0</c>.</param>
    /// <param name="redis">Sessions in this Redis (else in memory); <paramref name="shareWith"/> joins another gateway's store and client.</param>
    public static async Task<ProviderGateway> StartAsync(OpenIdProviderFixture provider, IDictionary<string, string?>? extra = null,
        RedisServerFixture? redis = null, CapturingLogSink? log = null, ProviderGateway? shareWith = null, IEnumerable<TestUsers.User>? users = null,
        string loginHost = GatewayHost.App1)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort.Next();
            var client = shareWith?.Client ?? await provider.RegisterClientAsync(Name, port, loginHost);
            var settings = shareWith?.Settings
                ?? TestSettings.Merge(provider.GatewaySettings(Name, client), redis is null ? null : GatewayHost.RedisSettings(redis), extra);
            try
            {
                var host = await GatewayHost.StartAsync(settings, services => log?.AddTo(services), users, port: shareWith is null ? port : 0);
                return new ProviderGateway(host, client) { Settings = settings };
            }
            catch (IOException) when (attempt < 3)
            {
                // The port was taken between choosing and binding it: register again with another.
            }
        }
    }

    public Dictionary<string, string?> Settings { get; private init; } = [];

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}
