using System.Text.Json;
using StackOps.Tests.Shared;

namespace StackOps.Core.Tests;

/// <summary>
/// The github orchestrator against the loopback GitHub (Octokit, Enterprise Server's /api/v3): a
/// workflow_dispatch with the run's inputs and no secret, the run found, waited for and linked;
/// a failed run; a cancelled one cancelled on GitHub too.
/// </summary>
public sealed class GitHubOrchestratorTests : IDisposable
{
    private readonly TestStore _store = new();
    private readonly FakeGitHub _github = new();
    private StackOpsEngine Engine => _store.Engine;

    public GitHubOrchestratorTests()
    {
        Engine.Connectors.Create("gh", "github", "token", new Dictionary<string, object?> { ["api_url"] = _github.ApiUrl },
            new Dictionary<string, string> { ["token"] = FakeGitHub.Token }, "github-repository", FakeGitHub.Repository);
        Engine.Secrets.Create("tracking", new Dictionary<string, string> { ["token"] = "github-run-secret-0001" });
        Engine.Components.Create("orchestrator", "actions", "github", new Dictionary<string, object?> { ["workflow"] = "train.yml" });
        Engine.Connectors.Connect("orchestrator", "actions", "gh");
        Engine.Components.Create("artifact_store", "s3", "s3", new Dictionary<string, object?> { ["path"] = "s3://ml/artifacts" });
        Engine.Components.Create("container_registry", "ghcr", "default", new Dictionary<string, object?> { ["uri"] = "registry.example.com/ml" });
        Engine.Components.Create("experiment_tracker", "mlflow", "mlflow", new Dictionary<string, object?> { ["tracking_uri"] = "https://mlflow.example.com", ["tracking_token"] = "{{ tracking.token }}" });
        Engine.Stacks.Create("ci", new Dictionary<string, string> { ["orchestrator"] = "actions", ["artifact_store"] = "s3", ["container_registry"] = "ghcr", ["experiment_tracker"] = "mlflow" });
        Engine.Pipelines.Create("training", [], "ml/trainer", command: ["python", "train.py"]);
        Engine.Change((transaction, _) => StackOpsEngine.Write(transaction, new Pipelines.PipelineVersion("training", "1.0.0",
            "sha256:" + new string('0', 63) + "7", "0123abcd", "refs/heads/main", "publisher@example.com", DateTimeOffset.UtcNow, "dev")));
    }

    [Fact]
    public void ADispatchedRunIsWaitedForAndLinked()
    {
        var log = new List<string>();

        var result = Engine.Runs.Run("training", "1.0.0", "ci", [], log.Add, CancellationToken.None);

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal($"https://github.example/{FakeGitHub.Repository}/actions/runs/9000", result.Url);
        var (workflow, reference, inputs) = Assert.Single(_github.Dispatches);
        Assert.Equal(("train.yml", "main"), (workflow, reference));
        var given = JsonDocument.Parse(inputs).RootElement;
        Assert.Equal("registry.example.com/ml/ml/trainer@sha256:" + new string('0', 63) + "7", given.GetProperty("image").GetString());
        Assert.Equal("[\"python\",\"train.py\"]", given.GetProperty("command").GetString());
        Assert.DoesNotContain("github-run-secret-0001", inputs);
        Assert.Contains(log, line => line.Contains("actions/runs/9000", StringComparison.Ordinal));
    }

    [Fact]
    public void AFailedRunFailsTheRun()
    {
        _github.WorkflowConclusion = "failure";

        var result = Engine.Runs.Run("training", "1.0.0", "ci", [], _ => { }, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Contains("concluded: failure", result.Message);
    }

    [Fact]
    public void ACancelledRunIsCancelledOnGitHub()
    {
        _github.WorkflowConclusion = null;
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(4));

        var result = Engine.Runs.Run("training", "1.0.0", "ci", [], _ => { }, cancel.Token);

        Assert.False(result.Succeeded);
        Assert.Contains("cancelled", result.Message);
        Assert.Equal([9000L], _github.CancelledRuns);
    }

    public void Dispose()
    {
        _github.Dispose();
        _store.Dispose();
    }
}
