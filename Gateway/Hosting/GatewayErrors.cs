using Gateway.Cookies;
using Gateway.Sessions;
using Microsoft.AspNetCore.Diagnostics;

namespace Gateway.Hosting;

/// <summary>The last line of defence: a store fault is a 503, anything else a bare 500; never a stack trace.</summary>
internal static partial class GatewayErrors
{
    public static Task HandleAsync(HttpContext context)
    {
        var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        if (error is SessionStoreUnavailableException)
        {
            return GatewayResponses.StoreUnavailable(context);
        }
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Gateway.Errors");
        Log.Unhandled(logger, error?.GetType().Name ?? "unknown", error);
        return GatewayResponses.Json(context, StatusCodes.Status500InternalServerError,
            new GatewayError("internal", "The gateway failed to handle this request."));
    }

    private static partial class Log
    {
        [LoggerMessage(900, LogLevel.Error, "Unhandled {ExceptionType}")]
        public static partial void Unhandled(ILogger logger, string exceptionType, Exception? exception);
    }
}
