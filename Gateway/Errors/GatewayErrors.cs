using Gateway.Sessions;
using Microsoft.AspNetCore.Diagnostics;

namespace Gateway.Errors;

/// <summary>The last line of defence: a store fault is a 503, anything else a bare 500; never a stack trace.</summary>
internal static partial class GatewayErrors
{
    public static Task HandleAsync(HttpContext context)
    {
        var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        if (IsStoreFault(error))
        {
            return GatewayResponses.StoreUnavailable(context);
        }
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Gateway.Errors");
        Log.Unhandled(logger, error?.GetType().Name ?? "unknown", error);
        return GatewayResponses.Json(context, StatusCodes.Status500InternalServerError,
            new GatewayError("internal", "The gateway failed to handle this request."));
    }

    /// <summary>A store fault, possibly wrapped (e.g. by Data Protection reading its key ring from Redis).</summary>
    private static bool IsStoreFault(Exception? error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is SessionStoreUnavailableException or StackExchange.Redis.RedisException or StackExchange.Redis.RedisTimeoutException)
            {
                return true;
            }
        }
        return false;
    }

    private static partial class Log
    {
        [LoggerMessage(GatewayEventIds.Errors.Unhandled, LogLevel.Error, "Unhandled {ExceptionType}")]
        public static partial void Unhandled(ILogger logger, string exceptionType, Exception? exception);
    }
}
