namespace Gateway.Errors;

internal static class ErrorsExtensions
{
    /// <summary>The last line of defence for everything after it: see <see cref="GatewayErrors"/>.</summary>
    public static IApplicationBuilder UseErrors(this IApplicationBuilder app) =>
        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = GatewayErrors.HandleAsync });
}
