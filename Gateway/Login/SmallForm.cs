using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Login;

/// <summary>
/// Reads the gateway's own small forms (sign-in, sign-out, "my sessions"): at most 16 KB, so a huge or many-field
/// post is refused early; anything unreadable (not a form, too large, malformed, cut off) is null, never an exception.
/// </summary>
internal static class SmallForm
{
    public const int MaxBytes = 16 * 1024;

    public static async Task<IFormCollection?> ReadAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType)
        {
            return null;
        }
        var bodySize = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (bodySize is { IsReadOnly: false })
        {
            bodySize.MaxRequestBodySize = MaxBytes;
        }
        try
        {
            return await context.Request.ReadFormAsync(context.RequestAborted);
        }
        catch (Exception ex) when (ex is BadHttpRequestException or InvalidDataException or IOException)
        {
            return null;
        }
    }
}
