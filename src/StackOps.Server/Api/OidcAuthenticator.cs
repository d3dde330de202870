using System.Collections.Concurrent;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using StackOps.Core.Access;
using StackOps.Core.Errors;
using StackOps.Server.Data;

namespace StackOps.Server.Api;

/// <summary>
/// CI signs in with its OIDC token instead of a stored key: a token from a trusted issuer (GitHub
/// Actions' by default; the OidcIssuers setting), for this server's audience (OidcAudience, default
/// "stackops"), signed with a key the issuer publishes (discovery, then its JWKS, cached), within its
/// lifetime; then the first trust policy its claims satisfy names the principal it acts as. Each
/// refusal has its own error id and says what would be accepted; no token text is ever logged.
/// </summary>
public sealed class OidcAuthenticator
{
    public const string IssuersSetting = "OidcIssuers", AudienceSetting = "OidcAudience", DefaultAudience = "stackops";
    private readonly AccessData _access;
    private readonly ConcurrentDictionary<string, ConfigurationManager<OpenIdConnectConfiguration>> _issuers = new(StringComparer.Ordinal);
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    public OidcAuthenticator(AccessData access, IConfiguration configuration)
    {
        _access = access;
        Audience = configuration[AudienceSetting] ?? DefaultAudience;
        TrustedIssuers = (configuration[IssuersSetting] ?? TrustPolicy.GitHubActionsIssuer)
            .Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries).Select(i => i.TrimEnd('/')).ToList();
    }

    public string Audience { get; }
    public IReadOnlyList<string> TrustedIssuers { get; }

    /// <summary>Whether a bearer credential is a JWT (three base64url parts) rather than an API key.</summary>
    public static bool IsToken(string credential) => credential.Count(c => c == '.') == 2 && credential.StartsWith("eyJ", StringComparison.Ordinal);

    public Caller Authenticate(string token, string? source)
    {
        JsonWebToken unverified;
        try { unverified = _handler.ReadJsonWebToken(token); }
        catch (ArgumentException) { throw Refused("OidcTokenInvalid", "The token is not a JSON web token. Request one with id-token: write (GitHub Actions) for the audience " + Audience + "."); }
        var issuer = unverified.Issuer.TrimEnd('/');
        if (!TrustedIssuers.Contains(issuer, StringComparer.Ordinal))
            throw Refused("OidcIssuerUntrusted", $"Tokens from {issuer} are not trusted here (trusted: {string.Join(", ", TrustedIssuers)}). The server's operator adds an issuer to {IssuersSetting}.");

        var keys = Keys(issuer);
        var result = _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuers = [issuer, issuer + "/"],
            ValidAudience = Audience,
            IssuerSigningKeys = keys,
            ValidateLifetime = true,
            ClockSkew = TimeSpan.FromMinutes(1),
            RequireSignedTokens = true,
            RequireExpirationTime = true,
        }).GetAwaiter().GetResult();
        if (!result.IsValid)
            throw result.Exception switch
            {
                SecurityTokenExpiredException => Refused("OidcTokenExpired", "The token has expired. Request a new one: a job's OIDC token lives a few minutes."),
                SecurityTokenInvalidAudienceException => Refused("OidcAudienceMismatch", $"The token is for another audience ({string.Join(", ", unverified.Audiences)}); this server accepts '{Audience}'. Request the token with audience={Audience}."),
                SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => Refused("OidcSignatureInvalid",
                    $"The token's signature is not one of {issuer}'s published keys: it was forged or altered."),
                _ => Refused("OidcTokenInvalid", $"The token is not valid ({result.Exception?.GetType().Name.Replace("SecurityToken", "").Replace("Exception", "")}). Request a new one."),
            };

        var claims = unverified.Claims.GroupBy(c => c.Type).ToDictionary(g => g.Key, g => g.First().Value, StringComparer.Ordinal);
        var policy = _access.TrustPolicies().FirstOrDefault(p => p.Matches(issuer, claims))
            ?? throw Refused("OidcNoTrustPolicy",
                $"No trust policy lets {Describe(claims)} act on this server. An admin creates one: New-StackTrustPolicy -Repository {claims.GetValueOrDefault("repository")} -Environment <environment> -Principal <service account>.");
        var principal = _access.FindPrincipal(policy.Principal) ?? throw AccessData.PrincipalNotFound(policy.Principal);
        return new Caller(principal.Name, principal.Kind, $"oidc:{policy.Name}", source, $"oidc {Describe(claims)} by policy {policy.Name}");
    }

    private static string Describe(IReadOnlyDictionary<string, string> claims) =>
        $"{claims.GetValueOrDefault("repository") ?? "(no repository)"}" +
        $"{(claims.TryGetValue("environment", out var environment) ? $" environment {environment}" : " (no environment)")}" +
        $"{(claims.TryGetValue("ref", out var reference) ? $" {reference}" : "")}";

    /// <summary>The issuer's signing keys, from its discovery document and JWKS (cached, refreshed as the library decides).</summary>
    private ICollection<SecurityKey> Keys(string issuer)
    {
        var manager = _issuers.GetOrAdd(issuer, i => new ConfigurationManager<OpenIdConnectConfiguration>($"{i}/.well-known/openid-configuration",
            new OpenIdConnectConfigurationRetriever(), new HttpDocumentRetriever { RequireHttps = !new Uri(i).IsLoopback }));
        try { return manager.GetConfigurationAsync(CancellationToken.None).GetAwaiter().GetResult().SigningKeys; }
        catch (InvalidOperationException e)
        {
            throw new StackOpsException("OidcIssuerUnreachable", ErrorKind.ResourceBusy,
                $"The keys of {issuer} could not be read ({e.Message.Split('.')[0]}). Retry; tell the server's operator if it lasts.", issuer, e);
        }
    }

    private static StackOpsException Refused(string id, string message) => new(id, ErrorKind.SecurityError, message);
}
