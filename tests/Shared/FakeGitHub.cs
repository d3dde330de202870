using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace StackOps.Tests.Shared;

/// <summary>
/// A loopback server speaking GitHub's REST protocol for the endpoints StackOps uses, under /api/v3
/// as on GitHub Enterprise Server: GET /user and /user/repos with a token; GET /app and
/// /app/installations with an App's RS256 JWT, verified with the App's public key; POST
/// /app/installations/{id}/access_tokens; GET /installation/repositories with the installation token.
/// </summary>
public sealed class FakeGitHub : IDisposable
{
    public const string Token = "ghp_faketesttoken0123456789";
    public const string AppId = "424242";
    public const long InstallationId = 4242;
    public const string Login = "octo-user";

    private readonly RSA _appKey = RSA.Create(2048);
    private int _issued;

    public FakeGitHub(Action<WebApplication>? more = null)
    {
        AppPrivateKeyPem = _appKey.ExportPkcs8PrivateKeyPem();
        Server = new LoopbackServer(app =>
        {
            var api = app.MapGroup("/api/v3");
            api.MapGet("/user", (HttpRequest r) => TokenIs(r, Token) ? Results.Json(new { login = Login, id = 1 }) : BadCredentials());
            api.MapGet("/user/repos", (HttpRequest r) => TokenIs(r, Token) ? Results.Json(Repositories("octo-user/pipelines", "octo-org/training")) : BadCredentials());
            api.MapGet("/app", (HttpRequest r) => ValidJwt(r) is { } problem ? Problem(problem) : Results.Json(new { id = long.Parse(AppId), slug = "stackops-test", name = "StackOps Test" }));
            api.MapGet("/app/installations", (HttpRequest r) => ValidJwt(r) is { } problem ? Problem(problem)
                : Results.Json(new[] { new { id = InstallationId, account = new { login = "octo-org" } } }));
            api.MapPost("/app/installations/{id:long}/access_tokens", (HttpRequest r, long id) =>
            {
                if (ValidJwt(r) is { } problem) return Problem(problem);
                if (id != InstallationId) return Results.Json(new { message = "Not Found" }, statusCode: 404);
                var token = $"ghs_installationtoken{Interlocked.Increment(ref _issued):D4}";
                IssuedTokens.Add(token);
                return Results.Json(new { token, expires_at = DateTimeOffset.UtcNow.AddHours(1).ToString("yyyy-MM-ddTHH:mm:ssZ") }, statusCode: 201);
            });
            api.MapGet("/installation/repositories", (HttpRequest r) => IssuedTokens.Any(t => TokenIs(r, t))
                ? Results.Json(new { total_count = 1, repositories = Repositories("octo-org/training") }) : BadCredentials());
            more?.Invoke(app);
        });
    }

    public LoopbackServer Server { get; }
    public string ApiUrl => new Uri(Server.BaseAddress, "api/v3/").ToString();
    public string AppPrivateKeyPem { get; }
    public List<string> IssuedTokens { get; } = [];

    private static object[] Repositories(params string[] fullNames) =>
        fullNames.Select((n, i) => (object)new { id = i + 1, name = n.Split('/')[1], full_name = n, owner = new { login = n.Split('/')[0] }, @private = true }).ToArray();

    private static bool TokenIs(HttpRequest request, string token) =>
        request.Headers.Authorization.ToString() is var header && (header == $"token {token}" || header == $"Token {token}" || header == $"Bearer {token}");

    private static IResult BadCredentials() => Results.Json(new { message = "Bad credentials", documentation_url = "https://docs.github.com/rest" }, statusCode: 401);

    private static IResult Problem(string message) => Results.Json(new { message }, statusCode: 401);

    /// <summary>Null when the request carries a JWT signed with the App's key, issued by the App and not expired; else GitHub's kind of message.</summary>
    private string? ValidJwt(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal)) return "A JSON web token could not be decoded";
        var parts = header[7..].Split('.');
        if (parts.Length != 3) return "A JSON web token could not be decoded";
        if (!_appKey.VerifyData(Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), Jwt.Decode(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
            return "A JSON web token could not be decoded";
        var jwtHeader = JsonDocument.Parse(Jwt.Decode(parts[0])).RootElement;
        var payload = JsonDocument.Parse(Jwt.Decode(parts[1])).RootElement;
        if (jwtHeader.GetProperty("alg").GetString() != "RS256") return "'alg' must be RS256";
        if (payload.GetProperty("iss").ToString() != AppId) return "'Issuer' claim ('iss') must be an Integer";
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (payload.GetProperty("exp").GetInt64() <= now) return "'Expiration time' claim ('exp') must be a numeric value representing the future time";
        if (payload.GetProperty("exp").GetInt64() - payload.GetProperty("iat").GetInt64() > 600) return "'Expiration time' claim ('exp') is too far in the future";
        return null;
    }

    public void Dispose()
    {
        Server.Dispose();
        _appKey.Dispose();
    }
}
