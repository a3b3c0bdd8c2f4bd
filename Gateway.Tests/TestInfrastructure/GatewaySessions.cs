using Gateway.Sessions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.TestInfrastructure;

/// <summary>
/// Looks behind a session cookie with the gateway's own Data Protection and store, so a test can tell which
/// session (and whose) a cookie value stands for.
/// </summary>
internal static class GatewaySessions
{
    // The claim in which ASP.NET Core's cookie handler keeps the ITicketStore key of a session.
    private const string SessionIdClaim = "Microsoft.AspNetCore.Authentication.Cookies-SessionId";

    public static CookieAuthenticationOptions CookieOptions(this GatewayHost gateway) =>
        gateway.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>()
            .Get(CookieAuthenticationDefaults.AuthenticationScheme);

    /// <summary>The session id inside a cookie value this gateway issued, or null when it cannot read it.</summary>
    public static string? SessionIdOf(this GatewayHost gateway, string cookieValue) =>
        gateway.CookieOptions().TicketDataFormat.Unprotect(cookieValue)?.Principal.FindFirst(SessionIdClaim)?.Value;

    /// <summary>The stored session a cookie value stands for, or null (unreadable cookie, or no live session).</summary>
    public static async Task<SessionRecord?> SessionOfAsync(this GatewayHost gateway, string cookieValue)
    {
        var sessionId = gateway.SessionIdOf(cookieValue);
        if (sessionId is null)
        {
            return null;
        }
        var store = gateway.Services.GetRequiredService<ISessionStore>();
        return await store.GetAsync(SessionKey.FromSessionId(sessionId), CancellationToken.None);
    }

    /// <summary>A cookie value this gateway would accept as genuine, wrapping <paramref name="ticket"/> as it is.</summary>
    public static string Protect(this GatewayHost gateway, AuthenticationTicket ticket) =>
        gateway.CookieOptions().TicketDataFormat.Protect(ticket);

    public static string SessionIdClaimType => SessionIdClaim;
}
