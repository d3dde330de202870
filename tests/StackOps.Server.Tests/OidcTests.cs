using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
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
    private const string Repository = FakeOidcIssuer.Repository;
    private readonly FakeOidcIssuer _issuer = new();
    private readonly SqliteFolder _sqlite = new();
    private readonly ServerHost _server;

    public OidcTests()
    {
        _server = new ServerHost(_sqlite.Database(), builder => builder.Configuration["OidcIssuers"] = Issuer);
        var admin = _server.Admin;
        admin.CreatePrincipal("production-promoter", "service-account", "promotes into production from CI");
        admin.Grant("production-promoter", BuiltInRoles.Viewer, null, null);
        admin.CreateTrustPolicy(new TrustPolicyBody("production", Issuer, "production-promoter", Repository, "production", ["refs/tags/v*"], null));
    }

    private string Issuer => _issuer.Issuer;

    public void Dispose()
    {
        _server.Dispose();
        _sqlite.Dispose();
        _issuer.Dispose();
    }

    private string Token(string audience = "stackops", string environment = "production", string reference = "refs/tags/v1.2.0", DateTime? expires = null,
        RSA? signer = null, string? issuer = null) =>
        _issuer.Token(audience, signer, environment, reference, expires is { } at ? at - DateTime.UtcNow : null, issuer);

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
            Environment.SetEnvironmentVariable("ACTIONS_ID_TOKEN_REQUEST_URL", _issuer.RequestUrl);
            Environment.SetEnvironmentVariable("ACTIONS_ID_TOKEN_REQUEST_TOKEN", FakeOidcIssuer.RequestToken);
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
