using System.Text.Json.Serialization;

namespace Gateway.Sessions;

/// <summary>
/// What the store keeps per session (SPEC §6). Short JSON names and times in Unix milliseconds keep a Redis record
/// small (times are kept to the millisecond).
/// </summary>
internal sealed record SessionRecord
{
    // Times are kept as UTC ticks (8 bytes; a DateTimeOffset takes 16, a nullable one 24): 100 000 cached records are
    // 5 MB smaller. Every time here is an instant, so its offset never mattered; they read back in UTC.
    private const long NoTime = long.MinValue;
    private readonly long _createdAt;
    private readonly long _lastSeenAt;
    private readonly long _absoluteExpiresAt;
    private readonly long _expiresAt;
    private readonly long _checkedAt = NoTime;
    private readonly long _indexedUntil = NoTime;

    private static DateTimeOffset AtUtc(long ticks) => new(ticks, TimeSpan.Zero);

    [JsonPropertyName("u")] public required string User { get; init; }
    [JsonPropertyName("e")] public string Email { get; init; } = "";
    [JsonPropertyName("n")] public string Name { get; init; } = "";
    [JsonPropertyName("g")] public string[] Groups { get; init; } = [];
    [JsonPropertyName("c"), JsonConverter(typeof(UnixMillisecondsConverter))] public required DateTimeOffset CreatedAt { get => AtUtc(_createdAt); init => _createdAt = value.UtcTicks; }
    [JsonPropertyName("l"), JsonConverter(typeof(UnixMillisecondsConverter))] public required DateTimeOffset LastSeenAt { get => AtUtc(_lastSeenAt); init => _lastSeenAt = value.UtcTicks; }
    [JsonPropertyName("a"), JsonConverter(typeof(UnixMillisecondsConverter))] public required DateTimeOffset AbsoluteExpiresAt { get => AtUtc(_absoluteExpiresAt); init => _absoluteExpiresAt = value.UtcTicks; }

    /// <summary>When the session ends if unused: idle expiry, never past the absolute expiry.</summary>
    [JsonPropertyName("x"), JsonConverter(typeof(UnixMillisecondsConverter))] public required DateTimeOffset ExpiresAt { get => AtUtc(_expiresAt); init => _expiresAt = value.UtcTicks; }

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
    [JsonPropertyName("k"), JsonConverter(typeof(NullableUnixMillisecondsConverter))] public DateTimeOffset? CheckedAt { get => _checkedAt == NoTime ? null : AtUtc(_checkedAt); init => _checkedAt = value?.UtcTicks ?? NoTime; }

    /// <summary>
    /// Kept by the store for itself (Redis): until when its indexes of this session (handle, user, provider) last. A
    /// sliding refresh rewrites only the record while the session ends before this, so most slides are one command;
    /// once it would end later, the indexes are extended (see <c>RedisSessionStore</c>). Null until a store sets it.
    /// </summary>
    [JsonPropertyName("i"), JsonConverter(typeof(NullableUnixMillisecondsConverter))] public DateTimeOffset? IndexedUntil { get => _indexedUntil == NoTime ? null : AtUtc(_indexedUntil); init => _indexedUntil = value?.UtcTicks ?? NoTime; }

    /// <summary>When the session ends if unused: <see cref="ExpiresAt"/>, but never past <see cref="AbsoluteExpiresAt"/>.</summary>
    [JsonIgnore] public DateTimeOffset EndsAt => ExpiresAt < AbsoluteExpiresAt ? ExpiresAt : AbsoluteExpiresAt;

    public bool IsExpiredAt(DateTimeOffset now) => now >= EndsAt;

    /// <summary>True when both say the same of who the user is (what backends and policies see): only times differ, if anything.</summary>
    public bool SameIdentityAs(SessionRecord other) =>
        User == other.User && Email == other.Email && Name == other.Name && Groups.AsSpan().SequenceEqual(other.Groups)
        && AccountStamp == other.AccountStamp && Directory == other.Directory && Provider == other.Provider;

    /// <summary>
    /// True when both hold the same values in every property (a session read again that did not change since): record
    /// equality but for <see cref="Groups"/>, an array, compared element by element. Written with <c>with</c> so that a
    /// property added later is compared without anyone remembering to.
    /// </summary>
    public bool HasSameValuesAs(SessionRecord other) =>
        Groups.AsSpan().SequenceEqual(other.Groups) && (ReferenceEquals(Groups, other.Groups) ? this : this with { Groups = other.Groups }).Equals(other);

    /// <summary>128 bits of SHA-256 of a provider's <c>sid</c>, base64url: 22 characters whatever the provider's length.</summary>
    public static string HashProviderSessionId(string sid) =>
        System.Buffers.Text.Base64Url.EncodeToString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(sid)).AsSpan(0, 16));
}

[JsonSerializable(typeof(SessionRecord))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class SessionJsonContext : JsonSerializerContext;
