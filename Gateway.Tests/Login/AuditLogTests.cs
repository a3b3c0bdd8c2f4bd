using System.Net;
using System.Text.RegularExpressions;
using Gateway.Tests.TestInfrastructure;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Serilog.Events;

namespace Gateway.Tests.Login;

/// <summary>
/// SPEC §11: audit events for sign-in success and failure, lockout, sign-out and revocation, each with the username
/// and client address as properties; and never a password, cookie value or session id anywhere in the log.
/// </summary>
public sealed partial class AuditLogTests
{
    private const int SignedIn = 3001, SignInFailed = 3002, SignedOut = 3003, LockedOut = 3004, SessionRevoked = 2101, DirectoryRevoked = 120;

    [Fact]
    public async Task EverySecurityEvent_IsAudited_WithUserAndClientAddress_AndNoSecretIsEverLogged()
    {
        var log = new CapturingLogSink();
        var settings = LogEventText.InformationSettings;
        settings["Sso:Lockout:MaxFailures"] = "4";
        await using var gateway = await GatewayHost.StartAsync(settings, log.AddTo);
        var secrets = new List<string>();

        // Failures of each kind: the client cannot tell them apart, the audit log can.
        using var client = gateway.CreateClient();
        foreach (var (user, password) in new[] { ("mallory", "mallory-guess-1"), ("alice", "alice-guess-2"), ("carol", TestUsers.CarolPassword) })
        {
            secrets.Add(password);
            using var failed = await client.SignInAsync(GatewayHost.App1, user, password);
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        // Success, then sign-out.
        using (var signIn = await client.SignInAsync(GatewayHost.App1, TestUsers.Bob))
        {
            Assert.Equal(HttpStatusCode.Found, signIn.StatusCode);
        }
        secrets.Add(TestUsers.BobPassword);
        secrets.AddRange(SessionSecrets(gateway, client));
        using (await client.GetAsync(GatewayHost.App1, "/page")) { }
        using (var signOut = await client.SignOutAsync(GatewayHost.App1))
        {
            Assert.Equal(HttpStatusCode.Found, signOut.StatusCode);
        }

        // Revocation: zhang is disabled in the directory while signed in.
        using var zhang = gateway.CreateClient();
        using (await zhang.SignInAsync(GatewayHost.App1, TestUsers.Zhang)) { }
        secrets.Add(TestUsers.ZhangPassword);
        secrets.AddRange(SessionSecrets(gateway, zhang));
        await File.WriteAllTextAsync(gateway.UsersFile, TestUsers.FileContent(
            TestUsers.All.Select(u => u == TestUsers.Zhang ? u with { Disabled = true } : u)));
        await Poll.UntilAsync(async () =>
        {
            using var response = await zhang.GetAsync(GatewayHost.App1, "/page");
            return response.StatusCode == HttpStatusCode.Unauthorized;
        }, TimeSpan.FromSeconds(15), "zhang's session is refused after zhang was disabled");

        // Lockout: the address has used its four failures (the successes were taken back).
        await EndToEnd.SignInLockoutTests.FailAsync(client, "alice", times: 1);
        using (var locked = await client.SignInAsync(GatewayHost.App1, TestUsers.Alice))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
        }
        secrets.Add(TestUsers.AlicePassword);

        var failures = log.WithEventId(SignInFailed).ToList();
        Assert.Equal(["unknown-user", "wrong-password", "disabled", "wrong-password"],
            failures.Select(e => LogEventText.Scalar(e, "FailureReason")));
        Assert.Equal(["mallory", "alice", "carol", "alice"], failures.Select(e => LogEventText.Scalar(e, "User")));
        AssertAudited(log.WithEventId(SignedIn), "bob", "张三");
        AssertAudited(log.WithEventId(SignedOut), "bob");
        // Disabling ends the sessions when the edit loads (event 120, no client involved); a request that races the
        // reload is refused and audited with its client address (2101).
        await Poll.UntilAsync(() => log.WithEventId(DirectoryRevoked).Any(e => LogEventText.Scalar(e, "User") == "张三"),
            TimeSpan.FromSeconds(15), "the directory revocation is audited");
        Assert.All(log.WithEventId(SessionRevoked), e => AssertAudited([e], "张三"));
        var lockout = Assert.Single(log.WithEventId(LockedOut));
        AssertAudited([lockout], "alice");
        Assert.Equal("Address", LogEventText.Scalar(lockout, "LockedBy"));
        Assert.NotNull(LogEventText.Scalar(lockout, "RetryAfterSeconds"));
        Assert.All(failures, e => Assert.Equal("127.0.0.1", LogEventText.Scalar(e, "ClientAddress")));

        AssertNoSecretLogged(log, secrets);
    }

    [Fact]
    public async Task RequestLog_IsOneLinePerRequest_WithHostPathStatusUserAndRoute()
    {
        var log = new CapturingLogSink();
        var otherLog = new CapturingLogSink();
        await using var gateway = await GatewayHost.StartAsync(LogEventText.InformationSettings, log.AddTo);
        // A second gateway in the same process must neither steal nor duplicate the first one's lines.
        await using var other = await GatewayHost.StartAsync(LogEventText.InformationSettings, otherLog.AddTo);
        using var client = gateway.CreateClient();

        using (var anonymous = await client.GetAsync(GatewayHost.App1, "/public/hello?secret-query=1"))
        {
            Assert.Equal(HttpStatusCode.OK, anonymous.StatusCode);
        }
        using (await client.SignInAsync(GatewayHost.App1, TestUsers.Alice)) { }
        using (var proxied = await client.GetAsync(GatewayHost.App2, "/admin/panel"))
        {
            Assert.Equal(HttpStatusCode.OK, proxied.StatusCode);
        }
        using (var missing = await client.GetAsync(GatewayHost.Outside, "/nothing"))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        var lines = log.RequestLines();
        Assert.Equal(5, lines.Count); // public page, login form, login POST, admin page, unknown host
        Assert.Empty(otherLog.RequestLines());
        var publicLine = Assert.Single(lines, l => LogEventText.Scalar(l, "RequestPath") == "/public/hello");
        AssertRequestLine(publicLine, "GET", GatewayHost.App1, 200, "-", "app1-public");
        var adminLine = Assert.Single(lines, l => LogEventText.Scalar(l, "RequestPath") == "/admin/panel");
        AssertRequestLine(adminLine, "GET", GatewayHost.App2, 200, "alice", "app2-admin");
        var signInLine = Assert.Single(lines, l => LogEventText.Scalar(l, "RequestMethod") == "POST");
        AssertRequestLine(signInLine, "POST", GatewayHost.App1, 302, "-", "HTTP: POST /_sso/login");
        var missingLine = Assert.Single(lines, l => LogEventText.Scalar(l, "RequestPath") == "/nothing");
        AssertRequestLine(missingLine, "GET", GatewayHost.Outside, 404, "-", "-");
        Assert.All(lines, l => Assert.DoesNotContain("secret-query", l.RenderMessage()));
    }

    private static void AssertRequestLine(LogEvent line, string method, string host, int status, string user, string route)
    {
        Assert.Equal(method, LogEventText.Scalar(line, "RequestMethod"));
        Assert.StartsWith(host + ":", LogEventText.Scalar(line, "RequestHost"));
        Assert.Equal(status.ToString(), LogEventText.Scalar(line, "StatusCode"));
        Assert.Equal(user, LogEventText.Scalar(line, "User"));
        Assert.Equal(route, LogEventText.Scalar(line, "RouteId"));
        Assert.True(double.TryParse(LogEventText.Scalar(line, "Elapsed"), out var elapsed) && elapsed >= 0);
        Assert.Equal(LogEventLevel.Information, line.Level);
    }

    private static void AssertAudited(IEnumerable<LogEvent> events, params string[] users)
    {
        Assert.Equal(users, events.Select(e => LogEventText.Scalar(e, "User")));
        Assert.All(events, e =>
        {
            Assert.Equal("127.0.0.1", LogEventText.Scalar(e, "ClientAddress"));
            Assert.StartsWith("Audit:", e.MessageTemplate.Text);
        });
    }

    /// <summary>The cookie value, the raw session id inside it, and the full store key (only its short handle may be logged).</summary>
    private static IEnumerable<string> SessionSecrets(GatewayHost gateway, GatewayClient client)
    {
        var cookie = client.SessionCookie()?.Value ?? throw new InvalidOperationException("signed in, so there is a cookie");
        var cookieOptions = gateway.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>()
            .Get(CookieAuthenticationDefaults.AuthenticationScheme);
        var ticket = cookieOptions.TicketDataFormat.Unprotect(cookie) ?? throw new InvalidOperationException("the cookie is ours");
        var sessionId = ticket.Principal.FindFirst("Microsoft.AspNetCore.Authentication.Cookies-SessionId")!.Value;
        Assert.Equal(43, sessionId.Length);
        return [cookie, sessionId, Gateway.Sessions.SessionKey.FromSessionId(sessionId).Value];
    }

    private static void AssertNoSecretLogged(CapturingLogSink log, IReadOnlyList<string> secrets)
    {
        Assert.NotEmpty(log.Events);
        foreach (var logEvent in log.Events)
        {
            foreach (var text in LogEventText.TextsOf(logEvent))
            {
                foreach (var secret in secrets)
                {
                    Assert.False(text.Contains(secret, StringComparison.Ordinal),
                        $"a secret appears in the log: event '{logEvent.MessageTemplate.Text}' carries '{text}'");
                }
                // Anything shaped like a session id or store key (43+ base64url characters) has no business in a log.
                Assert.False(LongToken().IsMatch(text), $"a token-like value appears in event '{logEvent.MessageTemplate.Text}': '{text}'");
            }
        }
    }

    [GeneratedRegex("(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43,}(?![A-Za-z0-9_-])")]
    private static partial Regex LongToken();
}
