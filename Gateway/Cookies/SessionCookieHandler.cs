using System.Text.Encodings.Web;
using Gateway.Identity;
using Gateway.Sessions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace Gateway.Cookies;

/// <summary>
/// The framework's cookie handler with two shortcuts. A request without any <c>Cookie</c> header is not signed in
/// (what the framework would conclude after parsing cookies). And for the request every click of a signed-in user
/// makes: when this instance authenticated the same cookie before (and has seen it at least twice, see
/// <see cref="CachingTicketDataFormat.Remember"/>) and nothing that result depended on has changed (the store still
/// vouches for the very same session record, the user directory is the same version, no sliding refresh is due), the
/// earlier result is returned as it is. Everything else (first sight of a cookie, a record re-read from the store, a
/// directory edit, a due refresh, a store fault, sign-in and sign-out) takes the framework's full path, whose outcome
/// would be the same: the shortcut only skips recomputing it.
/// </summary>
internal sealed class SessionCookieHandler(
    IOptionsMonitor<CookieAuthenticationOptions> options,
    SessionCookieHandler.LoggerFactory loggerFactory,
    UrlEncoder encoder,
    ISessionStore store,
    UserDirectory directory,
    SessionTicketStore ticketStore) : CookieAuthenticationHandler(options, loggerFactory, encoder)
{
    /// <summary>
    /// Gives every handler (one per request) the one logger of the framework's cookie handler category, so this
    /// subclass logs and is filtered exactly like the framework's handler and no logger is built per request.
    /// </summary>
    internal sealed class LoggerFactory(ILoggerFactory inner) : ILoggerFactory
    {
        private readonly ILogger _logger = inner.CreateLogger(typeof(CookieAuthenticationHandler).FullName!);

        public ILogger CreateLogger(string categoryName) => _logger;

        public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

        public void Dispose()
        {
        }
    }

    private static readonly Task<AuthenticateResult> NoCookie = Task.FromResult(AuthenticateResult.NoResult());

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Request.Headers.Cookie.Count == 0)
        {
            return NoCookie;
        }
        if (Options.TicketDataFormat is CachingTicketDataFormat cookies
            && CookieHeader.TryGetSingleValue(Request.Headers.Cookie, Options.Cookie.Name!, out var value)
            && cookies.TryGetAuthenticated(value, out var last)
            && store.TryGetVouched(last.Key, out var record)
            && ReferenceEquals(record, last.Record)
            && ReferenceEquals(directory.Version, last.DirectoryVersion)
            && !ticketStore.IsRefreshDue(record, TimeProvider.GetUtcNow()))
        {
            return last.Result;
        }
        return AuthenticateAndRememberAsync();
    }

    private async Task<AuthenticateResult> AuthenticateAndRememberAsync()
    {
        var directoryVersion = directory.Version;
        var result = await base.HandleAuthenticateAsync();
        if (result.Succeeded
            && Options.TicketDataFormat is CachingTicketDataFormat cookies
            && Context.Features.Get<SessionTicketStore.RetrievedSession>() is { } retrieved
            && Request.Cookies[Options.Cookie.Name!] is { } value)
        {
            cookies.Remember(value, new AuthenticatedCookie(retrieved.Key, retrieved.Record, directoryVersion, Task.FromResult(result)));
        }
        return result;
    }
}
