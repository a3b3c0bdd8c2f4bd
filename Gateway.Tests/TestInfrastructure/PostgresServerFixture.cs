namespace Gateway.Tests.TestInfrastructure;

/// <summary>One real PostgreSQL (<see cref="PostgresServer"/>) per test collection.</summary>
public sealed class PostgresServerFixture : IAsyncLifetime
{
    public const string User = "gateway";
    public const string Password = "gateway-test-password";
    public const string Database = "site";

    private PostgresServer? _server;

    private PostgresServer Server => _server ?? throw new InvalidOperationException("PostgreSQL has not started");

    public int Port => Server.Port;

    public string ConnectionString => Server.ConnectionString;

    public async Task InitializeAsync() => _server = await PostgresServer.StartAsync(User, Password, Database);

    /// <inheritdoc cref="PostgresServer.ExecuteAsync"/>
    public Task ExecuteAsync(string sql, params (string Name, object Value)[] parameters) => Server.ExecuteAsync(sql, parameters);

    /// <inheritdoc cref="PostgresServer.Freeze"/>
    public void Freeze() => Server.Freeze();

    public void Thaw() => Server.Thaw();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>With a Redis of its own, for end-to-end tests of several gateway instances.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServerFixture>, ICollectionFixture<RedisServerFixture>
{
    public const string Name = "postgres";
}
