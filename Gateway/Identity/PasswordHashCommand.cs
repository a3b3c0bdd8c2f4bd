using Microsoft.AspNetCore.Identity;

namespace Gateway.Identity;

/// <summary><c>dotnet Gateway.dll hash-password</c>: reads a password from stdin, prints its Identity v3 hash.</summary>
public static class PasswordHashCommand
{
    public const string Name = "hash-password";

    public static int Run(TextReader input, TextWriter output, TextWriter error)
    {
        var password = input.ReadLine();
        if (string.IsNullOrEmpty(password))
        {
            error.WriteLine("hash-password: write the password on standard input, e.g. `echo -n 'secret' | dotnet Gateway.dll hash-password`.");
            return 2;
        }
        output.WriteLine(new PasswordHasher<object>().HashPassword(new object(), password));
        return 0;
    }
}
