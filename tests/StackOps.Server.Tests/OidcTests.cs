using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using StackOps.Core.Access;
using StackOps.Core.Errors;
using StackOps.Core.Store.Remote;
using StackOps.Tests.Shared;

namespace StackOps.Server.Tests;

/// <summary>
/// A test OIDC issuer on loopback (discovery and JWKS, as GitHub Actions publishes them) signs job
/// tokens; the server accepts the one whose claims a trust policy names, and refuses each other
/// with its own error id.
/// </summary>
public sealed class OidcTests : IDisposable
{
    private const string Repository = "octo-org/ml";
    private readonly RSA _key = RSA.Create(2048);
    private readonly LoopbackServer _issuer;
    private readonly SqliteFolder _sqlite = new();
    private readonly ServerHost _server;

    public OidcTests()
    {
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(_key.ExportParameters(false)) { KeyId = "test-key" });
        _issuer = new LoopbackServer(app =>
        {
            app.MapGet("/.well-known/openid-configuration", (HttpContext context) =>
                Results.Json(new { issuer = Issuer, jwks_uri = $"{Issuer}/jwks" }));
            app.MapGet("/jwks", () => Results.Text(JsonSerializer.Serialize(new { keys = new[] { new { kty = jwk.Kty, kid = jwk.Kid, n = jwk.N, e = jwk.E, use = "sig", alg = "RS256" } } }),
                "application/json"));
            // A runner's token service: ACTIONS_ID_TOKEN_REQUEST_URL answers the job's token for an audience.
            app.MapGet("/runner/token", (HttpContext context, string audience) =>
                context.Request.Headers.Authorization == "Bearer runner-request-token"
                    ? Results.Json(new { value = Token(audience: audience) })
                    : Results.Unauthorized());
        });
        _server = new ServerHost(_sqlite.Database(), builder => builder.Configuration["OidcIssuers"] = Issuer);
        var admin = _server.Admin;
        admin.CreatePrincipal("production-promoter", "service-account", "promotes into production from CI");
        admin.Grant("production-promoter", BuiltInRoles.Viewer, null, null);
        admin.CreateTrustPolicy(new TrustPolicyBody("production", Issuer, "production-promoter", Repository, "production", ["refs/tags/v*"], null));
    }

    private string Issuer => _issuer.BaseAddress.AbsoluteUri.TrimEnd('/');

    public void Dispose()
    {
        _server.Dispose();
        _sqlite.Dispose();
        _issuer.Dispose();
        _key.Dispose();
    }

    private string Token(string audience = "stackops", string environment = "production", string reference = "refs/tags/v1.2.0", DateTime? expires = null,
        RSA? signer = null, string? issuer = null) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience,
            IssuedAt = DateTime.UtcNow.AddMinutes(-10),
            NotBefore = DateTime.UtcNow.AddMinutes(-10),
            Expires = expires ?? DateTime.UtcNow.AddMinutes(5),
            Subject = new ClaimsIdentity([new Claim("repository", Repository), new Claim("environment", environment), new Claim("ref", reference),
                new Claim("job_workflow_ref", $"{Repository}/.github/workflows/promote.yml@{reference}"), new Claim("sub", $"repo:{Repository}:environment:{environment}")]),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(signer ?? _key) { KeyId = "test-key" }, SecurityAlgorithms.RsaSha256),
        });

    private string Me(string token) => new ServerAdministration(_server.Client(token)).Me().Principal;

    private StackOpsException Refused(string token) => Assert.Throws<StackOpsException>(() => Me(token));

    [Fact]
    public void AJobOfTheNamedEnvironmentAndRefActsAsThePolicysPrincipal()
    {
        Assert.Equal("production-promoter", Me(Token()));
        Assert.Contains(_server.Admin.Audit(principal: "production-promoter", action: "login").Entries,
            e => e.Detail!.Contains($"oidc {Repository} environment production refs/tags/v1.2.0 by policy production"));
    }

    [Fact]
    public void EveryOtherTokenIsRefusedWithItsOwnReason()
    {
        Assert.Equal("OidcAudienceMismatch", Refused(Token(audience: "sts.amazonaws.com")).ErrorId);
        Assert.Equal("OidcNoTrustPolicy", Refused(Token(environment: "staging")).ErrorId);
        Assert.Equal("OidcNoTrustPolicy", Refused(Token(reference: "refs/heads/feature")).ErrorId);
        Assert.Equal("OidcTokenExpired", Refused(Token(expires: DateTime.UtcNow.AddMinutes(-5))).ErrorId);
        using var other = RSA.Create(2048);
        Assert.Equal("OidcSignatureInvalid", Refused(Token(signer: other)).ErrorId);
        Assert.Equal("OidcIssuerUntrusted", Refused(Token(issuer: "https://issuer.example.com")).ErrorId);
        var denials = _server.Admin.Audit(action: "login", outcome: "denied").Entries.Select(e => e.ErrorId).ToList();
        Assert.Contains("OidcSignatureInvalid", denials);
        Assert.Contains("OidcNoTrustPolicy", denials);
    }

    [Fact]
    public void APolicyNeedsATrustedIssuerAndAnExistingPrincipal()
    {
        var untrusted = Assert.Throws<StackOpsException>(() => _server.Admin.CreateTrustPolicy(new TrustPolicyBody("x", "https://issuer.example.com", "production-promoter", Repository, null, [], null)));
        Assert.Equal("OidcIssuerUntrusted", untrusted.ErrorId);
        Assert.Equal("PrincipalNotFound", Assert.Throws<StackOpsException>(() => _server.Admin.CreateTrustPolicy(new TrustPolicyBody("y", Issuer, "nobody", Repository, null, [], null))).ErrorId);
        Assert.Equal("InvalidTrustPolicy", Assert.Throws<StackOpsException>(() => _server.Admin.CreateTrustPolicy(new TrustPolicyBody("z", Issuer, "production-promoter", "not-a-repo", null, [], null))).ErrorId);
    }

    [Fact]
    public void AnActionsJobWithIdTokenWriteConnectsWithoutAKey()
    {
        var saved = new[] { "ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", ServerConnection.ServerVariable, ServerConnection.ApiKeyVariable }
            .ToDictionary(v => v, Environment.GetEnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable("ACTIONS_ID_TOKEN_REQUEST_URL", $"{Issuer}/runner/token?api-version=2.0");
            Environment.SetEnvironmentVariable("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "runner-request-token");
            Environment.SetEnvironmentVariable(ServerConnection.ServerVariable, "http://127.0.0.1:1/");
            Environment.SetEnvironmentVariable(ServerConnection.ApiKeyVariable, null);

            var connection = ServerConnection.Current(_server.Home)!;

            Assert.True(OidcTokenLooksRight(connection.ApiKey));
            Assert.Equal("production-promoter", Me(connection.ApiKey));
        }
        finally
        {
            foreach (var (name, value) in saved) Environment.SetEnvironmentVariable(name, value);
        }
    }

    private static bool OidcTokenLooksRight(string token) => new JsonWebTokenHandler().ReadJsonWebToken(token).Audiences.Single() == "stackops";
}
