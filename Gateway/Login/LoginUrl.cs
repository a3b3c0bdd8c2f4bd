using Gateway.Configuration;

namespace Gateway.Login;

/// <summary>Builds the absolute sign-in URL for a request, carrying the absolute original URL as <c>returnUrl</c>.</summary>
internal static class LoginUrl
{
    public static string For(HttpRequest request, SsoOptions options)
    {
        var original = $"{request.Scheme}://{request.Host.ToUriComponent()}{request.PathBase.ToUriComponent()}{request.Path.ToUriComponent()}{request.QueryString.ToUriComponent()}";
        return $"{request.Scheme}://{LoginHostFor(request, options)}{options.PathPrefix}/login?returnUrl={Uri.EscapeDataString(original)}";
    }

    /// <summary>
    /// The sign-in URL for a request described by someone else (forward-auth): <paramref name="returnUrl"/> must be
    /// validated already.
    /// </summary>
    public static string For(string scheme, HostString host, string returnUrl, SsoOptions options) =>
        $"{scheme}://{LoginHostFor(host, options)}{options.PathPrefix}/login?returnUrl={Uri.EscapeDataString(returnUrl)}";

    internal static string LoginHostFor(HttpRequest request, SsoOptions options) => LoginHostFor(request.Host, options);

    /// <summary>The login host with the request's port when the configured host names none.</summary>
    internal static string LoginHostFor(HostString host, SsoOptions options)
    {
        if (string.IsNullOrEmpty(options.LoginHost))
        {
            return host.ToUriComponent();
        }
        return options.LoginHost.Contains(':') || host.Port is null
            ? options.LoginHost
            : $"{options.LoginHost}:{host.Port}";
    }
}
