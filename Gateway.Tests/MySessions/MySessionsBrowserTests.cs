using Gateway.Tests.TestInfrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Gateway.Tests.MySessions;

/// <summary>"Sign out my lost laptop" from a phone, in Debian's Chromium: the page fits a phone and its button works.</summary>
public sealed class MySessionsBrowserTests : IAsyncLifetime
{
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayHost.StartAsync();

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task OnAPhone_ThePageFitsTheScreen_AndEndsTheLaptopsSession()
    {
        await using var chromium = await ChromiumBrowser.LaunchAsync();
        var laptop = await chromium.NewPageAsync();
        var phone = await chromium.NewPageAsync(width: 390, height: 844);
        await SignInAsync(laptop);
        await SignInAsync(phone);

        await phone.GotoAsync(_gateway.Url(GatewayHost.App1, MySessionsClient.Page));

        await Expect(phone.Locator("h1")).ToHaveTextAsync("Your sessions");
        await Expect(phone.Locator("li.session")).ToHaveCountAsync(2);
        await Expect(phone.Locator("li.current .badge")).ToHaveTextAsync("This session");
        await Expect(phone.Locator("li.current h2")).ToContainTextAsync("Headless Chrome");
        var scrollWidth = await phone.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(scrollWidth <= 390, $"the page is {scrollWidth}px wide on a 390px screen");
        var end = phone.GetByRole(AriaRole.Button, new() { Name = "End session" });
        var controls = new[]
        {
            end,
            phone.GetByRole(AriaRole.Button, new() { Name = "End all other sessions (1)", Exact = true }),
            phone.GetByRole(AriaRole.Button, new() { Name = "Sign out", Exact = true }),
        };
        foreach (var control in controls)
        {
            var box = await control.BoundingBoxAsync() ?? throw new Xunit.Sdk.XunitException($"{control} is not rendered");
            Assert.True(box.X >= 0 && box.X + box.Width <= 390, $"{control} sticks out of the screen: x={box.X}, width={box.Width}");
            Assert.True(box.Height >= 32, $"{control} is only {box.Height}px tall");
        }

        await end.ClickAsync();

        await Expect(phone).ToHaveURLAsync(_gateway.Url(GatewayHost.App1, MySessionsClient.Page + "?ended=1"));
        await Expect(phone.GetByRole(AriaRole.Status)).ToHaveTextAsync("1 session ended.");
        await Expect(phone.Locator("li.session")).ToHaveCountAsync(1);
        await Expect(phone.Locator("li.session.current")).ToHaveCountAsync(1);

        // The laptop is signed out; the phone is not.
        await laptop.GotoAsync(_gateway.Url(GatewayHost.App1, "/somepage"));
        Assert.Equal("/_sso/login", new Uri(laptop.Url).AbsolutePath);
        await phone.GotoAsync(_gateway.Url(GatewayHost.App1, "/somepage"));
        Assert.Equal("/somepage", new Uri(phone.Url).AbsolutePath);
    }

    private async Task SignInAsync(IPage page)
    {
        await page.GotoAsync(_gateway.Url(GatewayHost.App1, "/_sso/login"));
        await page.GetByLabel("Username", new() { Exact = true }).FillAsync(TestUsers.Alice.Username);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(TestUsers.AlicePassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(_gateway.Url(GatewayHost.App1, "/"));
    }
}
