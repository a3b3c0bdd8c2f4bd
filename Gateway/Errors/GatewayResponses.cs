using System.Text.Json;

namespace Gateway.Errors;

/// <summary>
/// The gateway's own error answers, every one a <see cref="GatewayError"/> body: written directly by middleware and
/// authentication events (401, 403, 400, 503, 500, with <c>Cache-Control: no-store</c>), or returned as a result by
/// endpoint handlers (the admin API's and my-sessions' 403 and 404, through <see cref="Result"/>).
/// </summary>
internal static class GatewayResponses
{
    public static Task Json(HttpContext context, int statusCode, GatewayError error)
    {
        context.Response.StatusCode = statusCode;
        context.Response.Headers.CacheControl = "no-store";
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync(JsonSerializer.Serialize(error, GatewayJsonContext.Default.GatewayError));
    }

    /// <summary>For endpoint handlers: the same body, as the framework's JSON result.</summary>
    public static IResult Result(int statusCode, GatewayError error) =>
        Results.Json(error, GatewayJsonContext.Default.GatewayError, statusCode: statusCode);

    public static Task StoreUnavailable(HttpContext context)
    {
        context.Response.Headers.RetryAfter = "5";
        return Json(context, StatusCodes.Status503ServiceUnavailable,
            new GatewayError("unavailable", "The session store is unavailable. Try again shortly."));
    }
}
