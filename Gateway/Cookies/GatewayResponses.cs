using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Cookies;

/// <summary>The small JSON bodies the gateway answers with itself (401, 403, 503, 500).</summary>
internal static class GatewayResponses
{
    public static Task Json(HttpContext context, int statusCode, GatewayError error)
    {
        context.Response.StatusCode = statusCode;
        context.Response.Headers.CacheControl = "no-store";
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync(JsonSerializer.Serialize(error, GatewayJsonContext.Default.GatewayError));
    }

    public static Task StoreUnavailable(HttpContext context)
    {
        context.Response.Headers.RetryAfter = "5";
        return Json(context, StatusCodes.Status503ServiceUnavailable,
            new GatewayError("unavailable", "The session store is unavailable. Try again shortly."));
    }
}

internal sealed record GatewayError(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("login")] string? Login = null);

[JsonSerializable(typeof(GatewayError))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class GatewayJsonContext : JsonSerializerContext;
