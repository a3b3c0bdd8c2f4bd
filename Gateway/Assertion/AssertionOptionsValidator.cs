using Microsoft.Extensions.Options;

namespace Gateway.Assertion;

internal sealed class AssertionOptionsValidator : IValidateOptions<AssertionOptions>
{
    public ValidateOptionsResult Validate(string? name, AssertionOptions options)
    {
        if (options.Header is null)
        {
            return ValidateOptionsResult.Success;
        }
        var errors = new List<string>();
        if (options.Header.Length == 0 || !options.Header.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            errors.Add($"Sso:Assertion:Header: '{options.Header}' is not a header name (letters, digits and '-', e.g. X-Sso-Assertion).");
        }
        if (string.IsNullOrWhiteSpace(options.Issuer))
        {
            errors.Add("Sso:Assertion:Issuer: required with Sso:Assertion:Header (the tokens' iss, e.g. https://sso.example.com).");
        }
        if (options.Lifetime < TimeSpan.FromSeconds(1) || options.Lifetime > TimeSpan.FromSeconds(60))
        {
            errors.Add($"Sso:Assertion:Lifetime: {options.Lifetime} must be between 00:00:01 and 00:01:00.");
        }
        else if (options.KeyRotation < 2 * options.Lifetime)
        {
            errors.Add($"Sso:Assertion:KeyRotation: {options.KeyRotation} must be at least twice Sso:Assertion:Lifetime, so a key stays published while its tokens live.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
