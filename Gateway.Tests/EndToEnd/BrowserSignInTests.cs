using Gateway.Tests.TestInfrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// A person in a real browser (Debian's Chromium): sign in once on app1, be signed in on app2, sign out everywhere.
/// The gateway runs on Kestrel with the test settings (cookie Domain=.sso.localhost, not Secure: plain http).
/// Run once per session store.
/// </summary>
public abstract class BrowserSignInTests : GatewayTestBase
{
    [Fact]
    public async Task SignInOnApp1_InChromium_IsSignedInOnApp2_UntilSignedOut()
    {
        await using var chromium = await ChromiumBrowser.LaunchAsync();
        var page = await chromium.NewPageAsync();

        // A protected page sends the browser to the sign-in form on the same host.
        await page.GotoAsync(Gateway.Url(GatewayHost.App1, "/somepage"));
        AssertOnSignInPage(page, GatewayHost.App1);
        var username = page.GetByLabel("Username", new() { Exact = true });
        var password = page.GetByLabel("Password", new() { Exact = true });
        await Expect(username).ToHaveAttributeAsync("type", "text");
        await Expect(username).ToBeFocusedAsync();
        await Expect(password).ToHaveAttributeAsync("type", "password");

        await username.FillAsync(TestUsers.Alice.Username);
        await password.FillAsync(TestUsers.AlicePassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();

        // Back where the person wanted to go, and the app1 backend knows who it is.
        await Expect(page).ToHaveURLAsync(Gateway.Url(GatewayHost.App1, "/somepage"));
        await ExpectEchoPageAsync(page, "app1", "alice");

        // app2 never saw a sign-in: the domain-wide cookie is enough.
        var app2 = await page.GotoAsync(Gateway.Url(GatewayHost.App2, "/"));
        Assert.Equal(Gateway.Url(GatewayHost.App2, "/"), page.Url);
        Assert.Equal(200, app2!.Status);
        await ExpectEchoPageAsync(page, "app2", "alice");

        // Sign out on app1 through the page a person would use: the link on the backend page, then the button.
        await page.GotoAsync(Gateway.Url(GatewayHost.App1, "/somepage"));
        await page.GetByRole(AriaRole.Link, new() { Name = "Sign out", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(Gateway.Url(GatewayHost.App1, "/_sso/logout"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out", Exact = true }).ClickAsync();
        await Expect(page.GetByLabel("Username", new() { Exact = true })).ToBeVisibleAsync();
        AssertOnSignInPage(page, GatewayHost.App1);

        // The session is gone for every host, not just the one that signed out.
        await page.GotoAsync(Gateway.Url(GatewayHost.App2, "/"));
        AssertOnSignInPage(page, GatewayHost.App2);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true })).ToBeVisibleAsync();
    }

    private static void AssertOnSignInPage(IPage page, string host)
    {
        var url = new Uri(page.Url);
        Assert.True(url.Host == host && url.AbsolutePath == "/_sso/login", $"expected the sign-in page on {host}, the browser is at {page.Url}");
    }

    private static async Task ExpectEchoPageAsync(IPage page, string backend, string user)
    {
        await Expect(page.Locator("h1")).ToHaveTextAsync($"Demo backend {backend}");
        await Expect(page.Locator("#user")).ToHaveTextAsync($"Signed in as {user}");
        await Expect(page.Locator("td[data-header='x-forwarded-user']")).ToHaveTextAsync(user);
    }
}

public sealed class BrowserSignInTests_InMemory : BrowserSignInTests
{
    protected override Dictionary<string, string?> StoreSettings() => [];

    [Fact]
    public async Task SignInPage_OnPhoneWidth_FitsTheScreenWithTappableFields()
    {
        await using var chromium = await ChromiumBrowser.LaunchAsync();
        var page = await chromium.NewPageAsync(width: 390, height: 844);

        await page.GotoAsync(Gateway.Url(GatewayHost.App1, "/_sso/login"));

        // No sideways scrolling, and every control lies inside the screen and is big enough to tap.
        var scrollWidth = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(scrollWidth <= 390, $"the page is {scrollWidth}px wide on a 390px screen");
        foreach (var control in new[]
        {
            page.GetByLabel("Username", new() { Exact = true }),
            page.GetByLabel("Password", new() { Exact = true }),
            page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }),
        })
        {
            var box = await control.BoundingBoxAsync() ?? throw new Xunit.Sdk.XunitException($"{control} is not rendered");
            Assert.True(box.X >= 0 && box.X + box.Width <= 390, $"{control} sticks out of the screen: x={box.X}, width={box.Width}");
            Assert.True(box.Height >= 32, $"{control} is only {box.Height}px tall");
        }
    }
}

[Collection(RedisCollection.Name)]
public sealed class BrowserSignInTests_Redis(RedisServerFixture redis) : BrowserSignInTests
{
    protected override Dictionary<string, string?> StoreSettings() => GatewayHost.RedisSettings(redis);
}
