using System.Net;
using Gateway.TrustedProxies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.TrustedProxies;

/// <summary>
/// The pipeline <see cref="TrustedProxiesExtensions.UseTrustedProxies"/> builds, given connections in the address
/// forms a container sees: Kestrel listening on <c>[::]</c> (the image's default) reports an IPv4 proxy as an
/// IPv4-mapped IPv6 address, which must still count as that proxy. (Over real sockets that needs a listener on every
/// interface, which the tests do not open; ForwardedHeadersTests covers the rest over real sockets.)
/// </summary>
public sealed class TrustedProxyAddressFormsTests
{
    [Theory]
    [InlineData("10.0.0.5", null, "10.0.0.5", "203.0.113.4")]
    [InlineData("10.0.0.5", null, "::ffff:10.0.0.5", "203.0.113.4")]
    [InlineData(null, "10.244.0.0/16", "::ffff:10.244.3.9", "203.0.113.4")]
    [InlineData(null, "fd00::/8", "fd00::1", "203.0.113.4")]
    [InlineData("10.0.0.5", null, "::ffff:10.0.0.6", "::ffff:10.0.0.6")]
    [InlineData(null, "10.244.0.0/16", "10.245.0.1", "10.245.0.1")]
    public async Task ProxyAddress_InEveryForm_IsRecognised_OthersAreNot(string? proxy, string? network, string remote, string expected)
    {
        var settings = new Dictionary<string, string?>
        {
            [$"{TrustedProxyOptions.SectionName}:KnownProxies:0"] = proxy,
            [$"{TrustedProxyOptions.SectionName}:KnownNetworks:0"] = network,
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings.Where(s => s.Value is not null)).Build();
        var services = new ServiceCollection()
            .AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance)
            .AddSingleton<IConfiguration>(configuration)
            .AddTrustedProxies(configuration)
            .BuildServiceProvider();
        string? seen = null;
        var app = new ApplicationBuilder(services).UseTrustedProxies();
        app.Run(context =>
        {
            seen = context.Connection.RemoteIpAddress?.ToString();
            return Task.CompletedTask;
        });
        var context = new DefaultHttpContext { RequestServices = services };
        context.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        context.Request.Headers["X-Forwarded-For"] = "203.0.113.4";

        await app.Build()(context);

        Assert.Equal(expected, seen);
    }
}
