using StackOps.Core.Connectors;
using StackOps.Core.Errors;
using StackOps.Tests.Shared;

namespace StackOps.Core.Tests;

/// <summary>Each connector type through its SDK against a loopback server that speaks the service's protocol.</summary>
[Collection(nameof(EnvironmentCollection))]
public sealed class ProviderTests : IDisposable
{
    private readonly TestStore _store = new();

    public void Dispose() => _store.Dispose();

    private ConnectorService Connectors => _store.Engine.Connectors;

    private static StackOpsException Throws(Action action) => Assert.Throws<StackOpsException>(action);

    private static Dictionary<string, object?> Settings(params (string Key, object? Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    private static Dictionary<string, string> Credentials(params (string Key, string Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    [Fact]
    public void GitHubTokenIsVerifiedAndListsRepositories()
    {
        using var github = new FakeGitHub();
        Connectors.Create("gh", "github", "token", Settings(("api_url", github.ApiUrl)), Credentials(("token", FakeGitHub.Token)));
        var repositories = Connectors.Resources("gh", "github-repository").Single();
        Assert.Equal(["octo-org/training", "octo-user/pipelines"], repositories.ResourceIds);
        // An Enterprise Server (any API host but api.github.com) serves its container registry at containers.HOST.
        Assert.Equal(["containers.127.0.0.1"], Connectors.Resources("gh", "container-registry").Single().ResourceIds);
        var login = Connectors.Credential("gh", "container-registry");
        Assert.Equal((FakeGitHub.Login, FakeGitHub.Token), (login.Settings["username"], login.Secrets["password"]));
        Assert.Contains(github.Server.Requests, r => r.Path == "/api/v3/user" && r.Headers["User-Agent"].StartsWith("StackOps", StringComparison.Ordinal));

        var error = Throws(() => Connectors.Create("bad", "github", "token", Settings(("api_url", github.ApiUrl)), Credentials(("token", "ghp_wrongtoken0000"))));
        Assert.Equal("ConnectorVerificationFailed", error.ErrorId);
        Assert.Contains("401 (Bad credentials)", error.Message);
    }

    [Fact]
    public void AGitHubAppSignsAJwtAndGetsInstallationTokens()
    {
        using var github = new FakeGitHub();
        Connectors.Create("app", "github", "github-app", Settings(("api_url", github.ApiUrl), ("app_id", FakeGitHub.AppId)),
            Credentials(("private_key", github.AppPrivateKeyPem)), "github-repository");
        Assert.Equal(["octo-org/training"], Connectors.Resources("app").Single().ResourceIds);
        var credential = Connectors.Credential("app", resourceId: "octo-org/training");
        Assert.StartsWith("ghs_installationtoken", credential.Secrets["token"]);
        Assert.Equal(credential.Secrets["token"], github.IssuedTokens[^1]);
        Assert.InRange(credential.ExpiresAt!.Value, DateTimeOffset.UtcNow.AddMinutes(55), DateTimeOffset.UtcNow.AddMinutes(61));
        var tokenRequest = github.Server.Requests.Last(r => r.Path == $"/api/v3/app/installations/{FakeGitHub.InstallationId}/access_tokens");
        Assert.Equal("POST", tokenRequest.Method);
        Assert.StartsWith("Bearer ey", tokenRequest.Headers["Authorization"]);

        using var otherKey = System.Security.Cryptography.RSA.Create(2048);
        var error = Throws(() => Connectors.Create("wrong-key", "github", "github-app", Settings(("api_url", github.ApiUrl), ("app_id", FakeGitHub.AppId)),
            Credentials(("private_key", otherKey.ExportPkcs8PrivateKeyPem()))));
        Assert.Contains("A JSON web token could not be decoded", error.Message);
        Assert.DoesNotContain("PRIVATE KEY", error.Message);
    }
}
