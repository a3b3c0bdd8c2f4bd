using Gateway.Access;
using Gateway.Admin;
using Gateway.Assertion;
using Gateway.AuthenticatedSessions;
using Gateway.Configuration;
using Gateway.Cookies;
using Gateway.Demo;
using Gateway.Errors;
using Gateway.ForwardAuth;
using Gateway.Identity;
using Gateway.KeyRing;
using Gateway.LiveConnections;
using Gateway.Login;
using Gateway.Metrics;
using Gateway.MySessions;
using Gateway.Observability;
using Gateway.OpenIdConnect;
using Gateway.Paths;
using Gateway.Proxy;
using Gateway.Sessions;
using Gateway.TrustedProxies;
using Microsoft.Extensions.Options;

namespace Gateway.Hosting;

/// <summary>
/// The composition root: every capability added and mapped in one place. Each capability folder <c>X</c> has one
/// <c>XExtensions</c> class with <c>AddX(this IServiceCollection, …what it needs)</c> and, when it has them, <c>UseX</c>
/// (its middleware) and <c>MapX(pathPrefix)</c> (its endpoints). Several share a name with a framework method of
/// another signature (<c>AddIdentity</c>, <c>AddMetrics</c>, <c>AddOpenIdConnect</c>): these are the gateway's own.
/// </summary>
public static partial class GatewayHostingExtensions
{
    public static WebApplicationBuilder AddSsoGateway(this WebApplicationBuilder builder)
    {
        builder.Configuration.AddMountedConfigurationFile();
        var section = builder.Configuration.GetSection(SsoOptions.SectionName);
        var sso = section.Get<SsoOptions>() ?? new SsoOptions();
        builder.Services.AddOptions<SsoOptions>().Bind(section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<SsoOptions>, SsoOptionsValidator>();

        builder.Services
            .AddObservability(builder.Configuration, builder.Environment)
            .AddMetrics(builder.Configuration)
            .AddTrustedProxies(builder.Configuration)
            .AddSessions(sso)
            .AddKeyRing(sso)
            .AddIdentity()
            .AddSessionCookie()
            .AddAuthenticatedSessions()
            .AddAccess(sso)
            .AddLogin()
            .AddOpenIdConnect(builder.Configuration, sso)
            .AddAdmin()
            .AddMySessions()
            .AddForwardAuth(builder.Configuration)
            .AddLiveConnections()
            .AddAssertion(builder.Configuration)
            .AddProxy(builder.Configuration)
            .AddDemo(builder.Configuration);
        return builder;
    }

    /// <summary>
    /// Checks the configuration before the host starts: every <c>ValidateOnStart</c> rule, then the first load of the
    /// user directory. A configuration error therefore never reaches the host (which would log it with a stack trace).
    /// </summary>
    public static WebApplication ValidateGatewayConfiguration(this WebApplication app)
    {
        app.Services.GetService<IStartupValidator>()?.Validate();
        app.Services.GetRequiredService<UserDirectory>();
        return app;
    }

    public static WebApplication MapSsoGateway(this WebApplication app)
    {
        var sso = app.Services.GetRequiredService<IOptions<SsoOptions>>();
        var prefix = app.Configuration.GetSection(SsoOptions.SectionName)[nameof(SsoOptions.PathPrefix)] ?? new SsoOptions().PathPrefix;
        // Before the forwarded headers replace the client address: forward-auth trusts the proxy that asks, not the browser.
        app.UseForwardAuth(prefix);
        // Before everything that reads the client address or scheme (request log, lockout, audit, sign-in URLs).
        app.UseTrustedProxies();
        // Outermost, so the line records the status the client got (a store fault is logged as the 503 it becomes).
        app.UseObservability();
        // Turns what escapes into a 503 (store fault) or a bare 500, never a stack trace.
        app.UseErrors();
        // Before anything reads the path: what is routed, authorised and forwarded is one canonical path.
        app.UsePaths();
        // Before authentication: a sign-in never sees the session cookie it arrived with (session fixation).
        app.UseLogin();
        app.UseRouting();
        // The framework's authentication and authorization, with the signed-in request's hot path in front of them.
        app.UseAuthenticatedSessions();
        // After authorization: only admitted requests are held, and their session is known by now.
        app.UseLiveConnections();

        app.MapObservability(prefix);
        app.MapLogin(prefix);
        app.MapOpenIdConnect(prefix);
        app.MapAdmin(prefix);
        app.MapMySessions(prefix);
        app.MapForwardAuth(prefix);
        app.MapAssertion(prefix);
        app.MapProxy().AnswerFromAuthenticatedSessions();

        app.Lifetime.ApplicationStarted.Register(() => LogStoreChoice(app, sso));
        return app;
    }

    /// <summary>
    /// Runs until shutdown. Configuration errors print one message per key and return exit code 1; any other failure
    /// prints the exception and returns 70 (EX_SOFTWARE).
    /// </summary>
    public static async Task<int> RunGatewayAsync(this WebApplication app)
    {
        try
        {
            await app.RunAsync();
            return 0;
        }
        catch (Exception ex) when (StartupErrors.Describe(ex) is { } messages)
        {
            await StartupErrors.PrintAsync(messages);
            return 1;
        }
        catch (Exception ex)
        {
            // A bug, not a configuration error: the whole exception for the operator, and an exit code an orchestrator
            // restarts on, instead of the runtime's abort on an unhandled exception.
            await Console.Error.WriteLineAsync($"SsoGateway stopped on an unexpected error: {ex}");
            return 70;
        }
    }

    private static void LogStoreChoice(WebApplication app, IOptions<SsoOptions> sso)
    {
        if (string.IsNullOrWhiteSpace(sso.Value.Redis))
        {
            Log.InMemoryStore(app.Logger);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(GatewayEventIds.Hosting.InMemoryStore, LogLevel.Warning, "Sso:Redis is not set: sessions live in this process's memory. Run a single instance only; a restart signs everybody out.")]
        public static partial void InMemoryStore(ILogger logger);
    }
}
