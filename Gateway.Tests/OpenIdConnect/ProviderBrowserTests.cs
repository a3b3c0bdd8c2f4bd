using Gateway.Tests.TestInfrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Gateway.Tests.OpenIdConnect;

/// <summary>
/// A person in Debian's Chromium: from a protected page to the gateway's sign-in page, a click on the provider's
/// button, the provider's own login page, and back, signed in on app1 and app2.
/// </summary>
[Collection(OpenIdProviderCollection.Name)]
public sealed class ProviderBrowserTests(OpenIdProviderFixture provider)
{
    [Fact]
    public async Task SignInWithTheProvider_InChromium_ThroughItsOwnLoginPage()
    {
        await using var gateway = await ProviderGateway.StartAsync(provider, new Dictionary<string, string?>
        {
            ["Sso:OpenIdConnect:idp:DisplayName"] = "Test IdP",
        });
        await using var chromium = await ChromiumBrowser.LaunchAsync();
        var page = await chromium.NewPageAsync();
        // Only this machine: the provider's page asks for a web font, which must not leave it.
        await page.Context.RouteAsync("**/*", route =>
        {
            var host = new Uri(route.Request.Url).Host;
            return host == "127.0.0.1" || host.EndsWith(".sso.localhost", StringComparison.Ordinal) ? route.ContinueAsync() : route.AbortAsync();
        });

        await page.GotoAsync(gateway.Host.Url(GatewayHost.App1, "/somepage"));
        await page.GetByRole(AriaRole.Link, new() { Name = "Sign in with Test IdP", Exact = true }).ClickAsync();

        // The provider's own login page (oidc-provider's development page: any password).
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("^" + System.Text.RegularExpressions.Regex.Escape(provider.Issuer) + "/interaction/"));
        await page.Locator("input[name=login]").FillAsync("ada");
        await page.Locator("input[name=password]").FillAsync("any password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign-in" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(gateway.Host.Url(GatewayHost.App1, "/somepage"));
        await Expect(page.Locator("#user")).ToHaveTextAsync("Signed in as ada");
        await Expect(page.Locator("td[data-header='x-forwarded-groups']")).ToHaveTextAsync("staff,admin");

        await page.GotoAsync(gateway.Host.Url(GatewayHost.App2, "/"));
        await Expect(page.Locator("h1")).ToHaveTextAsync("Demo backend app2");
        await Expect(page.Locator("td[data-header='x-forwarded-user']")).ToHaveTextAsync("ada");
    }
}
