using System.Diagnostics;
using Gateway.Metrics;
using Serilog.Events;
using Yarp.ReverseProxy.Model;

namespace Gateway.Observability;

/// <summary>
/// One line per request (SPEC §11): method, host, path (without the query), status, elapsed ms, user or <c>-</c>, and
/// route id; successful health probes are left out (<see cref="HealthProbeEndpoint"/>). Outermost in the pipeline, so
/// the line records the status the client got; a request that fails with an
/// exception is logged as the 500 it becomes, at Error level like any 5xx. The event is built directly (template
/// parsed once, no ambient diagnostic context) and written by <see cref="RequestLogLine"/>: it is written for every
/// request, so it is kept cheap.
/// </summary>
internal sealed class RequestLogMiddleware(RequestDelegate next, Serilog.ILogger logger, GatewayMetrics metrics)
{
    private readonly Serilog.ILogger _logger = logger.ForContext<RequestLogMiddleware>();

    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        metrics.RequestStarted();
        try
        {
            await next(context);
        }
        catch (Exception ex)
        {
            Write(context, started, StatusCodes.Status500InternalServerError, ex);
            throw;
        }
        Write(context, started, context.Response.StatusCode, null);
    }

    private void Write(HttpContext context, long started, int status, Exception? exception)
    {
        metrics.RequestCompleted(context, status);
        var level = exception is not null || status >= 500 ? LogEventLevel.Error : LogEventLevel.Information;
        if (!_logger.IsEnabled(level) || (status < 400 && context.GetEndpoint()?.Metadata.GetMetadata<HealthProbeEndpoint>() is not null))
        {
            return;
        }
        var request = context.Request;
        var user = context.User.Identity is { IsAuthenticated: true, Name: { } name } ? name : null;
        var route = context.Features.Get<IReverseProxyFeature>()?.Route.Config.RouteId ?? context.GetEndpoint()?.DisplayName ?? "-";
        _logger.Write(RequestLogLine.Create(level, exception, request.Method, request.Host.Value ?? "", request.Path.Value ?? "/", status,
            Stopwatch.GetElapsedTime(started).TotalMilliseconds, user, route));
    }
}
