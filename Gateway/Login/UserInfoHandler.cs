using System.Security.Claims;
using System.Text.Json.Serialization;
using Gateway.Identity;
using Microsoft.AspNetCore.Authentication;

namespace Gateway.Login;

internal static class UserInfoHandler
{
    /// <summary><c>GET /_sso/userinfo</c>: who the session belongs to and when it ends if unused.</summary>
    public static async Task<IResult> Handle(HttpContext context)
    {
        // Already authenticated by the middleware; the handler returns its cached result.
        var result = await context.AuthenticateAsync();
        var user = context.User;
        var info = new UserInfo(
            user.Identity!.Name!,
            user.FindFirstValue(GatewayClaimTypes.Email) ?? "",
            user.FindFirstValue(GatewayClaimTypes.DisplayName) ?? "",
            user.FindAll(GatewayClaimTypes.Group).Select(c => c.Value).ToArray(),
            result.Properties?.ExpiresUtc);
        context.Response.Headers.CacheControl = "no-store";
        return Results.Json(info, UserInfoJsonContext.Default.UserInfo);
    }
}

internal sealed record UserInfo(
    [property: JsonPropertyName("user")] string User,
    [property: JsonPropertyName("email")] string Email,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("groups")] string[] Groups,
    [property: JsonPropertyName("expiresAt")] DateTimeOffset? ExpiresAt);

[JsonSerializable(typeof(UserInfo))]
internal sealed partial class UserInfoJsonContext : JsonSerializerContext;
