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

/// <summary><see cref="UnixMillisecondsConverter"/> for an optional time (absent when null).</summary>
internal sealed class NullableUnixMillisecondsConverter : JsonConverter<DateTimeOffset?>
{
    private static readonly UnixMillisecondsConverter Inner = new();

    public override DateTimeOffset? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? null : Inner.Read(ref reader, typeof(DateTimeOffset), options);

    public override void Write(Utf8JsonWriter writer, DateTimeOffset? value, JsonSerializerOptions options)
    {
        if (value is { } time)
        {
            Inner.Write(writer, time, options);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
