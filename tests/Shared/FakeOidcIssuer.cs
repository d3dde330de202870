using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace StackOps.Tests.Shared;

/// <summary>
/// GitHub Actions' OIDC side on loopback: an issuer that signs job tokens (RS256, its JWKS published
/// as GitHub publishes it) and a runner's token service, which answers ACTIONS_ID_TOKEN_REQUEST_URL
/// with the job's token for the audience asked when the request token is right. The fake clouds
/// verify the tokens with <see cref="Verify"/>, as the real ones verify GitHub's.
/// </summary>
public sealed class FakeOidcIssuer : IDisposable
{
    public const string RequestToken = "runner-request-token-0001";
    public const string Repository = "octo-org/ml";
    private readonly RSA _key = RSA.Create(2048);

    public FakeOidcIssuer()
    {
        var parameters = _key.ExportParameters(false);
        Server = new LoopbackServer(app =>
        {
            app.MapGet("/.well-known/openid-configuration", () => Results.Json(new { issuer = Issuer, jwks_uri = $"{Issuer}/.well-known/jwks" }));
            app.MapGet("/.well-known/jwks", () => Results.Json(new
            {
                keys = new[] { new { kty = "RSA", kid = "test-key", use = "sig", alg = "RS256", n = Encode(parameters.Modulus!), e = Encode(parameters.Exponent!) } },
            }));
            app.MapGet("/runner/token", (HttpContext context, string audience) =>
                context.Request.Headers.Authorization == $"Bearer {RequestToken}" ? Results.Json(new { value = Token(audience) }) : Results.Unauthorized());
        });
    }

    public LoopbackServer Server { get; }
    public string Issuer => Server.BaseAddress.AbsoluteUri.TrimEnd('/');
    /// <summary>The environment of the job the runner's tokens are for.</summary>
    public string Environment { get; set; } = "production";
    /// <summary>How long from now the runner's tokens expire (negative: already expired).</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(5);
    public string Subject => $"repo:{Repository}:environment:{Environment}";
    /// <summary>ACTIONS_ID_TOKEN_REQUEST_URL for a job of this issuer.</summary>
    public string RequestUrl => $"{Issuer}/runner/token?api-version=2.0";

    /// <summary>
    /// A job's token, with the claims GitHub Actions gives: of the issuer's environment and lifetime unless
    /// given, from refs/tags/v1.2.0 unless another ref is given; another signer or issuer makes a forged one.
    /// </summary>
    public string Token(string audience, RSA? signer = null, string? environment = null, string reference = "refs/tags/v1.2.0", TimeSpan? lifetime = null, string? issuer = null)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        environment ??= Environment;
        var header = Encode(JsonSerializer.SerializeToUtf8Bytes(new { alg = "RS256", typ = "JWT", kid = "test-key" }));
        var payload = Encode(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["iss"] = issuer ?? Issuer, ["aud"] = audience, ["sub"] = $"repo:{Repository}:environment:{environment}", ["repository"] = Repository, ["environment"] = environment,
            ["ref"] = reference, ["job_workflow_ref"] = $"{Repository}/.github/workflows/promote.yml@{reference}",
            ["iat"] = now - 600, ["nbf"] = now - 600, ["exp"] = now + (long)(lifetime ?? Lifetime).TotalSeconds,
        }));
        var signature = (signer ?? _key).SignData(Encoding.ASCII.GetBytes($"{header}.{payload}"), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{header}.{payload}.{Encode(signature)}";
    }

    /// <summary>The claims of a token this issuer signed, unexpired, for <paramref name="audience"/>; else why not, in the words of a cloud.</summary>
    public (JsonElement Claims, string? Problem) Verify(string token, string audience)
    {
        var parts = token.Split('.');
        if (parts.Length != 3) return (default, "the token is not a JWT");
        if (!_key.VerifyData(Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), Jwt.Decode(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
            return (default, "the token's signature does not verify with the issuer's keys");
        var claims = JsonDocument.Parse(Jwt.Decode(parts[1])).RootElement.Clone();
        if (claims.GetProperty("iss").GetString() != Issuer) return (claims, "the token's issuer is not trusted");
        if (claims.GetProperty("aud").GetString() != audience) return (claims, $"the token's audience is not {audience}");
        if (claims.GetProperty("exp").GetInt64() <= DateTimeOffset.UtcNow.ToUnixTimeSeconds()) return (claims, "the token has expired");
        return (claims, null);
    }

    private static string Encode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public void Dispose()
    {
        Server.Dispose();
        _key.Dispose();
    }
}
