using Gateway.Errors;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Paths;

/// <summary>
/// Runs before routing: replaces the request path with its canonical form (<see cref="CanonicalPath"/>), or answers
/// 400 when the path is ambiguous. Routing, the policy and the forwarded request all use that one path: YARP
/// forwards <see cref="HttpRequest.Path"/>, percent-encoded once.
/// </summary>
internal sealed partial class CanonicalPathMiddleware(RequestDelegate next, ILogger<CanonicalPathMiddleware> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (CanonicalPath.IsAlreadyCanonical(rawTarget))
        {
            return next(context); // the path the server decoded is the raw one: nothing to change
        }
        // "OPTIONS *" and CONNECT's authority form name no path: nothing to route, nothing to canonicalise.
        if (string.IsNullOrEmpty(rawTarget) || rawTarget == "*" || (context.Request.Path.Value is null or "" && !rawTarget.StartsWith('/')))
        {
            return next(context);
        }
        if (!CanonicalPath.TryCanonicalize(rawTarget, out var canonical, out var refusal))
        {
            Log.PathRefused(logger, refusal);
            return GatewayResponses.Json(context, StatusCodes.Status400BadRequest,
                new GatewayError("bad_path", "The request path is ambiguous (encoded separators, path parameters, dot segments above the root, control characters or double encoding)."));
        }
        if (!string.Equals(context.Request.Path.Value, canonical, StringComparison.Ordinal))
        {
            context.Request.Path = new PathString(canonical);
        }
        return next(context);
    }

    private static partial class Log
    {
        [LoggerMessage(GatewayEventIds.Paths.PathRefused, LogLevel.Information, "Request path refused: {Refusal}")]
        public static partial void PathRefused(ILogger logger, CanonicalPath.Refusal refusal);
    }
}
