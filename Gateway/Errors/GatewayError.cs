using System.Text.Json.Serialization;

namespace Gateway.Errors;

/// <summary>
/// The one error body the gateway answers with itself (SPEC: <c>{"error": code, "message": text}</c>, and for a 401
/// the sign-in URL as <c>login</c>).
/// </summary>
internal sealed record GatewayError(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("login")] string? Login = null);

[JsonSerializable(typeof(GatewayError))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class GatewayJsonContext : JsonSerializerContext;
