using Gateway.Tests.TestInfrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// An end-to-end test class run once per session store: each test gets its own gateway (<see cref="Gateway"/>) on
/// the store the derived class chooses, and may start more gateways on the same kind of store.
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
        IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var all = StoreSettings();
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }
        var gateway = await GatewayHost.StartAsync(all, services);
        _gateways.Add(gateway);
        return gateway;
    }

    /// <summary>The gateway every test starts with; by default the store's settings and nothing else.</summary>
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
