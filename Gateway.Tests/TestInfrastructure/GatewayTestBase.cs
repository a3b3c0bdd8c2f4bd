using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.TestInfrastructure;

/// <summary>
/// The one way to run a test class once per session store: the abstract class holds the tests, and two sealed classes
/// choose the store, <c>X_InMemory</c> (<c>StoreSettings() => []</c>) and <c>X_Redis</c> (in
/// <see cref="RedisCollection"/>, <c>StoreSettings() => GatewayHost.RedisSettings(redis)</c>). Each test gets its own
/// gateway (<see cref="Gateway"/>, see <see cref="StartDefaultGatewayAsync"/>) on that store, and may start more.
/// </summary>
public abstract class GatewayTestBase : IAsyncLifetime
{
    private readonly List<GatewayHost> _gateways = [];

    protected GatewayHost Gateway { get; private set; } = null!;

    /// <summary>Settings that choose the store: none for the in-memory store; a Redis server and a fresh key prefix.</summary>
    protected abstract Dictionary<string, string?> StoreSettings();

    /// <summary>Starts one more gateway on this class's kind of store (its own prefix), disposed with the test.</summary>
    /// <param name="settings">Overrides on top of the store settings (null values remove a default).</param>
    protected async Task<GatewayHost> StartGatewayAsync(
        IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null, IEnumerable<TestUsers.User>? users = null)
    {
        var gateway = await GatewayHost.StartAsync(TestSettings.Merge(StoreSettings(), settings), services, users);
        _gateways.Add(gateway);
        return gateway;
    }

    /// <summary>The gateway every test starts with; by default the store's settings and nothing else (override to add some).</summary>
    protected virtual Task<GatewayHost> StartDefaultGatewayAsync() => StartGatewayAsync();

    public async Task InitializeAsync() => Gateway = await StartDefaultGatewayAsync();

    public async Task DisposeAsync()
    {
        foreach (var gateway in _gateways)
        {
            await gateway.DisposeAsync();
        }
    }
}
