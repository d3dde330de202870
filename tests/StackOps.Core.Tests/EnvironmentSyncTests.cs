using StackOps.Core.Errors;
using StackOps.Core.GitHub;
using StackOps.Core.Store;
using StackOps.Tests.Shared;

namespace StackOps.Core.Tests;

/// <summary>
/// The lifecycle made into GitHub environments against the loopback GitHub (Octokit, as on GitHub
/// Enterprise Server): what Sync changes and how, the sealed secret opened with GitHub's private key,
/// a second run that changes nothing, drift reported by Test with its own id, and the CODEOWNERS block.
/// </summary>
public sealed class EnvironmentSyncTests : IDisposable
{
    private const string MlflowPassword = "mlflow-password-sync-0077";
    private readonly string _repository = Directory.CreateTempSubdirectory("stackops-sync-").FullName;
    private readonly StackOpsEngine _engine;
    private readonly FakeGitHub _github = new();

    public EnvironmentSyncTests()
    {
        var store = StackOpsEngine.InitializeRepository(_repository, force: false);
        _engine = new StackOpsEngine(store with { UserHome = Directory.CreateDirectory(Path.Combine(_repository, "home")).FullName });
        _engine.Secrets.Create("mlflow", new Dictionary<string, string> { ["password"] = MlflowPassword });
        _engine.Components.Create("experiment_tracker", "mlflow", "mlflow", new Dictionary<string, object?>
        {
            ["tracking_uri"] = "https://mlflow.example.com", ["tracking_username"] = "ml", ["tracking_password"] = "{{ mlflow.password }}",
        });
        _engine.Stacks.Create("staging", new Dictionary<string, string> { ["orchestrator"] = "default", ["artifact_store"] = "default" });
        _engine.Stacks.Create("production", new Dictionary<string, string> { ["orchestrator"] = "default", ["artifact_store"] = "default", ["experiment_tracker"] = "mlflow" });
        _engine.Pipelines.SetLifecycle("""
            apiVersion: stackops.io/v1
            kind: Lifecycle
            metadata: { name: ml }
            spec:
              stages:
                - name: dev
                  stack: staging
                - name: staging
                  stack: staging
                  environment: staging
                  gates:
                    allowedRefs: [refs/heads/main]
                - name: production
                  stack: production
                  environment: production
                  gates:
                    approvals: { count: 1, from: [alice, octo-org/platform] }
                    soakTime: 2h
                    allowedRefs: [refs/tags/v*, refs/heads/release/**]
            """, "lifecycle");
        _github.Environments["production"] = (77, ["bob"], false);
    }

    public void Dispose()
    {
        _github.Dispose();
        Directory.Delete(_repository, recursive: true);
    }

    private EnvironmentSync Sync() => _engine.EnvironmentSync(new GitHubApi(FakeGitHub.Token, _github.ApiUrl, TimeSpan.Zero), GitHubRepository.Parse(FakeGitHub.Repository));

    [Fact]
    public void TestReportsEachDifferenceWithItsOwnIdAndChangesNothing()
    {
        var drifts = Sync().Test();
        Assert.Equal(
        [
            "staging EnvironmentMissing",
            "production EnvironmentReviewersDiffer", "production EnvironmentSelfReviewDiffers", "production EnvironmentWaitTimerDiffers",
            "production EnvironmentBranchPolicyDiffers", "production EnvironmentSecretMissing",
        ], drifts.Select(d => $"{d.Environment} {d.Id}"));
        var reviewers = drifts.Single(d => d.Id == "EnvironmentReviewersDiffer");
        Assert.Equal(("alice, octo-org/platform", "bob"), (reviewers.Expected, reviewers.Actual));
        Assert.Equal("STACKOPS_SECRET_MLFLOW__PASSWORD", drifts.Single(d => d.Id == "EnvironmentSecretMissing").Expected);
        Assert.Equal(("branch release/**, tag v*", "any ref"), drifts.Where(d => d.Id == "EnvironmentBranchPolicyDiffers").Select(d => (d.Expected, d.Actual)).Single());
        Assert.Empty(_github.EnvironmentWrites);
    }

    [Fact]
    public void SyncMakesGitHubMatchTheLifecycleAndASecondRunChangesNothing()
    {
        var applied = Sync().Apply(null, (_, _) => true);
        Assert.Equal(6, applied.Count);

        var production = _github.Environments["production"];
        Assert.Equal((77L, true), (production.Id, production.PreventSelfReview));
        Assert.Equal(["alice", "team:platform"], production.Reviewers.Order());
        Assert.Equal(120, _github.WaitTimers["production"]);
        Assert.Equal(["branch release/**", "tag v*"], _github.BranchPolicies["production"].Select(p => $"{p.Type} {p.Name}").Order());
        Assert.Equal(["branch main"], _github.BranchPolicies["staging"].Select(p => $"{p.Type} {p.Name}"));
        Assert.Equal((false, 0), (_github.Environments["staging"].PreventSelfReview, _github.WaitTimers["staging"]));
        var sealedValue = _github.EnvironmentSecrets["production"]["STACKOPS_SECRET_MLFLOW__PASSWORD"];
        Assert.DoesNotContain(MlflowPassword, string.Join("\n", _github.Server.Requests.Select(r => r.Body)));
        Assert.Equal(MlflowPassword, _github.Open(sealedValue));

        var writes = _github.EnvironmentWrites.Count;
        Assert.Empty(Sync().Test());
        Assert.Empty(Sync().Apply(null, (_, _) => true));
        Assert.Equal(writes, _github.EnvironmentWrites.Count);

        _github.WaitTimers["production"] = 5;
        _github.BranchPolicies["production"].Add((999, "feature/*", "branch"));
        Assert.Equal(["EnvironmentWaitTimerDiffers", "EnvironmentBranchPolicyDiffers"], Sync().Test("production").Select(d => d.Id));
        Sync().Apply("production", (_, _) => true);
        Assert.Empty(Sync().Test());
        Assert.Contains(_github.EnvironmentWrites, w => w.EndsWith("/deployment-branch-policies/999"));
    }

    [Fact]
    public void NothingChangesWhenTheChangeIsDeclinedAndAnUnknownApproverIsNamed()
    {
        Assert.Empty(Sync().Apply(null, (_, _) => false));
        Assert.Empty(_github.EnvironmentWrites);

        Assert.Equal("StageWithoutEnvironment", Assert.Throws<StackOpsException>(() => Sync().Test("dev")).ErrorId);

        _github.Accounts.Remove("alice");
        var unknown = Assert.Throws<StackOpsException>(() => Sync().Apply("production", (_, _) => true));
        Assert.Equal("GitHubReviewerUnknown", unknown.ErrorId);
        Assert.Contains("'alice'", unknown.Message);
        Assert.Empty(_github.EnvironmentWrites);
    }

    [Fact]
    public void TheCodeOwnersBlockGuardsConnectorsTheLifecycleAndProtectedStagesAndKeepsOtherRules()
    {
        var file = Path.Combine(_repository, ".github", "CODEOWNERS");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, "* @octo-org/everyone\n/docs/ @octo-org/writers\n");
        Assert.Equal("missing", CodeOwners.Drift(_engine, ["@octo-org/platform"])!.Actual);

        CodeOwners.Apply(_engine, ["@octo-org/platform"]);
        var text = File.ReadAllText(file);
        Assert.StartsWith("* @octo-org/everyone\n/docs/ @octo-org/writers\n\n# BEGIN StackOps", text);
        Assert.Contains("/.stackops/connectors/ @octo-org/platform\n", text);
        Assert.Contains("/.stackops/lifecycle.yaml @octo-org/platform\n", text);
        Assert.Contains("/.stackops/stacks/production.yaml @octo-org/platform\n", text);
        Assert.Contains("/.stackops/components/experiment_tracker/mlflow.yaml @octo-org/platform\n", text);
        Assert.DoesNotContain("stacks/staging.yaml", text);
        Assert.Null(CodeOwners.Drift(_engine, ["@octo-org/platform"]));

        Assert.Equal("different", CodeOwners.Drift(_engine, ["@octo-org/ml-leads"])!.Actual);
        CodeOwners.Apply(_engine, ["@octo-org/ml-leads"]);
        Assert.Equal(1, File.ReadAllText(file).Split("# BEGIN StackOps").Length - 1);
        Assert.Equal("InvalidCodeOwner", Assert.Throws<StackOpsException>(() => CodeOwners.Drift(_engine, ["octo-org/platform"])).ErrorId);
    }
}
