using Gateway.MySessions;

namespace Gateway.Tests.MySessions;

public sealed class UserAgentSummaryTests
{
    [Theory]
    [InlineData("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Windows", "Chrome 131")]
    [InlineData("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86", "Windows", "Edge 131")]
    [InlineData("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", "Windows", "Firefox 133")]
    [InlineData("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 OPR/115.0.0.0", "Windows", "Opera 115")]
    [InlineData("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15", "Mac", "Safari 18")]
    [InlineData("Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0", "Mac", "Firefox 133")]
    [InlineData("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", "iPhone", "Safari 18")]
    [InlineData("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1", "iPhone", "Chrome 131")]
    [InlineData("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15", "iPhone", "Firefox 133")]
    [InlineData("Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.7 Mobile/15E148 Safari/604.1", "iPad", "Safari 17")]
    [InlineData("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", "Android phone", "Chrome 131")]
    [InlineData("Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Android tablet", "Chrome 131")]
    [InlineData("Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36", "Android phone", "Samsung Internet 26")]
    [InlineData("Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0", "Android phone", "Firefox 133")]
    [InlineData("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Linux", "Chrome 131")]
    [InlineData("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36", "Linux", "Headless Chrome 156")]
    [InlineData("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "ChromeOS", "Chrome 131")]
    [InlineData("curl/7.88.1", "Unknown", "curl 7")]
    [InlineData("Wget/1.21.3", "Unknown", "Wget 1")]
    [InlineData("Laptop/1.0", "Unknown", "Unknown")]
    [InlineData("", "Unknown", "Unknown")]
    [InlineData(null, "Unknown", "Unknown")]
    [InlineData("<script>alert(1)</script>/1 Chrome/<b>", "Unknown", "Chrome")]
    [InlineData("Chrome/99999999999999999999", "Unknown", "Unknown")]
    public void Summary_NamesCommonDevicesAndBrowsers_AndNothingElse(string? userAgent, string device, string browser)
    {
        var summary = UserAgentSummary.Of(userAgent);

        Assert.Equal(device, summary.Device);
        Assert.Equal(browser, summary.Browser);
    }

    [Theory]
    [InlineData("Windows", "Chrome 131", "Chrome 131 on Windows")]
    [InlineData("Unknown", "curl 7", "curl 7")]
    [InlineData("iPhone", "Unknown", "Unknown browser on iPhone")]
    [InlineData("Unknown", "Unknown", "Unknown browser")]
    public void Text_ReadsAsASentence(string device, string browser, string text) =>
        Assert.Equal(text, new UserAgentSummary(device, browser).Text);
}
