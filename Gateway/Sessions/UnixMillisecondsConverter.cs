using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Sessions;

/// <summary>
/// Writes a time as Unix milliseconds (13 digits instead of a 33-character ISO 8601 string: four of them make up a
/// fifth of a session record) and reads either form, so records written before the change still load.
/// </summary>
internal sealed class UnixMillisecondsConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Number
            ? DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64())
            : reader.GetDateTimeOffset();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(value.ToUnixTimeMilliseconds());
}
