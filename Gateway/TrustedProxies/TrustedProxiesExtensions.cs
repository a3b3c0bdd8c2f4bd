using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Gateway.TrustedProxies;

/// <summary>
/// Forwarded headers from the proxies named in <c>Sso:ForwardedHeaders</c> only (see <see cref="TrustedProxyOptions"/>).
/// The client address they yield is the one the sign-in lockout counts and the audit log records.
/// </summary>
internal static partial class TrustedProxiesExtensions
{
    public static IServiceCollection AddTrustedProxies(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TrustedProxyOptions>().Bind(configuration.GetSection(TrustedProxyOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TrustedProxyOptions>, TrustedProxyOptionsValidator>();
        return services;
    }

    /// <summary>First in the pipeline, so everything after it (request log, lockout, audit) sees the real client.</summary>
    public static IApplicationBuilder UseTrustedProxies(this IApplicationBuilder app)
    {
        var trusted = app.ApplicationServices.GetRequiredService<IOptions<TrustedProxyOptions>>().Value;
        if (!trusted.Any)
        {
            // The framework's middleware treats empty lists as "trust everyone": without a proxy, do not run it at all.
            return app;
        }
        var options = new ForwardedHeadersOptions
        {
            // Not X-Forwarded-Host: the proxies pass Host itself, which the gateway routes on.
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
            ForwardLimit = trusted.ForwardLimit,
        };
        // The defaults trust loopback; only what the operator named is trusted here.
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
#pragma warning disable ASPDEPR005 // the obsolete list, cleared too in case a framework version still reads it
        options.KnownNetworks.Clear();
#pragma warning restore ASPDEPR005
        foreach (var proxy in trusted.KnownProxies)
        {
            options.KnownProxies.Add(TrustedProxyOptionsValidator.ParseAddress(proxy)!);
        }
        foreach (var network in trusted.KnownNetworks)
        {
            options.KnownIPNetworks.Add(TrustedProxyOptionsValidator.ParseNetwork(network)!.Value);
        }
        Log.Trusting(app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(TrustedProxiesExtensions).FullName!),
            string.Join(", ", trusted.KnownProxies.Concat(trusted.KnownNetworks)), trusted.ForwardLimit);
        return app.UseForwardedHeaders(options);
    }

    private static partial class Log
    {
        [LoggerMessage(GatewayEventIds.TrustedProxies.Trusting, LogLevel.Information, "Forwarded headers trusted from {TrustedProxies}, at most {ForwardLimit} hop(s)")]
        public static partial void Trusting(ILogger logger, string trustedProxies, int forwardLimit);
    }
}
