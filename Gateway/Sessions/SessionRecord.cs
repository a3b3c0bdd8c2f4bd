using System.Text.Json.Serialization;

namespace Gateway.Sessions;

/// <summary>
/// What the store keeps per session (SPEC §6). Short JSON names and times in Unix milliseconds keep a Redis record
/// small (times are kept to the millisecond).
/// </summary>
internal sealed record SessionRecord
{
    [JsonPropertyName("u")] public required string User { get; init; }
    [JsonPropertyName("e")] public string Email { get; init; } = "";
    [JsonPropertyName("n")] public string Name { get; init; } = "";
    [JsonPropertyName("g")] public string[] Groups { get; init; } = [];
    [JsonPropertyName("c"), JsonConverter(typeof(UnixMillisecondsConverter))] public required DateTimeOffset CreatedAt { get; init; }
    [JsonPropertyName("l"), JsonConverter(typeof(UnixMillisecondsConverter))] public required DateTimeOffset LastSeenAt { get; init; }
    [JsonPropertyName("a"), JsonConverter(typeof(UnixMillisecondsConverter))] public required DateTimeOffset AbsoluteExpiresAt { get; init; }

    /// <summary>When the session ends if unused: idle expiry, never past the absolute expiry.</summary>
    [JsonPropertyName("x"), JsonConverter(typeof(UnixMillisecondsConverter))] public required DateTimeOffset ExpiresAt { get; init; }

    [JsonPropertyName("ip")] public string? ClientAddress { get; init; }
    [JsonPropertyName("ua")] public string? UserAgent { get; init; }

    /// <summary>
    /// Where the person signed in: null for the user directory (<c>users.json</c>), else the name of the OpenID
    /// Connect provider (<c>Sso:OpenIdConnect:{name}</c>). A provider's user is not in the directory and is not
    /// checked against it.
    /// </summary>
    [JsonPropertyName("p")] public string? Provider { get; init; }

    /// <summary>
    /// The provider's session id (<c>sid</c> of the ID token) when it sent one, as a hash (<see cref="HashProviderSessionId"/>):
    /// back-channel logout names it, and only equality matters.
    /// </summary>
    [JsonPropertyName("ps")] public string? ProviderSessionId { get; init; }

    /// <summary>The provider's subject (<c>sub</c>): back-channel logout may name only that.</summary>
    [JsonPropertyName("pu")] public string? ProviderSubject { get; init; }

    /// <summary>
    /// For a session from the users file or SQL (or LDAP with a password-changed attribute), the account stamp it was
    /// issued under (<c>Identity.AccountStamp</c>: a hash of the account's name and password hash, never the hash
    /// itself); compared with the directory's on use (users file) or at each re-check. Null for sessions from elsewhere.
    /// </summary>
    [JsonPropertyName("st")] public string? AccountStamp { get; init; }

    /// <summary>
    /// The directory other than the users file the account came from (<c>ldap</c>, <c>sql</c>); such sessions are
    /// re-checked against it every <c>RecheckInterval</c>.
    /// </summary>
    [JsonPropertyName("d")] public string? Directory { get; init; }

    /// <summary>When the account was last found in good standing in <see cref="Directory"/> (sign-in or re-check).</summary>
    [JsonPropertyName("k"), JsonConverter(typeof(NullableUnixMillisecondsConverter))] public DateTimeOffset? CheckedAt { get; init; }

    /// <summary>
    /// Kept by the store for itself (Redis): until when its indexes of this session (handle, user, provider) last. A
    /// sliding refresh rewrites only the record while the session ends before this, so most slides are one command;
    /// once it would end later, the indexes are extended (see <c>RedisSessionStore</c>). Null until a store sets it.
    /// </summary>
    [JsonPropertyName("i"), JsonConverter(typeof(NullableUnixMillisecondsConverter))] public DateTimeOffset? IndexedUntil { get; init; }

    /// <summary>When the session ends if unused: <see cref="ExpiresAt"/>, but never past <see cref="AbsoluteExpiresAt"/>.</summary>
    [JsonIgnore] public DateTimeOffset EndsAt => ExpiresAt < AbsoluteExpiresAt ? ExpiresAt : AbsoluteExpiresAt;

    public bool IsExpiredAt(DateTimeOffset now) => now >= EndsAt;

    /// <summary>True when both say the same of who the user is (what backends and policies see): only times differ, if anything.</summary>
    public bool SameIdentityAs(SessionRecord other) =>
        User == other.User && Email == other.Email && Name == other.Name && Groups.AsSpan().SequenceEqual(other.Groups)
        && AccountStamp == other.AccountStamp && Directory == other.Directory && Provider == other.Provider;

    /// <summary>128 bits of SHA-256 of a provider's <c>sid</c>, base64url: 22 characters whatever the provider's length.</summary>
    public static string HashProviderSessionId(string sid) =>
        System.Buffers.Text.Base64Url.EncodeToString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(sid)).AsSpan(0, 16));
}

[JsonSerializable(typeof(SessionRecord))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class SessionJsonContext : JsonSerializerContext;
