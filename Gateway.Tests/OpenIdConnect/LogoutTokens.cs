using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Tests.OpenIdConnect;

/// <summary>Logout tokens made by the test, with the provider's own key unless told otherwise, one claim changed at a time.</summary>
internal static class LogoutTokens
{
    public const string EventType = "http://schemas.openid.net/event/backchannel-logout";

    /// <summary>A valid logout token for <paramref name="sid"/> and <paramref name="sub"/>, with <paramref name="changes"/> applied (null removes a claim).</summary>
    public static string Create(SecurityKey key, string issuer, string audience, string? sid, string? sub,
        Dictionary<string, JsonNode?>? changes = null, bool unsigned = false)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var payload = new JsonObject
        {
            ["iss"] = issuer,
            ["aud"] = audience,
            ["iat"] = now,
            ["exp"] = now + 120,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["events"] = new JsonObject { [EventType] = new JsonObject() },
        };
        if (sid is not null)
        {
            payload["sid"] = sid;
        }
        if (sub is not null)
        {
            payload["sub"] = sub;
        }
        foreach (var (name, value) in changes ?? new Dictionary<string, JsonNode?>())
        {
            if (value is null)
            {
                payload.Remove(name);
            }
            else
            {
                payload[name] = value.DeepClone();
            }
        }
        if (unsigned)
        {
            return Base64UrlEncoder.Encode("""{"alg":"none","typ":"logout+jwt"}""") + "." + Base64UrlEncoder.Encode(payload.ToJsonString()) + ".";
        }
        return new JsonWebTokenHandler().CreateToken(payload.ToJsonString(), new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
            new Dictionary<string, object> { ["typ"] = "logout+jwt" });
    }

    public static FormUrlEncodedContent Form(string token) => new(new Dictionary<string, string> { ["logout_token"] = token });

    public static StringContent Json(string token) => new($$"""{"logout_token":"{{token}}"}""", Encoding.UTF8, "application/json");
}
