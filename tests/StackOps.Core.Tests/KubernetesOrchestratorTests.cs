using StackOps.Core.Pipelines;
using StackOps.Tests.Shared;

namespace StackOps.Core.Tests;

/// <summary>
/// The kubernetes orchestrator through KubernetesClient against a loopback API server that speaks the
/// Jobs, Pods, Secrets and pod log API: the Job runs the image by digest with the configuration in a
/// Secret that is deleted after; its log is streamed; a failing Job fails the promotion at run with
/// the target unchanged; cancelling deletes the Job.
/// </summary>
[Collection(nameof(EnvironmentCollection))]
public sealed class KubernetesOrchestratorTests(TwoRegistries registries) : IClassFixture<TwoRegistries>, IDisposable
{
    private readonly TestCertificates _certificates = new();
    private FakeKubernetes? _cluster;

    /// <summary>The promotion world, with production's orchestrator a kubernetes one linked to the loopback cluster.</summary>
    private PromotionWorld World(FakeKubernetes cluster)
    {
        var world = new PromotionWorld(registries);
        world.Engine.Secrets.Create("tracking", new Dictionary<string, string> { ["token"] = "k8s-run-secret-0001" });
        world.Engine.Connectors.Create("cluster", "kubernetes", "token",
            new Dictionary<string, object?> { ["server"] = cluster.Server.BaseAddress.ToString(), ["certificate_authority"] = _certificates.AuthorityPem },
            new Dictionary<string, string> { ["token"] = FakeKubernetes.Token }, "kubernetes-cluster", "ml");
        world.Engine.Components.Create("orchestrator", "k8s", "kubernetes", new Dictionary<string, object?> { ["kubernetes_namespace"] = "ml-runs", ["skip_local_validations"] = true });
        world.Engine.Connectors.Connect("orchestrator", "k8s", "cluster");
        world.Engine.Components.Create("experiment_tracker", "mlflow", "mlflow", new Dictionary<string, object?> { ["tracking_uri"] = "https://mlflow.example.com", ["tracking_token"] = "{{ tracking.token }}" });
        world.Engine.Components.Create("artifact_store", "s3", "s3", new Dictionary<string, object?> { ["path"] = "s3://ml-production/artifacts" });
        world.Engine.Stacks.Update("production", new Dictionary<string, string> { ["orchestrator"] = "k8s", ["artifact_store"] = "s3", ["experiment_tracker"] = "mlflow" });
        world.Engine.Pipelines.Update(PromotionWorld.Pipeline, command: ["python", "train.py", "--epochs", "3"]);
        return world;
    }

    [Fact]
    public void AJobRunsTheImageByDigestWithItsConfigurationInASecretDeletedAfter()
    {
        _cluster = new FakeKubernetes(_certificates);
        _cluster.JobLog.AddRange(["epoch 1/3", "epoch 3/3", "accuracy 0.93"]);
        using var world = World(_cluster);
        var version = world.Publish("1.0.0");
        world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.0.0", "staging", run: _ => new RunResult(true, "smoke"));
        var log = new List<string>();

        var result = world.Engine.Runs.Run(PromotionWorld.Pipeline, "1.0.0", "production", [], log.Add, CancellationToken.None);

        Assert.True(result.Succeeded, result.Message);
        var job = Assert.Single(_cluster.CreatedJobs);
        var container = job["spec"]!["template"]!["spec"]!["containers"]![0]!;
        var image = (string)container["image"]!;
        Assert.EndsWith($"@{version.ImageDigest}", image);
        Assert.Equal(["python", "train.py", "--epochs", "3"], container["command"]!.AsArray().Select(c => (string)c!));
        Assert.Equal("Never", (string)job["spec"]!["template"]!["spec"]!["restartPolicy"]!);
        var secretName = (string)container["envFrom"]![0]!["secretRef"]!["name"]!;
        var secret = _cluster.CreatedSecrets[secretName];
        Assert.Equal("k8s-run-secret-0001", (string)secret["stringData"]!["STACKOPS_EXPERIMENT_TRACKER_TRACKING_TOKEN"]!);
        Assert.DoesNotContain("k8s-run-secret-0001", job.ToJsonString());
        Assert.Empty(_cluster.Secrets);
        Assert.Equal(["epoch 1/3", "epoch 3/3", "accuracy 0.93"], log.Skip(1));
        Assert.All(_cluster.Server.Requests.Where(r => r.Path.Contains("/namespaces/", StringComparison.Ordinal)), r => Assert.Contains("/namespaces/ml-runs/", r.Path));
    }

    [Fact]
    public void AFailingJobFailsThePromotionAtRunAndTheTargetIsUnchanged()
    {
        _cluster = new FakeKubernetes(_certificates) { JobSucceeds = false };
        using var world = World(_cluster);
        world.Publish("1.0.0");
        world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.0.0", "staging", run: _ => new RunResult(true, "smoke"));

        var promotion = world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.0.0", "production");

        Assert.False(promotion.Promoted);
        Assert.Equal("run", promotion.Record.FailedStep!.Name);
        Assert.Contains("BackoffLimitExceeded", promotion.Record.FailedStep.Message);
        Assert.Null(world.CurrentOn("production"));
        Assert.Empty(_cluster.Secrets);
    }

    [Fact]
    public void CancellingARunDeletesItsJob()
    {
        _cluster = new FakeKubernetes(_certificates) { JobSucceeds = null };
        using var world = World(_cluster);
        world.Publish("1.0.0");
        world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.0.0", "staging", run: _ => new RunResult(true, "smoke"));
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(3));

        var result = world.Engine.Runs.Run(PromotionWorld.Pipeline, "1.0.0", "production", [], _ => { }, cancel.Token);

        Assert.False(result.Succeeded);
        Assert.Contains("cancelled", result.Message);
        var deleted = Assert.Single(_cluster.DeletedJobs);
        Assert.StartsWith((string)_cluster.CreatedJobs.Single()["metadata"]!["name"]!, deleted);
        Assert.Contains("propagationPolicy=Background", deleted);
        Assert.Empty(_cluster.Secrets);
    }

    public void Dispose() => _cluster?.Dispose();
}
