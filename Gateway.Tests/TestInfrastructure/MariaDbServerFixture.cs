namespace Gateway.Tests.TestInfrastructure;

/// <summary>One real MariaDB (<see cref="MariaDbServer"/>) per test collection.</summary>
public sealed class MariaDbServerFixture : IAsyncLifetime
{
    public const string User = "gateway";
    public const string Password = "gateway-test-password";
    public const string Database = "site";

    private MariaDbServer? _server;

    private MariaDbServer Server => _server ?? throw new InvalidOperationException("MariaDB has not started");

    public int Port => Server.Port;

    public string ConnectionString => Server.ConnectionString;

    public async Task InitializeAsync() => _server = await MariaDbServer.StartAsync(User, Password, Database);

    /// <inheritdoc cref="MariaDbServer.ExecuteAsync"/>
    public Task ExecuteAsync(string sql, params (string Name, object Value)[] parameters) => Server.ExecuteAsync(sql, parameters);

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class MariaDbCollection : ICollectionFixture<MariaDbServerFixture>
{
    public const string Name = "mariadb";
}
