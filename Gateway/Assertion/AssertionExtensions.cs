using System.Text.Json;
using Gateway.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Gateway.Sessions;

namespace Gateway.Assertion;

/// <summary>
/// The signed identity for backends (<c>Sso:Assertion</c>): the signer the proxy's identity transform asks for a
/// token (<see cref="IdentityAssertion"/>), its keys (<see cref="AssertionKeyRing"/>), and their public halves at
/// <c>{PathPrefix}/jwks.json</c> on every host. Off by default: then <c>jwks.json</c> answers 404.
/// </summary>
internal static class AssertionExtensions
{
    public static IServiceCollection AddAssertion(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AssertionOptions>().Bind(configuration.GetSection(AssertionOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AssertionOptions>, AssertionOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        // The keys live where the sessions live: in Redis when a multiplexer is registered (Sso:Redis).
        services.AddSingleton<IAssertionKeyStore>(provider => provider.GetRequiredService<SessionStorage>().Redis is { } redis
            ? new RedisAssertionKeyStore(redis, provider.GetRequiredService<IOptions<SsoOptions>>())
            : new InMemoryAssertionKeyStore());
        services.AddSingleton<AssertionKeyRing>();
        services.AddSingleton<IdentityAssertion>();
        return services;
    }

    public static IEndpointRouteBuilder MapAssertion(this IEndpointRouteBuilder endpoints, string pathPrefix)
    {
        var enabled = !string.IsNullOrEmpty(endpoints.ServiceProvider.GetRequiredService<IConfiguration>()
            .GetSection(AssertionOptions.SectionName)[nameof(AssertionOptions.Header)]);
        endpoints.MapGet(pathPrefix + "/jwks.json", enabled ? KeySetAsync : NotFound).AllowAnonymous();
        return endpoints;
    }

    private static IResult NotFound(HttpContext context) => Results.NotFound();

    private static async Task<IResult> KeySetAsync(HttpContext context)
    {
        var keys = await context.RequestServices.GetRequiredService<AssertionKeyRing>().PublishedAsync(context.RequestAborted);
        // Short enough that a cached copy always holds the next key before it signs (it is published a period ahead).
        var rotation = context.RequestServices.GetRequiredService<IOptions<AssertionOptions>>().Value.KeyRotation;
        var maxAge = (int)Math.Clamp(rotation.TotalSeconds / 4, 0, 300);
        context.Response.Headers.CacheControl = $"public, max-age={maxAge}";
        return Results.Text(JsonSerializer.Serialize(new JsonWebKeySetView(keys.Select(k => k.PublicJwk).ToList()), AssertionJsonContext.Default.JsonWebKeySetView),
            "application/jwk-set+json; charset=utf-8");
    }
}
