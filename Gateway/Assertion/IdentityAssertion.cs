using System.Buffers.Text;
using System.Security.Claims;
using System.Security.Cryptography;
using Gateway.Collections;
using Gateway.Identity;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Assertion;

/// <summary>
/// The signed identity a forwarded request carries in <c>Sso:Assertion:Header</c>: an ES256 JWT with <c>sub</c>,
/// <c>email</c>, <c>name</c>, <c>groups</c>, <c>iss</c>, <c>aud</c> (the request's host, so a token for
/// <c>mail.</c> is refused at <c>shop.</c>), <c>iat</c>, <c>exp</c> and <c>jti</c>, made by Microsoft.IdentityModel.
/// A token is reused for the same session (its handle) and host while more than half its lifetime is left and the
/// identity it states is still the session's, so a busy session costs one signature per host and half-lifetime, not
/// one per request.
/// </summary>
internal sealed class IdentityAssertion
{
    // Past this many tokens held, those no longer reusable are dropped (and all, if that is not enough).
    private const int MaxHeld = 100_000;

    private readonly AssertionKeyRing _keys;
    private readonly TimeProvider _time;
    private readonly string? _issuer;
    private readonly TimeSpan _lifetime;
    private readonly TimeSpan _reuseFor;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    private readonly CountedDictionary<(string Session, string Audience), IssuedAssertion> _issued = new();

    public IdentityAssertion(AssertionKeyRing keys, IOptions<AssertionOptions> options, TimeProvider time)
    {
        _keys = keys;
        _time = time;
        HeaderName = options.Value.Header;
        _issuer = options.Value.Issuer;
        // JWT times are whole seconds.
        _lifetime = TimeSpan.FromSeconds(Math.Max(1, Math.Floor(options.Value.Lifetime.TotalSeconds)));
        _reuseFor = _lifetime / 2;
    }

    /// <summary>The header to send, or null when the assertion is off.</summary>
    public string? HeaderName { get; }

    /// <summary>A token for <paramref name="user"/> at <paramref name="audience"/>: the one made earlier while fresh, else a new one.</summary>
    public ValueTask<string> TokenForAsync(ClaimsPrincipal user, string audience, CancellationToken cancellationToken)
    {
        var session = user.FindFirst(GatewayClaimTypes.SessionHandle)?.Value ?? "";
        if (_issued.TryGetValue((session, audience), out var token) && _time.GetUtcNow() < token.ReuseUntil
            && (ReferenceEquals(token.For, user) || SameIdentity(token.For, user)))
        {
            return ValueTask.FromResult(token.Value);
        }
        return new ValueTask<string>(IssueAsync(user, session, audience, cancellationToken));
    }

    /// <summary>True when both principals state the same name, email, display name and groups (a directory edit changes them).</summary>
    private static bool SameIdentity(ClaimsPrincipal a, ClaimsPrincipal b) =>
        a.Identity?.Name == b.Identity?.Name
        && a.FindFirst(GatewayClaimTypes.Email)?.Value == b.FindFirst(GatewayClaimTypes.Email)?.Value
        && a.FindFirst(GatewayClaimTypes.DisplayName)?.Value == b.FindFirst(GatewayClaimTypes.DisplayName)?.Value
        && a.FindAll(GatewayClaimTypes.Group).Select(g => g.Value).SequenceEqual(b.FindAll(GatewayClaimTypes.Group).Select(g => g.Value));

    private async Task<string> IssueAsync(ClaimsPrincipal user, string session, string audience, CancellationToken cancellationToken)
    {
        var key = await _keys.CurrentAsync(cancellationToken);
        var now = _time.GetUtcNow();
        var issuedAt = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _issuer,
            Audience = audience,
            IssuedAt = issuedAt.UtcDateTime,
            Expires = (issuedAt + _lifetime).UtcDateTime,
            SigningCredentials = key.Credentials,
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = user.Identity?.Name ?? "",
                [JwtRegisteredClaimNames.Email] = user.FindFirst(GatewayClaimTypes.Email)?.Value ?? "",
                [JwtRegisteredClaimNames.Name] = user.FindFirst(GatewayClaimTypes.DisplayName)?.Value ?? "",
                ["groups"] = user.FindAll(GatewayClaimTypes.Group).Select(g => g.Value).ToArray(),
                [JwtRegisteredClaimNames.Jti] = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16)),
            },
        });
        if (session.Length == 0)
        {
            return token;
        }
        if (_issued.Count >= MaxHeld)
        {
            Prune(now);
        }
        _issued.Set((session, audience), new IssuedAssertion(token, issuedAt + _reuseFor, user));
        return token;
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var held in _issued)
        {
            if (held.Value.ReuseUntil <= now)
            {
                _issued.TryRemove(held);
            }
        }
        if (_issued.Count >= MaxHeld)
        {
            foreach (var held in _issued)
            {
                _issued.TryRemove(held);
            }
        }
    }

    /// <summary>Tokens held for reuse (for tests: bounded by <see cref="MaxHeld"/>).</summary>
    internal int Held => _issued.Count;

    private sealed record IssuedAssertion(string Value, DateTimeOffset ReuseUntil, ClaimsPrincipal For);
}
