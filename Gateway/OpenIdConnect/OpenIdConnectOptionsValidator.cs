using System.Net;
using System.Text.RegularExpressions;
using Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.OpenIdConnect;

/// <summary>
/// Checks every <c>Sso:OpenIdConnect:{name}</c> entry at startup, each error naming its key. Runs with the other
/// <see cref="SsoOptions"/> validators, so all configuration errors are reported together.
/// </summary>
internal sealed partial class OpenIdConnectOptionsValidator(
    OpenIdConnectProviders providers, IHostEnvironment environment, IConfiguration configuration)
    : IValidateOptions<SsoOptions>
{
    private const int MaxPrefixLength = 64;

    public ValidateOptionsResult Validate(string? name, SsoOptions options)
    {
        var errors = new List<string>();
        ValidateNameSpellings(errors);
        var displayNames = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var provider in providers.All)
        {
            var key = $"{OpenIdConnectProviderOptions.SectionName}:{provider.Name}";
            var settings = provider.Settings;
            if (!ProviderName().IsMatch(provider.Name))
            {
                errors.Add($"{key}: '{provider.Name}' is not a URL-safe provider name (letters, digits, '-' and '_', at most 32, starting with a letter or digit).");
            }
            ValidateAuthority(key, settings.Authority, errors);
            if (string.IsNullOrWhiteSpace(settings.ClientId))
            {
                errors.Add($"{key}:ClientId: is required (the client id registered at the provider).");
            }
            if (!settings.ScopeList.Contains("openid"))
            {
                errors.Add($"{key}:Scopes: '{settings.Scopes}' must include openid.");
            }
            foreach (var (claimKey, claim) in new[]
            {
                ("UserClaim", settings.UserClaim ?? OpenIdConnectProviderOptions.DefaultUserClaim), ("EmailClaim", settings.EmailClaim),
                ("NameClaim", settings.NameClaim), ("GroupsClaim", settings.GroupsClaim),
            })
            {
                if (string.IsNullOrWhiteSpace(claim))
                {
                    errors.Add($"{key}:{claimKey}: must name a claim.");
                }
            }
            for (var i = 0; i < settings.AllowedGroups.Count; i++)
            {
                if (string.IsNullOrWhiteSpace(settings.AllowedGroups[i]))
                {
                    errors.Add($"{key}:AllowedGroups:{i}: is empty.");
                }
            }
            if (settings.UserPrefix is { } prefix && (prefix.Length > MaxPrefixLength || prefix.Any(char.IsControl)))
            {
                errors.Add($"{key}:UserPrefix: must be at most {MaxPrefixLength} characters without control characters.");
            }
            if (!displayNames.TryAdd(provider.DisplayName, provider.Name))
            {
                errors.Add($"{key}:DisplayName: '{provider.DisplayName}' is also the name shown for provider '{displayNames[provider.DisplayName]}'; people could not tell the two buttons apart.");
            }
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>
    /// Configuration keys ignore letter case, so <c>keycloak</c> in a file and <c>KEYCLOAK</c> in an environment variable
    /// would silently merge into one provider with half of each's settings: two providers with one name, refused.
    /// </summary>
    private void ValidateNameSpellings(List<string> errors)
    {
        if (configuration is not IConfigurationRoot root)
        {
            return;
        }
        var spellings = root.Providers
            .SelectMany(source => source.GetChildKeys([], OpenIdConnectProviderOptions.SectionName))
            .Distinct(StringComparer.Ordinal)
            .GroupBy(name => name, StringComparer.OrdinalIgnoreCase);
        foreach (var names in spellings.Where(g => g.Count() > 1))
        {
            var all = names.Order(StringComparer.Ordinal).ToArray();
            errors.Add($"{OpenIdConnectProviderOptions.SectionName}:{all[1]}: two providers with one name ('{string.Join("', '", all)}' differ only in letter case, which configuration ignores); spell the name one way everywhere.");
        }
    }

    private void ValidateAuthority(string key, string? authority, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(authority))
        {
            errors.Add($"{key}:Authority: is required (the provider's issuer URL, e.g. https://login.example.com/realms/main).");
            return;
        }
        if (!Uri.TryCreate(authority, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http")
            || !string.IsNullOrEmpty(uri.UserInfo) || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            errors.Add($"{key}:Authority: '{authority}' is not an https URL without query or fragment.");
            return;
        }
        if (uri.Scheme == "http" && !IsLoopback(uri) && !environment.IsDevelopment())
        {
            errors.Add($"{key}:Authority: '{authority}' uses http; only https is allowed outside Development (or on a loopback address), as tokens and keys travel over it.");
        }
    }

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")]
    private static partial Regex ProviderName();
}
