using System.Text.RegularExpressions;

namespace Gateway.MySessions;

/// <summary>
/// A readable device and browser from a User-Agent ("Chrome 131", "Windows"), for people looking at their own
/// sessions. Only the common browsers and systems are named; anything else is "Unknown", never guessed. The order of
/// the checks matters: Edge, Opera and Samsung Internet also say "Chrome", Chrome also says "Safari", and Android
/// also says "Linux".
/// </summary>
internal sealed partial record UserAgentSummary(string Device, string Browser)
{
    public const string Unknown = "Unknown";

    public static UserAgentSummary Of(string? userAgent)
    {
        if (string.IsNullOrWhiteSpace(userAgent))
        {
            return new UserAgentSummary(Unknown, Unknown);
        }
        return new UserAgentSummary(DeviceOf(userAgent), BrowserOf(userAgent));
    }

    /// <summary>"Chrome 131 on Windows", "Safari on iPhone", "curl", "Unknown browser".</summary>
    public string Text => (Browser, Device) switch
    {
        (Unknown, Unknown) => "Unknown browser",
        (Unknown, var device) => "Unknown browser on " + device,
        (var browser, Unknown) => browser,
        var (browser, device) => browser + " on " + device,
    };

    private static string DeviceOf(string ua) =>
        Has(ua, "iPhone") ? "iPhone"
        : Has(ua, "iPad") ? "iPad"
        : Has(ua, "Android") ? (Has(ua, "Mobile") ? "Android phone" : "Android tablet")
        : Has(ua, "Windows Phone") ? "Windows Phone"
        : Has(ua, "Windows") ? "Windows"
        : Has(ua, "CrOS") ? "ChromeOS"
        // iPads since iPadOS 13 say Macintosh too: there is no telling them apart from the header.
        : Has(ua, "Macintosh") || Has(ua, "Mac OS X") ? "Mac"
        : Has(ua, "Linux") || Has(ua, "X11") ? "Linux"
        : Unknown;

    private static string BrowserOf(string ua) =>
        Version(ua, "Edg", "EdgA", "EdgiOS") is { } edge ? Named("Edge", edge)
        : Version(ua, "OPR", "OPT") is { } opera ? Named("Opera", opera)
        : Version(ua, "SamsungBrowser") is { } samsung ? Named("Samsung Internet", samsung)
        : Version(ua, "Firefox", "FxiOS") is { } firefox ? Named("Firefox", firefox)
        : Version(ua, "HeadlessChrome") is { } headless ? Named("Headless Chrome", headless)
        : Version(ua, "CriOS", "Chrome", "Chromium") is { } chrome ? Named("Chrome", chrome)
        : Has(ua, "Safari/") && Version(ua, "Version") is { } safari ? Named("Safari", safari)
        : Version(ua, "curl") is { } curl ? Named("curl", curl)
        : Version(ua, "Wget") is { } wget ? Named("Wget", wget)
        : Unknown;

    private static string Named(string name, string major) => major.Length == 0 ? name : name + " " + major;

    /// <summary>The major version after the first of <paramref name="tokens"/> found as <c>token/1.2.3</c> (empty: no number), or null.</summary>
    private static string? Version(string ua, params string[] tokens)
    {
        foreach (var token in tokens)
        {
            foreach (Match match in ProductToken().Matches(ua))
            {
                if (string.Equals(match.Groups["name"].Value, token, StringComparison.OrdinalIgnoreCase))
                {
                    return match.Groups["major"].Value;
                }
            }
        }
        return null;
    }

    private static bool Has(string ua, string word) => ua.Contains(word, StringComparison.OrdinalIgnoreCase);

    // "Name/1.2.3": the name as the product token says it, the major version at most 5 digits (a number, nothing else
    // from the header reaches the page).
    [GeneratedRegex(@"(?<![A-Za-z])(?<name>[A-Za-z]+)/(?<major>[0-9]{0,5})(?![0-9])", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex ProductToken();
}
