using Gateway.Configuration;

namespace Gateway.Cookies;

/// <summary>Builds the absolute sign-in URL for a request, carrying the absolute original URL as <c>returnUrl</c>.</summary>
internal static class LoginUrl
{
    public static string For(HttpRequest request, SsoOptions options)
    {
        var original = $"{request.Scheme}://{request.Host.ToUriComponent()}{request.PathBase.ToUriComponent()}{request.Path.ToUriComponent()}{request.QueryString.ToUriComponent()}";
        return $"{request.Scheme}://{LoginHostFor(request, options)}{options.PathPrefix}/login?returnUrl={Uri.EscapeDataString(original)}";
    }

    /// <summary>The login host with the request's port when the configured host names none.</summary>
    internal static string LoginHostFor(HttpRequest request, SsoOptions options)
    {
        if (string.IsNullOrEmpty(options.LoginHost))
        {
            return request.Host.ToUriComponent();
        }
        return options.LoginHost.Contains(':') || request.Host.Port is null
            ? options.LoginHost
            : $"{options.LoginHost}:{request.Host.Port}";
    }
}
