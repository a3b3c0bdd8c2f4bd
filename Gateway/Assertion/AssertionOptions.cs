namespace Gateway.Assertion;

/// <summary>
/// <c>Sso:Assertion</c>: a signed identity for backends. Off unless <see cref="Header"/> is set; then every request
/// forwarded for a signed-in user carries a short-lived ES256 JWT in that header, verifiable with the keys at
/// <c>{PathPrefix}/jwks.json</c>.
/// </summary>
public sealed class AssertionOptions
{
    public const string SectionName = "Sso:Assertion";

    /// <summary>The request header that carries the token, e.g. <c>X-Sso-Assertion</c>. Default none: off.</summary>
    public string? Header { get; set; }

    /// <summary>The token's <c>iss</c>, e.g. <c>https://sso.example.com</c>. Required when <see cref="Header"/> is set.</summary>
    public string? Issuer { get; set; }

    /// <summary>How long a token is valid (<c>exp - iat</c>): at least one second, at most one minute. Default 60 s.</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long one signing key signs before the next takes over. Each key is published half a period before it signs
    /// and stays published for a period after. At least twice <see cref="Lifetime"/>. Default one day.
    /// </summary>
    public TimeSpan KeyRotation { get; set; } = TimeSpan.FromDays(1);
}
