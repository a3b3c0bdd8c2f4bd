using System.Diagnostics;
using System.Text;
using Gateway.Identity.Hashes;
using Konscious.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Identity.Hashes;

/// <summary>Hashes written by the libraries and programs sites actually use, checked by the gateway.</summary>
public sealed class StoredPasswordHashTests
{
    private const string Password = "correct horse battery staple ünïcødé";

    public static TheoryData<string, string> HashesOfPassword()
    {
        var data = new TheoryData<string, string>
        {
            { "Identity v3 (default)", new PasswordHasher<object>().HashPassword(new object(), Password) },
            { "Identity v3, 1000 iterations", new PasswordHasher<object>(Options.Create(new PasswordHasherOptions { IterationCount = 1000 })).HashPassword(new object(), Password) },
            { "Identity v2", new PasswordHasher<object>(Options.Create(new PasswordHasherOptions { CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV2 })).HashPassword(new object(), Password) },
            { "bcrypt $2a$ cost 4", BCrypt.Net.BCrypt.HashPassword(Password, BCrypt.Net.BCrypt.GenerateSalt(4, 'a')) },
            { "bcrypt $2b$ cost 5", BCrypt.Net.BCrypt.HashPassword(Password, BCrypt.Net.BCrypt.GenerateSalt(5, 'b')) },
            { "bcrypt $2y$ cost 4", BCrypt.Net.BCrypt.HashPassword(Password, BCrypt.Net.BCrypt.GenerateSalt(4, 'y')) },
            { "argon2id (Konscious)", Argon2idPhc(Password, memoryKiB: 1024, iterations: 2, parallelism: 1) },
        };
        return data;
    }

    [Theory]
    [MemberData(nameof(HashesOfPassword))]
    public void LibraryHashes_MatchTheirPassword_AndNothingElse(string kind, string hash)
    {
        Assert.Equal(HashCheck.Match, StoredPasswordHash.Verify(hash, Password));
        Assert.Equal(HashCheck.Mismatch, StoredPasswordHash.Verify(hash, Password + "x"));
        Assert.Equal(HashCheck.Mismatch, StoredPasswordHash.Verify(hash, ""));
        Assert.NotEqual(HashKind.Unknown, StoredPasswordHash.KindOf(hash));
        _ = kind;
    }

    [Theory]
    [MemberData(nameof(HashesOfPassword))]
    public void DummyHash_HasTheSameKindAndCost_AndMatchesNoPassword(string kind, string hash)
    {
        var dummy = StoredPasswordHash.DummyLike(hash);

        Assert.Equal(StoredPasswordHash.KindOf(hash), StoredPasswordHash.KindOf(dummy));
        Assert.Equal(StoredPasswordHash.ShapeOf(hash), StoredPasswordHash.ShapeOf(dummy));
        Assert.NotNull(StoredPasswordHash.ShapeOf(hash));
        Assert.Equal(HashCheck.Mismatch, StoredPasswordHash.Verify(dummy, Password));
        if (StoredPasswordHash.KindOf(hash) == HashKind.Bcrypt)
        {
            Assert.Equal(hash[4..7], dummy[4..7]); // the cost
        }
        if (StoredPasswordHash.KindOf(hash) == HashKind.Argon2id)
        {
            Assert.Equal(hash.Split('$')[3], dummy.Split('$')[3]); // m, t, p
        }
        _ = kind;
    }

    [Fact]
    public void Shapes_TellCostsApart()
    {
        var shapes = HashesOfPassword().Select(row => StoredPasswordHash.ShapeOf((string)row[1])).ToList();

        // The two $2?$ cost-4 bcrypt hashes cost the same; every other pair differs in algorithm or cost.
        Assert.Equal(shapes.Count - 1, shapes.Distinct().Count());
        Assert.Null(StoredPasswordHash.ShapeOf("md5$5f4dcc3b5aa765d61d8327deb882cf99"));
    }

    [Theory]
    [InlineData("PASSWORD_DEFAULT")]
    [InlineData("PASSWORD_BCRYPT")]
    [InlineData("PASSWORD_ARGON2ID")]
    public void HashesWrittenByPhp_AreChecked(string algorithm)
    {
        var hash = Php($"echo password_hash('{Password}', {algorithm});");

        Assert.Equal(HashCheck.Match, StoredPasswordHash.Verify(hash, Password));
        Assert.Equal(HashCheck.Mismatch, StoredPasswordHash.Verify(hash, "wrong"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain-text-password")]
    [InlineData("5f4dcc3b5aa765d61d8327deb882cf99")] // md5
    [InlineData("$1$abcdefgh$abcdefghijklmnopqrstuv")] // md5-crypt
    [InlineData("$6$rounds=5000$salt$hash")] // sha512-crypt
    [InlineData("$2a$10$short")]
    [InlineData("$2x$10$CD2Yv2KJVvYhFA/INeB5ROCl1KCDIHALvmDqSnasqL1AvZ4Dp0RBC")]
    [InlineData("$2y$99$CD2Yv2KJVvYhFA/INeB5ROCl1KCDIHALvmDqSnasqL1AvZ4Dp0RBC")]
    [InlineData("$2y$10$CD2Yv2KJVvYhFA/INeB5ROCl1KCDIHALvmDqSnasqL1AvZ4Dp0R!!")]
    [InlineData("$argon2i$v=19$m=65536,t=4,p=1$clgycTZGelY1M2YxeTdBUA$B4lUfLCXQuv1l3TU/9jQ0ugbYLVMDUfO75Oy4b4Sb/M")]
    [InlineData("$argon2id$v=16$m=65536,t=4,p=1$clgycTZGelY1M2YxeTdBUA$B4lUfLCXQuv1l3TU/9jQ0ugbYLVMDUfO75Oy4b4Sb/M")]
    [InlineData("$argon2id$v=19$m=99999999,t=4,p=1$clgycTZGelY1M2YxeTdBUA$B4lUfLCXQuv1l3TU/9jQ0ugbYLVMDUfO75Oy4b4Sb/M")]
    [InlineData("$argon2id$v=19$m=65536,t=100000,p=1$clgycTZGelY1M2YxeTdBUA$B4lUfLCXQuv1l3TU/9jQ0ugbYLVMDUfO75Oy4b4Sb/M")]
    [InlineData("$argon2id$v=19$m=65536,t=4$clgycTZGelY1M2YxeTdBUA$B4lUfLCXQuv1l3TU/9jQ0ugbYLVMDUfO75Oy4b4Sb/M")]
    [InlineData("$argon2id$v=19$m=65536,t=4,p=1$!!!$B4lUfLCXQuv1l3TU/9jQ0ugbYLVMDUfO75Oy4b4Sb/M")]
    [InlineData("$argon2id$v=19$m=65536,t=4,p=1$clgycTZGelY1M2YxeTdBUA$")]
    [InlineData("$argon2id$v=19$m=-1,t=4,p=1$clgycTZGelY1M2YxeTdBUA$B4lUfLCXQuv1l3TU/9jQ0ugbYLVMDUfO75Oy4b4Sb/M")]
    [InlineData("AQAAAA==")] // Identity v3 header cut short
    [InlineData("AQAAAAIAAYagAAAAEP////")]
    [InlineData("AA==")]
    public void UnknownOrMalformedHashes_AreUnsupported_NeverAnException(string hash)
    {
        Assert.Equal(HashCheck.Unsupported, StoredPasswordHash.Verify(hash, Password));
    }

    private static string Argon2idPhc(string password, int memoryKiB, int iterations, int parallelism)
    {
        var salt = System.Security.Cryptography.RandomNumberGenerator.GetBytes(16);
        using var argon2 = new Argon2id(Encoding.UTF8.GetBytes(password))
        {
            Salt = salt,
            MemorySize = memoryKiB,
            Iterations = iterations,
            DegreeOfParallelism = parallelism,
        };
        var hash = argon2.GetBytes(32);
        return $"$argon2id$v=19$m={memoryKiB},t={iterations},p={parallelism}${Convert.ToBase64String(salt).TrimEnd('=')}${Convert.ToBase64String(hash).TrimEnd('=')}";
    }

    private static string Php(string code)
    {
        var start = new ProcessStartInfo("php", ["-r", code]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var php = Process.Start(start) ?? throw new InvalidOperationException("php did not start");
        var output = php.StandardOutput.ReadToEnd();
        php.WaitForExit();
        Assert.True(php.ExitCode == 0, $"php failed: {php.StandardError.ReadToEnd()}");
        return output.Trim();
    }
}
