using Microsoft.Playwright;

namespace Gateway.Tests.TestInfrastructure;

/// <summary>
/// Debian's Chromium driven by Playwright for .NET: the one place for the executable path and the flags.
/// Playwright never downloads a browser here (no <c>playwright install</c>); its node driver ships in the build
/// output (<c>.playwright/</c>). Each launch gets a fresh temporary profile from Playwright, removed on close.
/// Dispose closes the browser and ends the driver process, also when a test fails.
/// </summary>
public sealed class ChromiumBrowser : IAsyncDisposable
{
    public const string ExecutablePath = "/usr/bin/chromium";

    /// <summary>How long any single browser step (navigation, click, expectation) may take before the test fails.</summary>
    public static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(10);

    private static readonly string[] Flags =
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-quic",
        "--no-first-run",
        "--disable-sync",
        // Chromium resolves *.localhost to loopback by itself, to ::1 as well as 127.0.0.1, but the test gateway
        // listens on 127.0.0.1 only, so without this rule each connection relies on Chromium falling back from a
        // refused ::1 (it does today; the order is up to the resolver). The rule sends every *.sso.localhost
        // connection straight to 127.0.0.1 while the URL, Host header and cookie domain keep the real names, so
        // the Domain=.sso.localhost cookie is shared between app1 and app2 as in a real deployment.
        "--host-resolver-rules=MAP *.sso.localhost 127.0.0.1",
    ];

    private readonly IPlaywright _playwright;

    private ChromiumBrowser(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    /// <summary>Starts Chromium; fails (never skips) with a clear message when it is not installed.</summary>
    public static async Task<ChromiumBrowser> LaunchAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"Chromium is not installed at {ExecutablePath}: run `bash scripts/test.sh` (it installs Debian's " +
                "chromium package) or `apt-get install -y chromium`.");
        }

        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                Args = Flags,
                Timeout = (float)TimeSpan.FromSeconds(30).TotalMilliseconds,
            });
            return new ChromiumBrowser(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>A new, cookie-less browser window; <paramref name="width"/> 390 is a phone.</summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 800)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        context.SetDefaultTimeout((float)StepTimeout.TotalMilliseconds);
        context.SetDefaultNavigationTimeout((float)StepTimeout.TotalMilliseconds);
        return await context.NewPageAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Browser.CloseAsync();
        }
        finally
        {
            _playwright.Dispose();
        }
    }
}
