using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace Gateway.Cookies;

/// <summary>
/// The framework's cookie handler with one shortcut: a request without any <c>Cookie</c> header is not signed in (what
/// the framework would conclude after parsing cookies). Requests whose session this instance has authenticated before
/// do not get here at all: <see cref="AuthenticatedSessions.AuthenticatedSessionMiddleware"/> answers them.
/// </summary>
internal sealed class SessionCookieHandler(
    IOptionsMonitor<CookieAuthenticationOptions> options,
    SessionCookieHandler.LoggerFactory loggerFactory,
    UrlEncoder encoder) : CookieAuthenticationHandler(options, loggerFactory, encoder)
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

    protected override Task<AuthenticateResult> HandleAuthenticateAsync() =>
        Request.Headers.Cookie.Count == 0 ? NoCookie : base.HandleAuthenticateAsync();
}
