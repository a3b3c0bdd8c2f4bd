using System.Text.Json.Serialization;

namespace Gateway.MySessions;

/// <summary>One of the signed-in user's sessions as they see it: a handle (never the id or the store key).</summary>
internal sealed record OwnSessionView(
    [property: JsonPropertyName("handle")] string Handle,
    [property: JsonPropertyName("current")] bool Current,
    [property: JsonPropertyName("device")] string Device,
    [property: JsonPropertyName("browser")] string Browser,
    [property: JsonPropertyName("userAgent")] string? UserAgent,
    [property: JsonPropertyName("clientAddress")] string? ClientAddress,
    [property: JsonPropertyName("createdAt")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("lastSeenAt")] DateTimeOffset LastSeenAt,
    [property: JsonPropertyName("expiresAt")] DateTimeOffset ExpiresAt);

internal sealed record OwnSessionsView(
    [property: JsonPropertyName("user")] string User,
    [property: JsonPropertyName("sessions")] IReadOnlyList<OwnSessionView> Sessions);

internal sealed record EndedSessionsView(
    [property: JsonPropertyName("ended")] IReadOnlyList<string> Ended,
    [property: JsonPropertyName("signedOut")] bool SignedOut);

[JsonSerializable(typeof(OwnSessionsView))]
[JsonSerializable(typeof(EndedSessionsView))]
internal sealed partial class MySessionsJsonContext : JsonSerializerContext;
