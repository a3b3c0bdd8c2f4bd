namespace Gateway.Paths;

internal static class PathsExtensions
{
    /// <summary>Before routing: every later step sees the canonical path or the request is refused.</summary>
    public static IApplicationBuilder UsePaths(this IApplicationBuilder app) => app.UseMiddleware<CanonicalPathMiddleware>();
}
