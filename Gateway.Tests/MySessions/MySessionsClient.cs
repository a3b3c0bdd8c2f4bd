using System.Net.Http.Headers;
using System.Text.Json;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.MySessions;

/// <summary>What a person's browser (or script) does with "my sessions": list, read the form token, post the forms.</summary>
internal static class MySessionsClient
{
    public const string Page = "/_sso/sessions";
    public const string End = "/_sso/sessions/end";
    public const string EndOthers = "/_sso/sessions/end-others";

    public static readonly string WindowsChrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    public static readonly string IPhoneSafari = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";

    public static async Task<GatewayClient> SignedInAsync(GatewayHost gateway, TestUsers.User user, string? userAgent = null, string host = GatewayHost.App1)
    {
        var client = gateway.CreateClient();
        if (userAgent is not null)
        {
            client.Http.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", userAgent);
        }
        using var signIn = await client.SignInAsync(host, user);
        Assert.Equal(System.Net.HttpStatusCode.Found, signIn.StatusCode);
        return client;
    }

    /// <summary>The JSON listing (fails the test unless 200).</summary>
    public static async Task<JsonElement> ListAsync(GatewayClient client, string host = GatewayHost.App1)
    {
        using var response = await client.GetAsync(host, Page);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.OK, $"listing: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public static IReadOnlyList<JsonElement> SessionsOf(JsonElement listing) => listing.GetProperty("sessions").EnumerateArray().ToList();

    public static string CurrentHandle(JsonElement listing) =>
        SessionsOf(listing).Single(s => s.GetProperty("current").GetBoolean()).GetProperty("handle").GetString()!;

    /// <summary>Loads the HTML page (which sets the antiforgery cookie) and returns its form token.</summary>
    public static async Task<string> FormTokenAsync(GatewayClient client, string host = GatewayHost.App1)
    {
        using var response = await client.GetAsync(host, Page, asBrowser: true);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.OK, $"page: {(int)response.StatusCode} {html}");
        return GatewayClient.FormToken(html);
    }

    public static Task<HttpResponseMessage> PostAsync(GatewayHost gateway, GatewayClient client, string path, IDictionary<string, string> form,
        bool json = false, string host = GatewayHost.App1, (string Name, string Value)? header = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, gateway.Url(host, path)) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(json ? "application/json" : "text/html"));
        if (header is { } h)
        {
            request.Headers.TryAddWithoutValidation(h.Name, h.Value);
        }
        return client.Http.SendAsync(request);
    }

    /// <summary>Ends one session through the form, as the page would.</summary>
    public static async Task<HttpResponseMessage> EndAsync(GatewayHost gateway, GatewayClient client, string handle, bool json = false, string host = GatewayHost.App1) =>
        await PostAsync(gateway, client, End, new Dictionary<string, string>
        {
            ["__antiforgery"] = await FormTokenAsync(client, host),
            ["handle"] = handle,
        }, json, host);

    /// <summary>True while the client's cookie still gets it through to a protected backend.</summary>
    public static async Task<bool> IsSignedInAsync(GatewayClient client, string host = GatewayHost.App1)
    {
        using var response = await client.GetAsync(host, "/api");
        return response.StatusCode == System.Net.HttpStatusCode.OK;
    }
}
