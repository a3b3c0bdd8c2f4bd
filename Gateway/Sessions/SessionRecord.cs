using System.Text.Json.Serialization;

namespace Gateway.Sessions;

/// <summary>What the store keeps per session (SPEC §6). Short JSON names keep a Redis record small.</summary>
internal sealed record SessionRecord
{
    [JsonPropertyName("u")] public required string User { get; init; }
    [JsonPropertyName("e")] public string Email { get; init; } = "";
    [JsonPropertyName("n")] public string Name { get; init; } = "";
    [JsonPropertyName("g")] public string[] Groups { get; init; } = [];
    [JsonPropertyName("c")] public required DateTimeOffset CreatedAt { get; init; }
    [JsonPropertyName("l")] public required DateTimeOffset LastSeenAt { get; init; }
    [JsonPropertyName("a")] public required DateTimeOffset AbsoluteExpiresAt { get; init; }

    /// <summary>When the session ends if unused: idle expiry, never past the absolute expiry.</summary>
    [JsonPropertyName("x")] public required DateTimeOffset ExpiresAt { get; init; }

    [JsonPropertyName("ip")] public string? ClientAddress { get; init; }
    [JsonPropertyName("ua")] public string? UserAgent { get; init; }

    /// <summary>
    /// Where the person signed in: null for the user directory (<c>users.json</c>), else the name of the OpenID
    /// Connect provider (<c>Sso:OpenIdConnect:{name}</c>). A provider's user is not in the directory and is not
    /// checked against it.
    /// </summary>
    [JsonPropertyName("p")] public string? Provider { get; init; }

    /// <summary>The provider's session id (<c>sid</c> of the ID token), when it sent one: back-channel logout names it.</summary>
    [JsonPropertyName("ps")] public string? ProviderSessionId { get; init; }

    /// <summary>The provider's subject (<c>sub</c>): back-channel logout may name only that.</summary>
    [JsonPropertyName("pu")] public string? ProviderSubject { get; init; }

    /// <summary>When the session ends if unused: <see cref="ExpiresAt"/>, but never past <see cref="AbsoluteExpiresAt"/>.</summary>
    [JsonIgnore] public DateTimeOffset EndsAt => ExpiresAt < AbsoluteExpiresAt ? ExpiresAt : AbsoluteExpiresAt;

    public bool IsExpiredAt(DateTimeOffset now) => now >= EndsAt;
}

[JsonSerializable(typeof(SessionRecord))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class SessionJsonContext : JsonSerializerContext;
