using System.Management.Automation;
using StackOps.Tests.Shared;

namespace StackOps.PowerShell.Tests;

/// <summary>
/// Test- and Sync-StackEnvironment through the module against the loopback GitHub: drift reported
/// with its ids, -WhatIf that writes nothing anywhere, a sync that seals the stage's secret with the
/// environment's public key (libsodium loaded from the module's own dependencies), the CODEOWNERS
/// block, and a second check that finds nothing.
/// </summary>
public sealed class EnvironmentCmdletTests : IDisposable
{
    private const string Commands = "StackOps.PowerShell.Commands";
    private const string MlflowPassword = "mlflow-password-cmdlet-0088";
    private readonly PowerShellSession _ps = new();
    private readonly FakeGitHub _github = new();
    private readonly string? _savedApiUrl = Environment.GetEnvironmentVariable("GITHUB_API_URL");

    public EnvironmentCmdletTests()
    {
        Environment.SetEnvironmentVariable("GITHUB_API_URL", _github.ApiUrl);
        _ps.Ok(SecretCmdletTests.SecureHelper);
        _ps.Ok($$$"""
            $null = Initialize-StackRepository .
            $null = New-StackSecret mlflow -Value @{ password = (S '{{{MlflowPassword}}}') }
            $null = New-StackComponent experiment_tracker mlflow mlflow -Configuration @{ tracking_uri = 'https://mlflow.example.com'; tracking_username = 'ml'; tracking_password = '{{ mlflow.password }}' }
            $null = New-Stack staging -Orchestrator default -ArtifactStore default
            $null = New-Stack production -Orchestrator default -ArtifactStore default -ExperimentTracker mlflow
            Set-StackLifecycle -Stage @{ Name = 'staging'; Stack = 'staging'; Environment = 'staging' },
                @{ Name = 'production'; Stack = 'production'; Environment = 'production'; Gates = @{ Approvals = @{ Count = 1; From = 'alice' }; AllowedRefs = 'refs/tags/v*' } }
            $token = S '{{{FakeGitHub.Token}}}'
            """);
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("GITHUB_API_URL", _savedApiUrl);
        _github.Dispose();
        _ps.Dispose();
    }

    /// <summary>The cmdlets whose -WhatIf these tests cover (they need GitHub to know what would change).</summary>
    public static bool WorksOnGitHub(Type cmdlet) => cmdlet.Name == "SyncStackEnvironmentCommand";

    private static object? Prop(PSObject o, string name) => o.Properties[name].Value;

    [Fact]
    public void DriftIsReportedThenSyncedAndTheSecretIsSealedForGitHubOnly()
    {
        const string Target = $"-Repository {FakeGitHub.Repository} -GitHubToken $token -CodeOwner '@octo-org/platform'";
        var drifts = _ps.Ok($"Test-StackEnvironment {Target}");
        Assert.Equal(["EnvironmentMissing", "EnvironmentMissing", "EnvironmentSecretMissing", "CodeOwnersOutdated"], drifts.Select(d => (string)Prop(d, "Id")!));
        Assert.Equal(false, _ps.Ok($"Test-StackEnvironment {Target} -Quiet").Single().BaseObject);

        var before = _ps.Snapshot();
        Assert.Empty(_ps.Ok($"Sync-StackEnvironment {Target} -WhatIf"));
        Assert.Empty(_github.EnvironmentWrites);
        Assert.Equal(before, _ps.Snapshot());

        var synced = _ps.Ok($"Sync-StackEnvironment {Target}");
        Assert.Equal(4, synced.Count);
        Assert.Equal(MlflowPassword, _github.Open(_github.EnvironmentSecrets["production"]["STACKOPS_SECRET_MLFLOW__PASSWORD"]));
        Assert.Equal(["alice"], _github.Environments["production"].Reviewers);
        Assert.True(_github.Environments["production"].PreventSelfReview);
        Assert.Contains("/.stackops/stacks/production.yaml @octo-org/platform", File.ReadAllText(Path.Combine(_ps.WorkingDirectory, ".github", "CODEOWNERS")));
        Assert.Equal(true, _ps.Ok($"Test-StackEnvironment {Target} -Quiet").Single().BaseObject);
        Assert.DoesNotContain(MlflowPassword, string.Join("\n", _github.Server.Requests.Select(r => r.Body)));
    }

    [Fact]
    public void WithoutARepositoryOrATokenTheErrorSaysWhatToGive()
    {
        var saved = (Environment.GetEnvironmentVariable("GITHUB_REPOSITORY"), Environment.GetEnvironmentVariable("GITHUB_TOKEN"), Environment.GetEnvironmentVariable("GH_TOKEN"));
        try
        {
            Environment.SetEnvironmentVariable("GITHUB_REPOSITORY", null);
            Environment.SetEnvironmentVariable("GITHUB_TOKEN", null);
            Environment.SetEnvironmentVariable("GH_TOKEN", null);
            Assert.Contains("-Repository", _ps.Fails("Test-StackEnvironment -GitHubToken $token", $"GitHubRepositoryMissing,{Commands}.TestStackEnvironmentCommand").ErrorDetails.Message);
            Assert.Contains("-GitHubToken", _ps.Fails($"Sync-StackEnvironment -Repository {FakeGitHub.Repository}", $"GitHubTokenMissing,{Commands}.SyncStackEnvironmentCommand").ErrorDetails.Message);
            _ps.Fails($"Test-StackEnvironment -Repository {FakeGitHub.Repository} -GitHubToken $token -CodeOwner octo-org", $"InvalidCodeOwner,{Commands}.TestStackEnvironmentCommand");
        }
        finally
        {
            Environment.SetEnvironmentVariable("GITHUB_REPOSITORY", saved.Item1);
            Environment.SetEnvironmentVariable("GITHUB_TOKEN", saved.Item2);
            Environment.SetEnvironmentVariable("GH_TOKEN", saved.Item3);
        }
    }
}
