using System.Text.Json.Serialization;

namespace Gateway.Identity;

/// <summary>One entry of <c>users.json</c> (SPEC §10).</summary>
internal sealed record UserAccount
{
    [JsonPropertyName("username")] public required string Username { get; init; }
    [JsonPropertyName("passwordHash")] public required string PasswordHash { get; init; }
    [JsonPropertyName("email")] public string Email { get; init; } = "";
    [JsonPropertyName("name")] public string Name { get; init; } = "";
    [JsonPropertyName("groups")] public string[] Groups { get; init; } = [];
    [JsonPropertyName("disabled")] public bool Disabled { get; init; }

    /// <summary>The account's <see cref="AccountStamp"/>, set when the file is read (never read from or written to it).</summary>
    [JsonIgnore] public string Stamp { get; init; } = "";
}

internal sealed record UsersFileContent
{
    [JsonPropertyName("users")] public required UserAccount[] Users { get; init; }
}

[JsonSerializable(typeof(UsersFileContent))]
[JsonSourceGenerationOptions(ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true)]
internal sealed partial class UsersJsonContext : JsonSerializerContext;
