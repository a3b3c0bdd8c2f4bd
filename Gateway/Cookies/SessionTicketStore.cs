using System.Security.Claims;
using Gateway.Configuration;
using Gateway.Identity;
using Gateway.Sessions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace Gateway.Cookies;

/// <summary>
/// The bridge between cookie authentication and <see cref="ISessionStore"/>: the cookie carries only the
/// (Data Protection protected) session id; the identity lives in the store under a hash of that id.
/// Idle expiry slides here (<see cref="SlidingExpiry"/>).
/// </summary>
internal sealed partial class SessionTicketStore(
    ISessionStore store,
    SlidingExpiry sliding,
    IOptions<SsoOptions> options,
    TimeProvider time,
    ILogger<SessionTicketStore> logger) : ITicketStore
{
    private readonly TimeSpan _idleTimeout = options.Value.IdleTimeout;
    private readonly TimeSpan _absoluteTimeout = options.Value.AbsoluteTimeout;

    public Task<string> StoreAsync(AuthenticationTicket ticket) => StoreAsync(ticket, null!, default);

    public Task<string> StoreAsync(AuthenticationTicket ticket, CancellationToken cancellationToken) =>
        StoreAsync(ticket, null!, cancellationToken);

    public async Task<string> StoreAsync(AuthenticationTicket ticket, HttpContext httpContext, CancellationToken cancellationToken)
    {
        var sessionId = SessionId.New();
        var key = SessionKey.FromSessionId(sessionId);
        var now = time.GetUtcNow();
        var absoluteExpiry = now + _absoluteTimeout;
        var record = SharedStrings.Default.Share(new SessionRecord
        {
            User = ticket.Principal.Identity?.Name ?? throw new InvalidOperationException("Signing in needs a user name."),
            Email = ticket.Principal.FindFirstValue(GatewayClaimTypes.Email) ?? "",
            Name = ticket.Principal.FindFirstValue(GatewayClaimTypes.DisplayName) ?? "",
            Groups = ticket.Principal.FindAll(GatewayClaimTypes.Group).Select(c => c.Value).ToArray(),
            CreatedAt = now,
            LastSeenAt = now,
            AbsoluteExpiresAt = absoluteExpiry,
            ExpiresAt = Min(now + _idleTimeout, absoluteExpiry),
            ClientAddress = httpContext?.Connection.RemoteIpAddress?.ToString(),
            UserAgent = Truncate(httpContext?.Request.Headers.UserAgent.ToString(), 200),
            Provider = UserPrincipal.ProviderOf(ticket.Principal),
            ProviderSessionId = ticket.Principal.FindFirstValue(GatewayClaimTypes.ProviderSessionId),
            ProviderSubject = ticket.Principal.FindFirstValue(GatewayClaimTypes.ProviderSubject),
            AccountStamp = ticket.Principal.FindFirstValue(GatewayClaimTypes.AccountStamp),
            Directory = UserPrincipal.DirectoryOf(ticket.Principal),
            CheckedAt = UserPrincipal.DirectoryOf(ticket.Principal) is null ? null : now,
        });
        await store.CreateAsync(key, record, cancellationToken);
        Log.SessionCreated(logger, record.User, key.Handle);
        return sessionId;
    }

    public Task<AuthenticationTicket?> RetrieveAsync(string key) => RetrieveAsync(key, null!, default);

    public Task<AuthenticationTicket?> RetrieveAsync(string key, CancellationToken cancellationToken) =>
        RetrieveAsync(key, null!, cancellationToken);

    public async Task<AuthenticationTicket?> RetrieveAsync(string key, HttpContext httpContext, CancellationToken cancellationToken)
    {
        if (!SessionId.IsWellFormed(key))
        {
            return null;
        }
        var sessionKey = SessionKey.FromSessionId(key);
        try
        {
            var record = await sliding.ReadAsync(store, sessionKey, cancellationToken);
            if (record is null)
            {
                return null;
            }
            httpContext?.Features.Set(new RetrievedSession(sessionKey, record));
            return ToTicket(record, sessionKey);
        }
        catch (SessionStoreUnavailableException ex)
        {
            if (httpContext is not null)
            {
                SessionStoreFailure.MarkOn(httpContext);
            }
            Log.StoreUnavailable(logger, ex.InnerException?.GetType().Name ?? ex.GetType().Name);
            return null;
        }
    }

    public Task RenewAsync(string key, AuthenticationTicket ticket) => RenewAsync(key, ticket, null!, default);

    public Task RenewAsync(string key, AuthenticationTicket ticket, CancellationToken cancellationToken) =>
        RenewAsync(key, ticket, null!, cancellationToken);

    // Sliding happens in RetrieveAsync and sign-in never reuses a session (see SignInCookieDiscard), so the
    // cookie handler has nothing to renew; refusing keeps a stale ticket from overwriting a record.
    public Task RenewAsync(string key, AuthenticationTicket ticket, HttpContext httpContext, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    public Task RemoveAsync(string key) => RemoveAsync(key, null!, default);

    public Task RemoveAsync(string key, CancellationToken cancellationToken) => RemoveAsync(key, null!, cancellationToken);

    public Task RemoveAsync(string key, HttpContext httpContext, CancellationToken cancellationToken) =>
        SessionId.IsWellFormed(key)
            ? store.DeleteAsync(SessionKey.FromSessionId(key), cancellationToken)
            : Task.CompletedTask;

    private static AuthenticationTicket ToTicket(SessionRecord record, SessionKey key)
    {
        var principal = UserPrincipal.WithAccountStamp(
            UserPrincipal.Create(record.User, record.Email, record.Name, record.Groups, key.Handle), record.AccountStamp);
        if (record.Provider is not null)
        {
            UserPrincipal.FromProvider(principal, record.Provider, record.ProviderSessionId, record.ProviderSubject);
        }
        if (record.Directory is not null)
        {
            UserPrincipal.FromDirectory(principal, record.Directory);
        }
        var properties = new AuthenticationProperties
        {
            IssuedUtc = record.CreatedAt,
            ExpiresUtc = record.EndsAt,
            AllowRefresh = false,
        };
        return new AuthenticationTicket(principal, properties, CookieAuthenticationDefaults.AuthenticationScheme);
    }

    /// <summary>Which session a request's ticket came from: the key and the very record instance it was built from.</summary>
    internal sealed record RetrievedSession(SessionKey Key, SessionRecord Record);

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static string? Truncate(string? value, int length) =>
        string.IsNullOrEmpty(value) ? null : value.Length <= length ? value : value[..length];

    private static partial class Log
    {
        [LoggerMessage(2001, LogLevel.Debug, "Session {SessionHandle} created for {User}")]
        public static partial void SessionCreated(ILogger logger, string user, string sessionHandle);

        [LoggerMessage(2002, LogLevel.Warning, "Session store unavailable ({Fault}); the request is treated as not signed in")]
        public static partial void StoreUnavailable(ILogger logger, string fault);
    }
}
