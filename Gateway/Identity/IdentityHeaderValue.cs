using System.Buffers;
using System.Text;

namespace Gateway.Identity;

internal static class IdentityHeaderValue
{
    private static readonly SearchValues<char> PassThrough = SearchValues.Create(
        Enumerable.Range(0x20, 0x7F - 0x20).Select(i => (char)i).Where(c => c != '%').ToArray());

    /// <summary>
    /// Plain printable ASCII passes unchanged; any other character, and <c>%</c>, is percent-encoded as UTF-8
    /// (SPEC §7: <c>张三</c> → <c>%E5%BC%A0%E4%B8%89</c>), so no value can break a header line.
    /// </summary>
    public static string Encode(string value)
    {
        if (!value.AsSpan().ContainsAnyExcept(PassThrough))
        {
            return value;
        }
        var builder = new StringBuilder(value.Length * 3);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (PassThrough.Contains(c))
            {
                builder.Append(c);
                continue;
            }
            int length;
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                length = Encoding.UTF8.GetBytes(value.AsSpan(i, 2), utf8);
                i++;
            }
            else
            {
                length = Encoding.UTF8.GetBytes(value.AsSpan(i, 1), utf8);
            }
            foreach (var b in utf8[..length])
            {
                builder.Append('%').Append(b.ToString("X2"));
            }
        }
        return builder.ToString();
    }
}
