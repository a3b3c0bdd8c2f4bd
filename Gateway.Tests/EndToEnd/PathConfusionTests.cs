using System.Text;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// Path confusion (CVE-2019-9901's class): <c>/admin/…</c> is for admins only and sits behind a looser catch-all
/// route on the same host. Every spelling of the protected path is sent, and the backend must never receive a
/// request that any common server would read as <c>/admin/…</c> unless the admin policy allowed it. The backend's
/// reading is deliberately the most generous one (decode repeatedly, overlong UTF-8, backslashes, <c>;</c>
/// parameters, NUL truncation, dot segments, Windows' trailing dots, any letter case).
/// </summary>
public sealed class PathConfusionTests(PathConfusionTests.Site site) : IClassFixture<PathConfusionTests.Site>
{
    public static readonly string[] Variants =
    [
        "/admin/", "/admin", "/admin/x", "//admin/", "///admin/", "//admin//x", "/./admin/", "/x/../admin/",
        "/x/./../admin/", "/admin/.", "/admin%2F", "/admin%2f", "/%2Fadmin/", "/x/..%2Fadmin/", "/x/..%2fadmin/",
        "/admin%252F", "/x/..%252Fadmin/", "/x/%2e%2e/admin/", "/x/%2E%2E/admin/", "/x/.%2e/admin/", "/%2e/admin/",
        "/x/%252e%252e/admin/", "/admin\\", "/x\\..\\admin\\", "/x/..%5Cadmin/", "/x/..%5cadmin/", "/x/..%255Cadmin/",
        "/admin;x/", "/admin;/", "/x/..;/admin/", "/admin%3Bx/", "/admin%3bjsessionid=1/", "/ADMIN/", "/Admin/",
        "/aDmIn/x", "/%61dmin/", "/%41DMIN/", "/%C0%AFadmin/", "/x/%C0%AE%C0%AE/admin/", "/x/%E0%80%AF../admin",
        "/admin%00/", "/admin%00.html", "/x%00/../admin/", "/admin./", "/admin%20/", "/admin%2e/", "/admin%09/",
        "/x/../../admin/", "/%2e%2e/admin", "/admin%u002F", "/%25%32%46admin/", "/%2541dmin/",
        "http://{host}//admin/", "http://{host}/x/../admin/",
    ];

    public static TheoryData<string> AllVariants => new(Variants);

    [Theory]
    [MemberData(nameof(AllVariants))]
    public async Task SignedInNonAdmin_BehindSignedInCatchAll_NeverReachesAdminPath(string variant)
    {
        var answer = await site.SendAsync(GatewayHost.App2, variant, site.BobCookie);

        Assert.True(answer.Status is 400 or 403, $"{variant}: {answer.Status}");
        AssertNoAdminReading(answer);
    }

    [Theory]
    [MemberData(nameof(AllVariants))]
    public async Task Anonymous_BehindPublicCatchAll_NeverReachesAdminPath(string variant)
    {
        var answer = await site.SendAsync(GatewayHost.App1, variant, cookie: null);

        Assert.True(answer.Status is 400 or 401, $"{variant}: {answer.Status}");
        AssertNoAdminReading(answer);
    }

    [Theory]
    [MemberData(nameof(AllVariants))]
    public async Task Admin_EveryAcceptedSpelling_ReachesTheBackendInCanonicalForm(string variant)
    {
        var answer = await site.SendAsync(GatewayHost.App2, variant, site.AliceCookie);

        Assert.True(answer.Status is 200 or 400, $"{variant}: {answer.Status}");
        if (answer.Status == 200)
        {
            var target = Assert.Single(answer.Received);
            Assert.True(BackendReading.IsAdmin(target), $"{variant} arrived as {target}");
            // Exactly what was authorised: no spelling left for the backend to read differently.
            Assert.Equal(target, BackendReading.Normalise(target, lowerCase: false));
        }
        else
        {
            Assert.Empty(answer.Received);
        }
    }

    [Fact]
    public async Task TheTableExercisesBothOutcomes()
    {
        var outcomes = new List<int>();
        foreach (var variant in Variants)
        {
            outcomes.Add((await site.SendAsync(GatewayHost.App2, variant, site.AliceCookie)).Status);
        }
        Assert.True(outcomes.Count(s => s == 200) >= 10, "many spellings are canonicalised and routed to the admin route");
        Assert.True(outcomes.Count(s => s == 400) >= 25, "many spellings are refused");
    }

    [Theory]
    [InlineData("/public/a", "/public/a")]
    [InlineData("//public//a", "/public/a")]
    [InlineData("/public/x/../b/./c", "/public/b/c")]
    [InlineData("/public/%E5%BC%A0?q=%2F..;", "/public/%E5%BC%A0?q=%2F..;")]
    [InlineData("/public/a%20b", "/public/a%20b")]
    [InlineData("/public/100%25", "/public/100%25")]
    public async Task OrdinaryPaths_AreForwardedCanonical_QueryUntouched(string sent, string received)
    {
        var answer = await site.SendAsync(GatewayHost.App1, sent, cookie: null);

        Assert.Equal(200, answer.Status);
        Assert.Equal(received, Assert.Single(answer.Received));
    }

    private static void AssertNoAdminReading(Answer answer)
    {
        foreach (var target in answer.Received)
        {
            Assert.False(BackendReading.IsAdmin(target), $"the backend received {target}");
        }
    }

    public sealed record Answer(int Status, IReadOnlyList<string> Received);

    /// <summary>
    /// One gateway for the class: app1's catch-all is public, app2's needs a session, and both hosts have an
    /// admins-only <c>/admin/{**rest}</c>; every route leads to one recording backend.
    /// </summary>
    public sealed class Site : IAsyncLifetime
    {
        private readonly SemaphoreSlim _oneAtATime = new(1, 1);
        private RecordingBackend _backend = null!;
        private GatewayHost _gateway = null!;

        public string BobCookie { get; private set; } = "";

        public string AliceCookie { get; private set; } = "";

        public async Task InitializeAsync()
        {
            _backend = await RecordingBackend.StartAsync();
            _gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>
            {
                ["ReverseProxy:Routes:app1:AuthorizationPolicy"] = "anonymous",
                ["ReverseProxy:Routes:app1-admin:ClusterId"] = "app1",
                ["ReverseProxy:Routes:app1-admin:AuthorizationPolicy"] = "admins",
                ["ReverseProxy:Routes:app1-admin:Match:Hosts:0"] = GatewayHost.App1,
                ["ReverseProxy:Routes:app1-admin:Match:Path"] = "/admin/{**rest}",
                ["ReverseProxy:Clusters:app1:Destinations:d1:Address"] = _backend.Url,
                ["ReverseProxy:Clusters:app2:Destinations:d1:Address"] = _backend.Url,
            });
            BobCookie = await SignInAsync(TestUsers.Bob);
            AliceCookie = await SignInAsync(TestUsers.Alice);
        }

        private async Task<string> SignInAsync(TestUsers.User user)
        {
            using var client = _gateway.CreateClient();
            (await client.SignInAsync(GatewayHost.App1, user)).Dispose();
            return $"sso_session={client.SessionCookie()!.Value}";
        }

        /// <summary>Sends the target as written (no client rewrites it) and returns what the backend received for it.</summary>
        public async Task<Answer> SendAsync(string host, string target, string? cookie)
        {
            await _oneAtATime.WaitAsync();
            try
            {
                _backend.Clear();
                var request = new StringBuilder()
                    .Append("GET ").Append(target.Replace("{host}", host)).Append(" HTTP/1.1\r\n")
                    .Append("Host: ").Append(host).Append("\r\n")
                    .Append("Accept: application/json\r\n")
                    .Append(cookie is null ? "" : $"Cookie: {cookie}\r\n")
                    .Append("Connection: close\r\n\r\n");
                var response = await RawHttp.SendAsync(_gateway.Port, Encoding.Latin1.GetBytes(request.ToString()));
                return new Answer(response.StatusCode, _backend.Targets.ToList());
            }
            finally
            {
                _oneAtATime.Release();
            }
        }

        public async Task DisposeAsync()
        {
            await _gateway.DisposeAsync();
            await _backend.DisposeAsync();
        }
    }

    /// <summary>What a permissive backend could make of a request target.</summary>
    private static class BackendReading
    {
        public static bool IsAdmin(string target)
        {
            var path = Normalise(target, lowerCase: true);
            return path == "/admin" || path.StartsWith("/admin/", StringComparison.Ordinal);
        }

        /// <summary>
        /// The path after every normalisation some server applies: up to three rounds of percent-decoding (overlong
        /// UTF-8 read as ASCII), <c>\</c> as <c>/</c>, <c>;…</c> parameters dropped, NUL truncation, repeated slashes
        /// merged, dot segments resolved, trailing dots and spaces trimmed (Windows). Without <paramref name="lowerCase"/>
        /// and on a clean target, this is the identity.
        /// </summary>
        public static string Normalise(string target, bool lowerCase)
        {
            var path = target.Split('?')[0];
            for (var round = 0; round < 3; round++)
            {
                path = Decode(path);
            }
            path = path.Replace('\\', '/');
            var nul = path.IndexOf('\0');
            if (nul >= 0)
            {
                path = path[..nul];
            }
            var segments = new List<string>();
            foreach (var raw in path.Split('/'))
            {
                var segment = raw.Split(';')[0].TrimEnd('.', ' ');
                if (raw is "." or "")
                {
                    continue;
                }
                if (raw == "..")
                {
                    if (segments.Count > 0)
                    {
                        segments.RemoveAt(segments.Count - 1);
                    }
                    continue;
                }
                segments.Add(lowerCase ? segment.ToLowerInvariant() : segment);
            }
            var trailing = path.EndsWith('/') && segments.Count > 0 ? "/" : "";
            var normalised = "/" + string.Join('/', segments) + trailing;
            // Re-encode what the gateway would have encoded, so a clean target compares equal to itself.
            return lowerCase ? normalised : Uri.EscapeDataString(normalised).Replace("%2F", "/");
        }

        private static string Decode(string path)
        {
            var overlong = path
                .Replace("%C0%AF", "/", StringComparison.OrdinalIgnoreCase)
                .Replace("%E0%80%AF", "/", StringComparison.OrdinalIgnoreCase)
                .Replace("%C0%AE", ".", StringComparison.OrdinalIgnoreCase)
                .Replace("%C1%9C", "\\", StringComparison.OrdinalIgnoreCase)
                .Replace("%u002F", "/", StringComparison.OrdinalIgnoreCase);
            return Uri.UnescapeDataString(overlong);
        }
    }
}
