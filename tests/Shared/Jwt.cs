namespace StackOps.Tests.Shared;

/// <summary>The base64url of JSON Web Tokens, as the fake services read them.</summary>
public static class Jwt
{
    public static byte[] Decode(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded + new string('=', (4 - padded.Length % 4) % 4));
    }
}
