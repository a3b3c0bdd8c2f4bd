using Microsoft.Net.Http.Headers;

namespace Gateway.Tests.TestInfrastructure;

/// <summary>Reads the raw <c>Set-Cookie</c> headers of a response, as a browser would see them.</summary>
public static class SetCookies
{
    /// <summary>Every raw <c>Set-Cookie</c> line of <paramref name="response"/>.</summary>
    public static IReadOnlyList<string> All(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values) ? values.ToList() : [];

    /// <summary>The raw <c>Set-Cookie</c> line for the cookie <paramref name="name"/>, or null.</summary>
    public static string? Raw(HttpResponseMessage response, string name = "sso_session") =>
        All(response).SingleOrDefault(line => line.StartsWith(name + "=", StringComparison.Ordinal));

    /// <summary>The parsed <c>Set-Cookie</c> for <paramref name="name"/>, or null.</summary>
    public static SetCookieHeaderValue? Find(HttpResponseMessage response, string name = "sso_session") =>
        Raw(response, name) is { } raw && SetCookieHeaderValue.TryParse(raw, out var parsed) ? parsed : null;

    /// <summary>The attribute names of a raw <c>Set-Cookie</c> line, lower case (<c>httponly</c>, <c>secure</c>, <c>domain</c>…).</summary>
    public static IReadOnlySet<string> AttributeNames(string raw) =>
        raw.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Skip(1)
            .Select(part => part.Split('=', 2)[0].Trim().ToLowerInvariant())
            .ToHashSet();
}
