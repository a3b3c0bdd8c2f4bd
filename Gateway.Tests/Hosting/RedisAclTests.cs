using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Gateway.Tests.Instances;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.Hosting;

/// <summary>
/// deploy/redis as an operator applies it: a real <c>redis-server</c> started from deploy/redis/redis.conf with the
/// ACL user of deploy/redis/ssogateway.acl (a password appended, as the file says), and two gateways connected as that
/// user under the documented prefix. They sign in, revoke through the admin API, and hear each other's invalidations
/// (the pub/sub channel the ACL must open); Redis logs no refused command, key or channel on the way.
/// </summary>
public sealed partial class RedisAclTests(RedisAclTests.AclRedis redis) : IClassFixture<RedisAclTests.AclRedis>
{
    private const string GatewayPassword = "acl-test-gateway-password";
    private const string AdminUser = "test-admin", AdminPassword = "acl-test-admin-password";

    private int Port => redis.Port;

    /// <summary>The one redis-server of this class, started from deploy/redis with the documented ACL user.</summary>
    public sealed class AclRedis : IAsyncLifetime
    {
        private readonly ChildProcesses _redis = new("ssogw-redis-acl-");

        public int Port { get; private set; }

        public async Task InitializeAsync()
        {
            var acl = File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "deploy", "redis", "ssogateway.acl"))
                .Where(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#'))
                .Select(l => l.StartsWith("user ssogateway ", StringComparison.Ordinal) ? l + " >" + GatewayPassword : l)
                .Append($"user {AdminUser} on >{AdminPassword} ~* &* +@all")
                .ToList();
            Assert.Contains(acl, l => l.StartsWith("user ssogateway ", StringComparison.Ordinal));
            var aclFile = Path.Combine(_redis.Folder, "users.acl");
            await File.WriteAllLinesAsync(aclFile, acl);

            // The documented settings first, then what only this machine needs (a free port, loopback, a folder of its own).
            // A port free a moment ago may be taken by a parallel test's server before redis binds it: then another.
            for (var attempt = 1; ; attempt++)
            {
                Port = FreePort.Next();
                var config = Path.Combine(_redis.Folder, $"redis-{attempt}.conf");
                await File.WriteAllTextAsync(config, $"""
                    include {Path.Combine(RepositoryRoot.Path, "deploy", "redis", "redis.conf")}
                    aclfile {aclFile}
                    port {Port}
                    bind 127.0.0.1
                    dir {_redis.Folder}
                    save ""
                    """);
                _redis.Start("redis-server", config);
                try
                {
                    await Poll.UntilAsync(async () =>
                    {
                        try
                        {
                            return await CommandAsync(Port, AdminUser, AdminPassword, "PING") == "+PONG\r\n";
                        }
                        catch (SocketException)
                        {
                            return false;
                        }
                    }, TimeSpan.FromSeconds(10), "redis-server with the documented ACL answers");
                    return;
                }
                catch (TimeoutException) when (attempt < 3)
                {
                }
            }
        }

        public async Task DisposeAsync() => await _redis.DisposeAsync();
    }

    [Fact]
    public async Task DocumentedAclUser_SignsInRevokesAndHearsInvalidations_WithNothingRefused()
    {
        Assert.Equal("*2\r\n$16\r\nmaxmemory-policy\r\n$10\r\nnoeviction\r\n", await AdminAsync("CONFIG", "GET", "maxmemory-policy"));
        // The tests of this class share the server (one at a time): only this test's refusals count below.
        Assert.Equal("+OK\r\n", await AdminAsync("ACL", "LOG", "RESET"));
        var settings = new Dictionary<string, string?>
        {
            ["Sso:Redis"] = $"127.0.0.1:{Port},user=ssogateway,password={GatewayPassword}",
            ["Sso:RedisKeyPrefix"] = "sso:",
            ["Sso:StoreTimeout"] = "00:00:10",
            // Each instance would trust a session it has read for ten minutes: only the invalidation channel can make
            // the other instance refuse a revoked session within the poll below.
            ["Sso:SessionCacheDuration"] = "00:10:00",
            ["Sso:AdminPolicy"] = "admins",
            ["Sso:LoginHost"] = GatewayHost.Login,
            ["Sso:Lockout:MaxFailures"] = "5",
        };
        await using var a = await GatewayHost.StartAsync(settings);
        await using var b = await GatewayHost.StartAsync(settings, sharedContentRoot: a.ContentRoot);
        using var admin = a.CreateClient();
        using var bob = a.CreateClient();

        using (var failed = await bob.SignInAsync(GatewayHost.Login, "bob", "wrong-password"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode); // the lockout counters, written through the ACL
        }
        using (var signIn = await admin.SignInAsync(GatewayHost.Login, TestUsers.Alice))
        {
            Assert.Equal(HttpStatusCode.Found, signIn.StatusCode);
        }
        using (var signIn = await bob.SignInAsync(GatewayHost.Login, TestUsers.Bob))
        {
            Assert.Equal(HttpStatusCode.Found, signIn.StatusCode);
        }
        using var bobOnB = TwoInstances.SameBrowser(b, bob);
        Assert.Equal("bob", (await bobOnB.GetEchoAsync(GatewayHost.App1, "/page")).Header("X-Forwarded-User"));

        var revoke = new HttpRequestMessage(HttpMethod.Delete, a.Url(GatewayHost.Login, "/_sso/admin/users/bob/sessions"));
        revoke.Headers.Accept.ParseAdd("application/json");
        using (var revoked = await admin.Http.SendAsync(revoke))
        {
            Assert.True(revoked.IsSuccessStatusCode, $"revocation: {(int)revoked.StatusCode}");
        }

        await Poll.UntilAsync(async () =>
        {
            using var response = await bobOnB.GetAsync(GatewayHost.App1, "/page");
            return response.StatusCode == HttpStatusCode.Unauthorized;
        }, TimeSpan.FromSeconds(10), "instance B refuses bob's revoked session (invalidation heard through the ACL)");
        using (var signOut = await admin.SignOutAsync(GatewayHost.Login))
        {
            Assert.Equal(HttpStatusCode.Found, signOut.StatusCode);
        }

        // The one refusal the ACL file documents: the client's CONFIG GET at connect, which it does without.
        var log = await AdminAsync("ACL", "LOG");
        var refused = RefusedObject().Matches(log).Select(m => m.Groups["object"].Value).Distinct().ToList();
        Assert.True(refused.All(o => o == "config|get"), log.Replace("\r\n", " "));
        Assert.NotEqual(0, await CountKeysAsync("sso:*"));
    }

    [Theory]
    [InlineData("GET", "other-app:session")]
    [InlineData("SET", "other-app:session", "x")]
    [InlineData("FLUSHALL")]
    [InlineData("KEYS", "*")]
    [InlineData("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")]
    [InlineData("FUNCTION", "FLUSH")]
    [InlineData("PUBLISH", "other-app:ended", "x")]
    [InlineData("SUBSCRIBE", "other-app:ended")]
    [InlineData("ACL", "SETUSER", "intruder", "on", ">x", "+@all")]
    [InlineData("MONITOR")]
    public async Task DocumentedAclUser_IsRefusedOutsideItsPrefixAndItsCommands(params string[] command)
    {
        var reply = await CommandAsync("ssogateway", GatewayPassword, command);

        Assert.True(reply.StartsWith("-NOPERM", StringComparison.Ordinal), reply);
    }

    [Fact]
    public async Task DocumentedAclFile_AsCommitted_LetsNobodySignInAsTheGateway()
    {
        var reply = await CommandAsync("ssogateway", "", "PING");

        Assert.StartsWith("-WRONGPASS", reply);
        Assert.DoesNotContain(">", File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "deploy", "redis", "ssogateway.acl"))
            .Single(l => l.StartsWith("user ssogateway ", StringComparison.Ordinal)));
    }

    [GeneratedRegex(@"\$6\r\nobject\r\n\$\d+\r\n(?<object>[^\r]*)\r\n")]
    private static partial Regex RefusedObject();

    private async Task<long> CountKeysAsync(string pattern)
    {
        var reply = await AdminAsync("KEYS", pattern);
        return long.Parse(reply[1..reply.IndexOf('\r')]);
    }

    private Task<string> AdminAsync(params string[] command) => CommandAsync(Port, AdminUser, AdminPassword, command);

    private Task<string> CommandAsync(string user, string password, params string[] command) => CommandAsync(Port, user, password, command);

    /// <summary>AUTH as <paramref name="user"/>, then one command; the command's raw reply (or AUTH's, if it failed).</summary>
    private static async Task<string> CommandAsync(int port, string user, string password, params string[] command)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        var auth = await RoundTripAsync(stream, ["AUTH", user, password]);
        return auth != "+OK\r\n" ? auth : await RoundTripAsync(stream, command);
    }

    private static async Task<string> RoundTripAsync(NetworkStream stream, string[] args)
    {
        var request = new StringBuilder($"*{args.Length}\r\n");
        foreach (var arg in args)
        {
            request.Append($"${Encoding.UTF8.GetByteCount(arg)}\r\n{arg}\r\n");
        }
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()));
        var buffer = new byte[64 * 1024];
        var read = await stream.ReadAsync(buffer);
        return Encoding.UTF8.GetString(buffer, 0, read);
    }
}
