using System.Text.Json.Nodes;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.ForwardAuth;

/// <summary>
/// deploy/forward-auth/traefik/docker-compose.yml cannot run here (Traefik is not a Debian package, and there is no
/// Docker engine), so it is read: every protected router asks the gateway the way the tested nginx and Caddy
/// examples do, and nothing the browser sends can describe the request or stand in for the identity headers.
/// </summary>
public sealed class TraefikExampleTests
{
    private static readonly JsonObject Compose =
        YamlDocuments.Load(Path.Combine(RepositoryRoot.Path, "deploy/forward-auth/traefik/docker-compose.yml")).Single();

    private static Dictionary<string, string> Labels(string service) =>
        ((JsonArray)Compose.At($"services.{service}.labels")!).Select(l => l!.ToString().Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair[1]);

    [Fact]
    public void EveryAppRouter_StripsSpoofedHeadersFirst_ThenAsksTheGatewayWithAPolicy()
    {
        var gateway = Labels("gateway");
        var routers = Labels("app").Where(l => l.Key.EndsWith(".middlewares", StringComparison.Ordinal)).ToList();

        Assert.Equal(3, routers.Count);
        foreach (var (router, middlewares) in routers)
        {
            var chain = middlewares.Split(',');
            Assert.True(chain is ["sso-strip@docker", _], router);
            var name = chain[1].Replace("@docker", "");
            var policy = name["sso-".Length..];
            var prefix = $"traefik.http.middlewares.{name}.forwardauth.";
            Assert.Equal($"http://gateway:8080/_sso/auth?policy={policy}&redirect=true", gateway[prefix + "address"]);
            Assert.Equal("false", gateway[prefix + "trustForwardHeader"]);
            Assert.Equal("Accept,Cookie,X-Requested-With", gateway[prefix + "authRequestHeaders"]);
            Assert.Equal("X-Forwarded-User,X-Forwarded-Email,X-Forwarded-Name,X-Forwarded-Groups", gateway[prefix + "authResponseHeaders"]);
        }
    }

    [Fact]
    public void StripMiddleware_RemovesEveryUnderscoreSpellingOfTheIdentityHeaders()
    {
        var removed = Labels("gateway")
            .Where(l => l.Key.StartsWith("traefik.http.middlewares.sso-strip.headers.customrequestheaders.", StringComparison.Ordinal) && l.Value == "")
            .Select(l => l.Key[(l.Key.LastIndexOf('.') + 1)..]).ToHashSet();

        foreach (var header in new[] { "User", "Email", "Name", "Groups" })
        {
            foreach (var (a, b) in new[] { ('_', '_'), ('-', '_'), ('_', '-') })
            {
                Assert.Contains($"X{a}Forwarded{b}{header}", removed);
            }
        }
    }

    [Fact]
    public void Gateway_TrustsTraefiksAddress_AndNoOneElse()
    {
        var traefik = Compose.Str("services.traefik.networks.edge.ipv4_address");

        Assert.Equal(traefik, Compose.Str("services.gateway.environment.Sso__ForwardAuth__TrustedProxies__0"));
        Assert.Null(Compose.Str("services.gateway.environment.Sso__ForwardAuth__TrustedProxies__1"));
    }
}
