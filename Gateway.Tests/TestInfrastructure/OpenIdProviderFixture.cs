using System.Diagnostics;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Tests.TestInfrastructure;

/// <summary>
/// A real OpenID provider: the certified <c>oidc-provider</c> package (npm, pinned in
/// <c>Gateway.Tests/OpenIdConnect/Provider/package.json</c> with its lock file, installed by scripts/test.sh) run by
/// Node on a free loopback port with our configuration (<c>provider.mjs</c>, and a file written here holding the
/// port, a signing key made for this run and the accounts below). Tests register their own clients (dynamic client
/// registration), so each gateway's redirect URIs carry its own port. Once per test collection.
/// </summary>
public sealed class OpenIdProviderFixture : IAsyncLifetime
{
    /// <summary>The provider's accounts: log in with the key as the login (any password; the provider's development login page).</summary>
    public static readonly IReadOnlyDictionary<string, ProviderAccount> Accounts = new Dictionary<string, ProviderAccount>
    {
        ["ada"] = new("ada", "ada@idp.test", "Ada Lovelace", ["staff", "admin"]),
        ["grace"] = new("grace", "grace@idp.test", "Grace Hopper", ["staff"]),
        ["linus"] = new("linus", "linus@idp.test", "Linus", []),
        // Same name as the users.json user alice (TestUsers.Alice).
        ["alice"] = new("alice", "alice@idp.test", "Alice at the provider", ["staff"]),
        ["nameless"] = new(null, "nameless@idp.test", "No preferred_username", ["staff"]),
    };

    private Process? _process;
    private ChildProcesses? _folder;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly int? _fixedPort;
    private readonly (string Name, int GatewayPort, ProviderClient Client)? _staticClient;

    public OpenIdProviderFixture()
    {
    }

    /// <summary>
    /// A provider on <paramref name="port"/> that knows one client from the start (as a real provider would), e.g. for a
    /// gateway that was told about the provider before it was up.
    /// </summary>
    internal OpenIdProviderFixture(int port, string providerName, int gatewayPort, ProviderClient client)
    {
        _fixedPort = port;
        _staticClient = (providerName, gatewayPort, client);
    }

    public int Port { get; private set; }

    public string Issuer => $"http://127.0.0.1:{Port}";

    /// <summary>The provider's signing key (with its kid), so tests can make logout tokens exactly as the provider would.</summary>
    public RsaSecurityKey SigningKey { get; } = new(RSA.Create(2048)) { KeyId = "test-signing-key" };

    public static string ProviderFolder => Path.Combine(RepositoryRoot.Path, "Gateway.Tests", "OpenIdConnect", "Provider");

    public async Task InitializeAsync()
    {
        if (!File.Exists(Path.Combine(ProviderFolder, "node_modules", "oidc-provider", "package.json")))
        {
            throw new InvalidOperationException(
                $"oidc-provider is not installed in {ProviderFolder}: run `bash scripts/test.sh` (it runs `npm ci` there).");
        }
        _folder = new ChildProcesses("ssogw-oidc-");
        for (var attempt = _fixedPort is null ? 1 : 3; ; attempt++)
        {
            Port = _fixedPort ?? FreePort.Next();
            try
            {
                await StartAsync();
                return;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                Stop();
            }
        }
    }

    private async Task StartAsync()
    {
        var configFile = Path.Combine(_folder!.Folder, "provider.json");
        await File.WriteAllTextAsync(configFile, ConfigurationJson());
        var start = new ProcessStartInfo(FindNode())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = ProviderFolder,
        };
        start.ArgumentList.Add("provider.mjs");
        start.ArgumentList.Add(configFile);
        _process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        _process.OutputDataReceived += (_, e) => Output.Enqueue(e.Data ?? "");
        _process.ErrorDataReceived += (_, e) => Output.Enqueue(e.Data ?? "");
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var process = _process;
        await Poll.UntilAsync(async () => process.HasExited
            ? throw new InvalidOperationException($"the OpenID provider exited at start: {string.Join('\n', Output)}")
            : await AnswersAsync(), TimeSpan.FromSeconds(20), $"the OpenID provider answers on port {Port}");
    }

    /// <summary>What the provider printed (e.g. "backchannel.success client-id"), for assertions and failure messages.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Output { get; } = new();

    // This provider's discovery document, not merely something on the port: a port found free a moment ago can be
    // taken by another test's server (an echo backend answers 200 to anything) while node fails to bind it and exits.
    private async Task<bool> AnswersAsync()
    {
        try
        {
            using var response = await _http.GetAsync($"{Issuer}/.well-known/openid-configuration");
            if (!response.IsSuccessStatusCode)
            {
                return false;
            }
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("issuer", out var issuer)
                && issuer.ValueKind == JsonValueKind.String
                && issuer.GetString() == Issuer;
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException)
        {
            return false;
        }
    }

    /// <summary>Registers a client for a gateway on <paramref name="gatewayPort"/> whose sign-ins happen on <paramref name="loginHost"/>.</summary>
    public async Task<ProviderClient> RegisterClientAsync(string providerName, int gatewayPort, string loginHost = GatewayHost.App1,
        bool backChannelLogout = true)
    {
        using var response = await _http.PostAsJsonAsync($"{Issuer}/reg", ClientMetadata(providerName, gatewayPort, loginHost, backChannelLogout));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"client registration: {(int)response.StatusCode} {body}");
        using var json = JsonDocument.Parse(body);
        return new ProviderClient(json.RootElement.GetProperty("client_id").GetString()!, json.RootElement.GetProperty("client_secret").GetString()!);
    }

    private static JsonObject ClientMetadata(string providerName, int gatewayPort, string loginHost, bool backChannelLogout)
    {
        // Without a login host, people sign in on the host they are on: app1 and app2 are both registered.
        var hosts = loginHost == GatewayHost.App1 ? [GatewayHost.App1, GatewayHost.App2] : new[] { loginHost };
        var paths = hosts.Select(host => $"http://{host}:{gatewayPort}/_sso/oidc/{providerName}").ToArray();
        var metadata = new JsonObject
        {
            ["redirect_uris"] = new JsonArray(paths.Select(p => (JsonNode)$"{p}/callback").ToArray()),
            ["post_logout_redirect_uris"] = new JsonArray(paths.Select(p => (JsonNode)$"{p}/signed-out").ToArray()),
            ["token_endpoint_auth_method"] = "client_secret_basic",
        };
        if (backChannelLogout)
        {
            // The provider's Node cannot resolve *.sso.localhost; the endpoint answers on every host.
            metadata["backchannel_logout_uri"] = $"http://127.0.0.1:{gatewayPort}/_sso/oidc/{providerName}/backchannel-logout";
            metadata["backchannel_logout_session_required"] = true;
        }
        return metadata;
    }

    /// <summary>The gateway settings of provider <paramref name="name"/> using <paramref name="client"/>.</summary>
    public Dictionary<string, string?> GatewaySettings(string name, ProviderClient client) => new()
    {
        [$"Sso:OpenIdConnect:{name}:Authority"] = Issuer,
        [$"Sso:OpenIdConnect:{name}:ClientId"] = client.ClientId,
        [$"Sso:OpenIdConnect:{name}:ClientSecret"] = client.ClientSecret,
        [$"Sso:OpenIdConnect:{name}:Scopes"] = "openid profile email groups",
    };

    /// <summary>
    /// The next <paramref name="times"/> token responses to <paramref name="clientId"/> carry an ID token with
    /// <paramref name="claims"/> changed (null removes one), signed by the provider's key or, with
    /// <paramref name="otherKey"/>, by a key the provider never published.
    /// </summary>
    public async Task TamperWithIdTokensAsync(string clientId, IDictionary<string, object?> claims, bool otherKey = false, int times = 1)
    {
        using var response = await _http.PostAsJsonAsync($"{Issuer}/test/tamper",
            new { client_id = clientId, claims, key = otherKey ? "other" : null, times });
        Assert.True(response.IsSuccessStatusCode, $"tamper: {(int)response.StatusCode}");
    }

    private string ConfigurationJson()
    {
        var key = SigningKey.Rsa.ExportParameters(includePrivateParameters: true);
        var jwk = new JsonObject
        {
            ["kty"] = "RSA", ["kid"] = SigningKey.KeyId, ["alg"] = "RS256", ["use"] = "sig",
            ["n"] = Base64UrlEncoder.Encode(key.Modulus), ["e"] = Base64UrlEncoder.Encode(key.Exponent),
            ["d"] = Base64UrlEncoder.Encode(key.D), ["p"] = Base64UrlEncoder.Encode(key.P), ["q"] = Base64UrlEncoder.Encode(key.Q),
            ["dp"] = Base64UrlEncoder.Encode(key.DP), ["dq"] = Base64UrlEncoder.Encode(key.DQ), ["qi"] = Base64UrlEncoder.Encode(key.InverseQ),
        };
        var accounts = new JsonObject();
        foreach (var (id, account) in Accounts)
        {
            var claims = new JsonObject { ["email"] = account.Email, ["email_verified"] = true, ["name"] = account.Name };
            if (account.PreferredUsername is not null)
            {
                claims["preferred_username"] = account.PreferredUsername;
            }
            if (account.Groups.Length > 0)
            {
                claims["groups"] = new JsonArray(account.Groups.Select(g => (JsonNode)g).ToArray());
            }
            accounts[id] = claims;
        }
        var clients = new JsonArray();
        if (_staticClient is var (name, gatewayPort, client))
        {
            var metadata = ClientMetadata(name, gatewayPort, GatewayHost.App1, backChannelLogout: false);
            metadata["client_id"] = client.ClientId;
            metadata["client_secret"] = client.ClientSecret;
            clients.Add(metadata);
        }
        return new JsonObject
        {
            ["port"] = Port, ["jwks"] = new JsonObject { ["keys"] = new JsonArray(jwk) }, ["accounts"] = accounts, ["clients"] = clients,
        }.ToJsonString();
    }

    private static string FindNode() =>
        new[] { "/usr/bin/node", "/usr/local/bin/node" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("node is not installed (Node 20 or later runs the test OpenID provider).");

    private void Stop()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process?.Dispose();
        _process = null;
    }

    public async Task DisposeAsync()
    {
        Stop();
        if (_folder is not null)
        {
            await _folder.DisposeAsync();
        }
        _http.Dispose();
        SigningKey.Rsa.Dispose();
    }
}

public sealed record ProviderAccount(string? PreferredUsername, string Email, string Name, string[] Groups);

public sealed record ProviderClient(string ClientId, string ClientSecret);

[CollectionDefinition(Name)]
public sealed class OpenIdProviderCollection : ICollectionFixture<OpenIdProviderFixture>, ICollectionFixture<RedisServerFixture>
{
    public const string Name = "openid-provider";
}
