using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Tests.MySessions;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.Metrics;

/// <summary>
/// Real traffic through a real gateway process on real Redis, then a scrape of its management port over HTTP: every
/// counter moved by exactly what happened, and nothing in the scrape names a user, a session or a client.
/// </summary>
public sealed class MetricsEndToEndTests(MetricsGateway gateway) : IClassFixture<MetricsGateway>
{
    private const string App1 = GatewayHost.App1;
    private const string App2 = GatewayHost.App2;

    [Fact]
    public async Task RealTraffic_MovesEachCounter_ByExactlyWhatHappened_AndNamesNoUserSessionOrClient()
    {
        var before = await gateway.ScrapeAsync();
        var secrets = new List<string>();

        // Two sign-ins. The cache holds one session's record: the second one's takes the place of the first's.
        using var wilhelmina = gateway.Client("198.51.100.1");
        using var bartholomew = gateway.Client("198.51.100.2");
        await SignInAsync(wilhelmina, MetricsGateway.Wilhelmina, HttpStatusCode.Found);
        await SignInAsync(bartholomew, MetricsGateway.Bartholomew, HttpStatusCode.Found);
        secrets.Add(wilhelmina.SessionCookie(App1)!.Value);
        secrets.Add(bartholomew.SessionCookie(App1)!.Value);

        // Proxied requests: 2xx and 4xx on signed-in, admin-only and public routes.
        var cacheBefore = await gateway.ScrapeAsync();
        for (var i = 0; i < 3; i++)
        {
            await ExpectAsync(wilhelmina, App1, "/private/" + i, HttpStatusCode.OK);
        }
        var cacheAfter = await gateway.ScrapeAsync();
        await ExpectAsync(wilhelmina, App2, "/admin/secret-path-of-wilhelmina", HttpStatusCode.Forbidden);
        using var anonymous = gateway.Client("198.51.100.9");
        await ExpectAsync(anonymous, App1, "/public/a", HttpStatusCode.OK);
        await ExpectAsync(anonymous, App1, "/public/b", HttpStatusCode.OK);
        await ExpectAsync(anonymous, App1, "/api/orders", HttpStatusCode.Unauthorized);

        // Failed sign-ins from one address until it is locked out; then a username locked out from four addresses.
        using (var attacker = gateway.Client("203.0.113.9"))
        {
            await SignInAsync(attacker, MetricsGateway.Bartholomew with { Password = "guess-1" }, HttpStatusCode.Unauthorized);
            await SignInAsync(attacker, MetricsGateway.Bartholomew with { Password = "guess-2" }, HttpStatusCode.Unauthorized);
            await SignInAsync(attacker, MetricsGateway.Bartholomew with { Username = "nobody-at-all" }, HttpStatusCode.Unauthorized);
            await SignInAsync(attacker, MetricsGateway.Bartholomew, HttpStatusCode.TooManyRequests);
        }
        for (var i = 0; i <= MetricsGateway.MaxFailures; i++)
        {
            using var sprayer = gateway.Client($"192.0.2.{10 + i}");
            await SignInAsync(sprayer, MetricsGateway.Cordelia with { Password = "spray-" + i },
                i < MetricsGateway.MaxFailures ? HttpStatusCode.Unauthorized : HttpStatusCode.TooManyRequests);
        }

        // Bartholomew's first request misses the cache (Wilhelmina's record took its place).
        var missBefore = await gateway.ScrapeAsync();
        await ExpectAsync(bartholomew, App1, "/private/x", HttpStatusCode.OK);
        var missAfter = await gateway.ScrapeAsync();

        // A second session of Bartholomew ends the first from "my sessions" (revoked), Wilhelmina signs out, and
        // disabling Bartholomew in the users file ends the second (directory).
        using var bartholomewAgain = gateway.Client("198.51.100.3");
        await SignInAsync(bartholomewAgain, MetricsGateway.Bartholomew, HttpStatusCode.Found);
        secrets.Add(bartholomewAgain.SessionCookie(App1)!.Value);
        var listing = await JsonAsync(bartholomewAgain, MySessionsClient.Page);
        secrets.AddRange(listing.GetProperty("sessions").EnumerateArray().Select(s => s.GetProperty("handle").GetString()!));
        var token = await FormTokenAsync(bartholomewAgain, MySessionsClient.Page);
        using (var endOthers = await bartholomewAgain.PostFormAsync(App1, MySessionsClient.EndOthers, new Dictionary<string, string> { ["__antiforgery"] = token }))
        {
            Assert.Equal(HttpStatusCode.SeeOther, endOthers.StatusCode);
        }
        using (var signOut = await wilhelmina.SignOutAsync(App1))
        {
            Assert.Equal(HttpStatusCode.Found, signOut.StatusCode);
        }
        await UsersFile.ReplaceAsync(gateway.UsersFilePath, [MetricsGateway.Wilhelmina, MetricsGateway.Bartholomew with { Disabled = true }, MetricsGateway.Cordelia]);

        double Delta(PrometheusScrape after, string name, params (string, string)[] labels) => after.Sum(name, labels) - before.Sum(name, labels);
        async Task Expect(string name, double expected, params (string, string)[] labels) =>
            await gateway.AssertReachesAsync(s => Delta(s, name, labels), expected, $"{name}{{{string.Join(',', labels.Select(l => $"{l.Item1}={l.Item2}"))}}}");

        await Expect("ssogateway_sessions_ended_total", 1, ("reason", "directory"));
        await Expect("ssogateway_sessions_ended_total", 1, ("reason", "revoked"));
        await Expect("ssogateway_sessions_ended_total", 1, ("reason", "sign_out"));
        await Expect("ssogateway_sessions_ended_total", 0, ("reason", "idle"));
        await Expect("ssogateway_sessions_ended_total", 0, ("reason", "absolute"));
        await Expect("ssogateway_sessions_started_total", 3, ("method", "password"));
        await Expect("ssogateway_sign_ins_total", 3, ("method", "password"), ("outcome", "success"), ("reason", "none"));
        await Expect("ssogateway_sign_ins_total", 2 + MetricsGateway.MaxFailures, ("outcome", "failure"), ("reason", "wrong-password"));
        await Expect("ssogateway_sign_ins_total", 1, ("outcome", "failure"), ("reason", "unknown-user"));
        await Expect("ssogateway_sign_ins_total", 1, ("outcome", "locked_out"), ("reason", "address"));
        await Expect("ssogateway_sign_ins_total", 1, ("outcome", "locked_out"), ("reason", "username"));
        await Expect("ssogateway_sign_ins_total", 3 + 2 + MetricsGateway.MaxFailures + 1 + 2);
        await Expect("ssogateway_lockouts_total", 1, ("locked_by", "address"));
        await Expect("ssogateway_lockouts_total", 1, ("locked_by", "username"));
        await Expect("ssogateway_requests_total", 4, ("route", "app1"), ("status_class", "2xx"));
        await Expect("ssogateway_requests_total", 1, ("route", "app1"), ("status_class", "4xx"));
        await Expect("ssogateway_requests_total", 2, ("route", "app1-public"), ("status_class", "2xx"));
        await Expect("ssogateway_requests_total", 1, ("route", "app2-admin"), ("status_class", "4xx"));
        await Expect("ssogateway_requests_total", 0, ("route", "app2-admin"), ("status_class", "2xx"));
        // Eleven sign-in forms shown (200) and posted: 3 successes (302), 6 wrong credentials (401), 2 locked out (429).
        await Expect("ssogateway_requests_total", 11, ("route", "/_sso/login"), ("status_class", "2xx"));
        await Expect("ssogateway_requests_total", 3, ("route", "/_sso/login"), ("status_class", "3xx"));
        await Expect("ssogateway_requests_total", 8, ("route", "/_sso/login"), ("status_class", "4xx"));
        await Expect("ssogateway_session_store_errors_total", 0);

        var after = await gateway.ScrapeAsync();
        Assert.True(Delta(after, "ssogateway_session_store_duration_seconds_count", ("operation", "create")) == 3, "three session writes timed");
        Assert.True(Delta(after, "ssogateway_session_store_duration_seconds_count", ("operation", "delete")) >= 2, "sign-out and end-others timed");
        Assert.Equal(0, after.Sum("ssogateway_session_store_circuit_open"));

        // The cache holds one record, the last one written or read: a session's first request after another session's
        // sign-in or request misses (and asks Redis), its next ones hit.
        Assert.Equal(1, cacheAfter.Sum("ssogateway_session_cache_lookups_total", ("result", "miss")) - cacheBefore.Sum("ssogateway_session_cache_lookups_total", ("result", "miss")));
        var hits = cacheAfter.Sum("ssogateway_session_cache_lookups_total", ("result", "hit")) - cacheBefore.Sum("ssogateway_session_cache_lookups_total", ("result", "hit"));
        Assert.True(hits == 2, $"hits {hits}");
        Assert.Equal(1, missAfter.Sum("ssogateway_session_cache_lookups_total", ("result", "miss")) - missBefore.Sum("ssogateway_session_cache_lookups_total", ("result", "miss")));
        // Every session that was cached has ended since (sign-out, end-others, the directory): none is cached.
        Assert.Contains("ssogateway_session_cache_entries", after.Names);
        Assert.Equal(0, after.Sum("ssogateway_session_cache_entries"));

        // Nothing that identifies a person, a session or a client, and no raw path.
        var text = after.Text;
        foreach (var user in MetricsGateway.Users)
        {
            Assert.DoesNotContain(user.Username, text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(user.Email, text, StringComparison.OrdinalIgnoreCase);
        }
        foreach (var secret in secrets.Concat(["nobody-at-all", "198.51.100.", "203.0.113.9", "192.0.2.", "secret-path-of-wilhelmina", "/private/", "/api/orders", "/public/a"]))
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// Requests in flight are counted by the gateway's own gauge (ASP.NET Core's <c>http_server_active_requests</c> is
    /// dropped: it measured twice per request what two increments count): one while a sign-in's body is still arriving,
    /// none once it is answered. The request duration histogram stays.
    /// </summary>
    [Fact]
    public async Task ActiveRequests_CountARequestWhileItIsAnswered_AndOnlyThen()
    {
        var scrape = await gateway.ScrapeAsync();
        Assert.DoesNotContain("http_server_active_requests", scrape.Names);
        Assert.Contains("http_server_request_duration_seconds_bucket", scrape.Names);
        await gateway.AssertReachesAsync(s => s.Sum("ssogateway_requests_active"), 0, "ssogateway_requests_active at rest");

        using var client = gateway.Client("198.51.100.70");
        var body = new StalledFormContent("username=nobody&password=");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{App1}:{gateway.Port}/_sso/login") { Content = body };
        var answer = client.Http.SendAsync(request);
        await body.Started.Task.WaitAsync(TimeSpan.FromSeconds(15));
        await gateway.AssertReachesAsync(s => s.Sum("ssogateway_requests_active"), 1, "ssogateway_requests_active while a body arrives");

        body.Finish.SetResult();
        using (var response = await answer)
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
        await Poll.UntilAsync(async () => (await gateway.ScrapeAsync()).Sum("ssogateway_requests_active") == 0, TimeSpan.FromSeconds(15), "active requests back to 0");
    }

    /// <summary>A form body that sends its first part, then waits for <see cref="Finish"/>.</summary>
    private sealed class StalledFormContent : HttpContent
    {
        private readonly byte[] _first;

        public StalledFormContent(string first)
        {
            _first = System.Text.Encoding.ASCII.GetBytes(first);
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-www-form-urlencoded");
        }

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Finish { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync(_first);
            await stream.FlushAsync();
            Started.SetResult();
            await Finish.Task;
            await stream.WriteAsync("x"u8.ToArray());
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    /// <summary>
    /// The shipped Grafana dashboard cannot drift from what the gateway exports: every metric name in every query (and in
    /// its instance variable) is one that a real scrape, after a sign-in and a proxied request, contains.
    /// </summary>
    [Fact]
    public async Task GrafanaDashboard_QueriesOnlyMetricsTheGatewayExports()
    {
        using var client = gateway.Client("198.51.100.50");
        await SignInAsync(client, MetricsGateway.Wilhelmina, HttpStatusCode.Found);
        await ExpectAsync(client, App1, "/dashboard-check", HttpStatusCode.OK);
        var names = (await gateway.ScrapeAsync()).Names;

        using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(
            Path.Combine(RepositoryRoot.Path, "deploy", "grafana", "ssogateway-dashboard.json")));
        var queries = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .Where(p => p.TryGetProperty("targets", out _))
            .SelectMany(p => p.GetProperty("targets").EnumerateArray().Select(t => (Panel: p.GetProperty("title").GetString()!, Expr: t.GetProperty("expr").GetString()!)))
            .ToList();
        Assert.True(queries.Count >= 20, $"{queries.Count} queries");
        var used = queries.SelectMany(q => PromQl.MetricNames(q.Expr).Select(name => (q.Panel, Name: name))).ToList();
        foreach (var variable in dashboard.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray())
        {
            if (variable.TryGetProperty("definition", out var definition) && definition.GetString() is { } query && query.StartsWith("label_values(", StringComparison.Ordinal))
            {
                used.Add(("variable " + variable.GetProperty("name").GetString(), query["label_values(".Length..query.IndexOf(',')].Trim()));
            }
        }
        Assert.Contains(used, u => u.Name == "ssogateway_sign_ins_total");
        Assert.All(used, u => Assert.True(names.Contains(u.Name), $"panel '{u.Panel}' queries {u.Name}, which the gateway does not export"));
        // Each family of the gateway's own meter is on the dashboard.
        foreach (var family in names.Where(n => n.StartsWith("ssogateway_", StringComparison.Ordinal)).Select(n => Regex.Replace(n, "_(bucket|sum|count)$", "")).Distinct())
        {
            Assert.Contains(used, u => u.Name.StartsWith(family, StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("sum by (route) (rate(ssogateway_requests_total{instance=~\"$instance\"}[$__rate_interval]))", "ssogateway_requests_total")]
    [InlineData("histogram_quantile(0.99, sum by (le, operation) (rate(x_bucket{a=\"b,c\"}[5m])))", "x_bucket")]
    [InlineData("sum(rate(a_total{result=\"hit\"}[1m])) / sum(rate(b_total[1m])) and on(instance) c", "a_total b_total c")]
    [InlineData("-sum by (reason) (increase(ended_total[5m] offset 1h))", "ended_total")]
    public void PromQl_FindsTheMetricNames(string expression, string names) =>
        Assert.Equal(names.Split(' ').Order(), PromQl.MetricNames(expression).Order());

    /// <summary>On the proxied port the metrics do not exist: on every host, any path is a route (or 404) as before.</summary>
    [Fact]
    public async Task PublicPort_NeverAnswersWithTheMetrics()
    {
        using var anonymous = gateway.Client("198.51.100.60");
        foreach (var (host, path, status) in new[]
        {
            (App1, "/metrics", HttpStatusCode.Unauthorized),
            (App2, "/metrics", HttpStatusCode.Unauthorized),
            (GatewayHost.Outside, "/metrics", HttpStatusCode.NotFound),
            ("127.0.0.1", "/metrics", HttpStatusCode.NotFound),
            ("localhost", "/metrics", HttpStatusCode.NotFound),
            (App1, "/_sso/metrics", HttpStatusCode.Unauthorized),
            (GatewayHost.Outside, "/_sso/metrics", HttpStatusCode.NotFound),
        })
        {
            using var response = await anonymous.GetAsync(host, path);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == status, $"{host}{path}: {(int)response.StatusCode}");
            Assert.DoesNotContain("ssogateway_", body);
            Assert.DoesNotContain("# TYPE", body);
        }
        // Signed in, /metrics on a module's host is that module's own path: forwarded like any other.
        using var signedIn = gateway.Client("198.51.100.61");
        await SignInAsync(signedIn, MetricsGateway.Wilhelmina, HttpStatusCode.Found);
        var echoed = await signedIn.GetEchoAsync(App1, "/metrics");
        Assert.Equal(("app1", "/metrics"), (echoed.Backend, echoed.Path));
    }

    /// <summary>The management port answers <c>GET /metrics</c> and nothing else, and never reaches a backend.</summary>
    [Fact]
    public async Task ManagementPort_AnswersOnlyGetMetrics_AndForwardsNothing()
    {
        using var http = new HttpClient();
        using (var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, gateway.MetricsUrl())))
        {
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        }
        foreach (var (method, path, host) in new[]
        {
            ("POST", "/metrics", (string?)null), ("DELETE", "/metrics", null), ("GET", "/", null), ("GET", "/metrics/extra", null),
            ("GET", "/_sso/login", null), ("GET", "/_sso/healthz", null), ("GET", "/private/x", App1), ("GET", "/public/x", App1),
        })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), gateway.MetricsUrl(path));
            if (host is not null)
            {
                request.Headers.Host = host;
            }
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {host}{path}: {(int)response.StatusCode}");
            Assert.Equal("", body);
        }
    }

    private static async Task SignInAsync(GatewayClient client, TestUsers.User user, HttpStatusCode expected)
    {
        using var response = await client.SignInAsync(App1, user);
        Assert.Equal(expected, response.StatusCode);
    }

    private static async Task ExpectAsync(GatewayClient client, string host, string path, HttpStatusCode expected)
    {
        using var response = await client.GetAsync(host, path);
        Assert.Equal(expected, response.StatusCode);
    }

    private static async Task<JsonElement> JsonAsync(GatewayClient client, string path)
    {
        using var response = await client.GetAsync(App1, path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task<string> FormTokenAsync(GatewayClient client, string path)
    {
        using var response = await client.GetAsync(App1, path, asBrowser: true);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {html}");
        return GatewayClient.FormToken(html);
    }
}
