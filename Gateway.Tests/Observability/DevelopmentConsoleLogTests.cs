using System.Net;
using System.Text.RegularExpressions;
using Gateway.Observability;
using Gateway.Tests.TestInfrastructure;
using Serilog.Events;
using Serilog.Parsing;

namespace Gateway.Tests.Observability;

/// <summary>
/// The Development console is plain text, one event a line: nothing a client sends (a username with CR/LF, a line or
/// paragraph separator, an escape sequence) may start a line that reads as another event.
/// </summary>
public sealed partial class DevelopmentConsoleLogTests : IDisposable
{
    private readonly string _contentRoot = Directory.CreateTempSubdirectory("ssogw-devlog-").FullName;

    public static TheoryData<string> Separators => new() { "\r\n", "\n", "\r", "\u2028", "\u2029", "\u0085", "\u001b[2K\r" };

    [Theory]
    [MemberData(nameof(Separators))]
    public void ControlCharacters_InAnyLoggedValue_AreEscaped(string separator)
    {
        var template = new MessageTemplateParser().Parse("Audit: sign-in failed for {User} from {ClientAddress}");
        var forged = $"mallory{separator}[12:00:00 INF] Audit: sign-in succeeded for admin";
        var logEvent = new LogEvent(DateTimeOffset.Now, LogEventLevel.Warning, null, template,
        [
            new LogEventProperty("User", new ScalarValue(forged)),
            new LogEventProperty("ClientAddress", new SequenceValue([new ScalarValue(forged)])),
        ]);

        new ControlCharacterEscaping().Enrich(logEvent, null!);

        var rendered = logEvent.RenderMessage();
        Assert.DoesNotContain(separator, rendered);
        Assert.Contains("mallory\\u", rendered);
    }

    [Fact]
    public async Task UsernameWithLineBreaks_StaysOnItsOwnLine_InTheRealDevelopmentConsole()
    {
        await using var gateway = GatewayProcess.Start(_contentRoot, new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["Sso__Redis"] = "",
            ["Sso__CookieSecure"] = "false",
            ["Sso__UsersFile"] = Path.Combine(RepositoryRoot.Path, "config", "users.json"),
            ["ReverseProxy__Routes__all__ClusterId"] = "nowhere",
            ["ReverseProxy__Routes__all__Match__Path"] = "{**catch-all}",
            ["ReverseProxy__Clusters__nowhere__Destinations__closed__Address"] = $"http://127.0.0.1:{FreePort.Closed}/",
        });
        var port = await gateway.WaitUntilListeningAsync(TimeSpan.FromSeconds(30));
        using var http = new HttpClient(new SocketsHttpHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"),
        };
        var token = GatewayClient.FormToken(await http.GetStringAsync("/_sso/login"));

        using var signIn = await http.PostAsync("/_sso/login", new FormUrlEncodedContent(GatewayClient.SignInForm(
            token, "mallory\r\n[12:00:00 INF] Audit: sign-in succeeded for alice from 10.0.0.1\u2028x", "wrong")));
        Assert.Equal(HttpStatusCode.Unauthorized, signIn.StatusCode);

        await Poll.UntilAsync(() => gateway.Output.Contains("Audit: sign-in failed for mallory"), TimeSpan.FromSeconds(10),
            "the failed sign-in is logged");
        var lines = gateway.Output.Split('\n');
        Assert.DoesNotContain(lines, line => line.StartsWith("[12:00:00 INF]", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains(
            "Audit: sign-in failed for mallory\\u000d\\u000a[12:00:00 INF] Audit: sign-in succeeded for alice from 10.0.0.1\\u2028x from"));
        Assert.DoesNotContain('\u2028', gateway.Output);
    }

    public void Dispose() => Directory.Delete(_contentRoot, recursive: true);
}
