using StackOps.Core.Errors;
using StackOps.Core.Pipelines;
using StackOps.Tests.Shared;

namespace StackOps.Core.Tests;

/// <summary>A clock the tests move; like any clock it also ticks (a millisecond a reading), so events never share an instant.</summary>
public sealed class TestClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; private set; } = now;
    public override DateTimeOffset GetUtcNow() => Now = Now.AddMilliseconds(1);
    public void Advance(TimeSpan by) => Now += by;
}

/// <summary>A store with dev → staging → production stacks over two real registries, a lifecycle and a pipeline.</summary>
public sealed class PromotionWorld : IDisposable
{
    public const string Pipeline = "training";
    public const string Repository = "ml/trainer";

    public PromotionWorld(TwoRegistries registries, string productionGates = "", string? productionHost = null)
    {
        Registries = registries;
        Prefix = "t" + Guid.NewGuid().ToString("N")[..8];
        Engine.Clock = Clock;
        Environment.SetEnvironmentVariable(Identity.Variable, "publisher@example.com");
        var shared = registries.Shared;
        var production = registries.Production;
        Engine.Connectors.Create("registry-shared", "docker", "password", new Dictionary<string, object?> { ["username"] = shared.UserName },
            new Dictionary<string, string> { ["password"] = shared.UserPassword }, "docker-registry", shared.Host);
        Engine.Connectors.Create("registry-production", "docker", "password", new Dictionary<string, object?> { ["username"] = production.UserName },
            new Dictionary<string, string> { ["password"] = production.UserPassword }, "docker-registry", productionHost ?? production.Host, verify: productionHost is null);
        foreach (var (stage, host, connector) in new[] { ("dev", shared.Host, "registry-shared"), ("staging", shared.Host, "registry-shared"), ("production", productionHost ?? production.Host, "registry-production") })
        {
            Engine.Components.Create("container_registry", $"{stage}-registry", "default", new Dictionary<string, object?> { ["uri"] = $"{host}/{Prefix}/{stage}" });
            Engine.Connectors.Connect("container_registry", $"{stage}-registry", connector);
            Engine.Stacks.Create(stage, new Dictionary<string, string> { ["orchestrator"] = "default", ["artifact_store"] = "default", ["container_registry"] = $"{stage}-registry" });
        }
        Engine.Pipelines.SetLifecycle($"""
            apiVersion: stackops.io/v1
            kind: Lifecycle
            metadata: {"{"} name: ml {"}"}
            spec:
              stages:
                - name: dev
                  stack: dev
                - name: staging
                  stack: staging
                  environment: staging
                  gates:
                    requireVerifiedConnectors: true
                - name: production
                  stack: production
                  environment: production
            {productionGates}
            """, "lifecycle");
        Engine.Pipelines.Create(Pipeline, [new PipelineRequirement("container_registry", [])], Repository);
    }

    public TwoRegistries Registries { get; }
    public string Prefix { get; }
    public TestStore Store { get; } = new();
    public StackOpsEngine Engine => Store.Engine;
    public TestClock Clock { get; } = new(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));

    public string Repo(string stage) => $"{Prefix}/{stage}/{Repository}";

    /// <summary>Pushes an image to the dev repository and publishes it as a version.</summary>
    public PipelineVersion Publish(string version, string sourceRef = "refs/heads/main", params string[] layers)
    {
        Registries.Shared.Push(Repo("dev"), version, layers.Length > 0 ? layers : [$"layer a of {version}", $"layer b of {version}", $"layer c of {version}"]);
        return Engine.Pipelines.Publish(Pipeline, version, sourceRevision: "0123abcd", sourceRef: sourceRef);
    }

    public string? CurrentOn(string stage) => Engine.Pipelines.Status(Pipeline, stage).Single().Version;

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(Identity.Variable, null);
        Store.Dispose();
    }
}

[Collection(nameof(EnvironmentCollection))]
public sealed class PromotionTests(TwoRegistries registries) : IClassFixture<TwoRegistries>
{
    private static StackOpsException Throws(Action action) => Assert.Throws<StackOpsException>(action);

    [Fact]
    public void APromotionCopiesMountsAndReusesLayersAndRecordsEveryStep()
    {
        using var world = new PromotionWorld(registries);
        var v1 = world.Publish("1.0.0");
        Assert.Equal("1.0.0", world.CurrentOn("dev"));

        // dev → staging: the same registry, so every blob is mounted, none uploaded.
        var staging = world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.0.0", "staging");
        Assert.True(staging.Promoted, staging.Record.FailedStep?.Message);
        Assert.Equal(["version", "requirements", "stack", "approvals", "soakTime", "allowedRefs", "freezeWindows", "image", "run", "current"], staging.Record.Steps.Select(s => s.Name));
        Assert.Equal(4, registries.Shared.MountsInto(world.Repo("staging")));
        Assert.Equal(0, registries.Shared.UploadsInto(world.Repo("staging")));
        Assert.Equal(v1.ImageDigest, DockerRegistry.Digest(registries.Shared.Manifest(world.Repo("staging"), v1.ImageDigest)));
        Assert.Equal("1.0.0", world.CurrentOn("staging"));

        // staging → production: another registry, every blob uploaded, the same manifest digest served there.
        var production = world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.0.0", "production");
        Assert.True(production.Promoted, production.Record.FailedStep?.Message);
        Assert.Equal(4, registries.Production.UploadsInto(world.Repo("production")));
        Assert.Equal(v1.ImageDigest, DockerRegistry.Digest(registries.Production.Manifest(world.Repo("production"), v1.ImageDigest)));
        Assert.Equal($"{registries.Production.Host}/{world.Repo("production")}@{v1.ImageDigest}", production.Record.Image);
        // Tagged with its version there too, as it was on the first stage.
        Assert.Equal(v1.ImageDigest, DockerRegistry.Digest(registries.Production.Manifest(world.Repo("production"), "1.0.0")));
        Assert.Equal(v1.ImageDigest, DockerRegistry.Digest(registries.Shared.Manifest(world.Repo("staging"), "1.0.0")));
        Assert.Contains($"@{v1.ImageDigest}, tagged 1.0.0:", production.Record.Steps.Single(s => s.Name == "image").Message);

        // A version that shares two layers (and its config) with the first uploads only what is new: one layer.
        world.Publish("1.1.0", "refs/heads/main", "layer a of 1.0.0", "layer b of 1.0.0", "layer c of 1.1.0");
        Assert.True(world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.1.0", "staging").Promoted);
        var shared = world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.1.0", "production");
        Assert.True(shared.Promoted);
        Assert.Equal(4 + 1, registries.Production.UploadsInto(world.Repo("production")));
        Assert.Contains("1 blob(s) copied", shared.Record.Steps.Single(s => s.Name == "image").Message);
        Assert.Contains("3 already there", shared.Record.Steps.Single(s => s.Name == "image").Message);

        // Promoting what is current does nothing and says so; rolling back is one promotion of an earlier version.
        var again = world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.1.0", "production");
        Assert.Equal((false, "already-current"), (again.Promoted, again.Reason));
        var rollback = world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.0.0", "production");
        Assert.Equal((true, "rolled-back"), (rollback.Promoted, rollback.Reason));
        Assert.True(rollback.Record.IsRollback);
        Assert.Equal("1.0.0", world.CurrentOn("production"));
        Assert.Equal(5, registries.Production.UploadsInto(world.Repo("production")));

        var history = world.Engine.Promotions.History(PromotionWorld.Pipeline, stage: "production").Items;
        Assert.Equal(["1.0.0", "1.1.0", "1.0.0"], history.Select(r => r.Version));
        Assert.All(history, r => Assert.Equal(PromotionState.Succeeded, r.State));
        Assert.Contains("promotions", history[0].Path);
    }

    [Fact]
    public void AVersionIsPromotableFromAStageWhereItWasCurrentEvenOnceReplaced()
    {
        using var world = new PromotionWorld(registries, "      gates:\n        soakTime: 2h\n");
        world.Publish("1.0.0");
        world.Clock.Advance(TimeSpan.FromMinutes(10));
        world.Publish("1.1.0");
        Assert.Equal("1.1.0", world.CurrentOn("dev"));

        var older = world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.0.0", "staging");
        Assert.True(older.Promoted, older.Record.FailedStep?.Message);
        Assert.StartsWith("1.0.0 was current on 'dev' from 2026-11-25 09:00:00Z until 1.1.0 replaced it", older.Record.Steps.Single(s => s.Name == "version").Message);
        Assert.Equal("1.0.0", world.CurrentOn("staging"));

        // Production asks for 2 h on staging: 1.0.0 soaks there until 1.1.0 replaces it after 1 h, and then it never can.
        world.Clock.Advance(TimeSpan.FromHours(1));
        Assert.Contains("promote after", world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.0.0", "production").Record.FailedStep!.Message);
        Assert.True(world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.1.0", "staging").Promoted);
        world.Clock.Advance(TimeSpan.FromHours(3));
        var replaced = world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.0.0", "production").Record.FailedStep!;
        Assert.Equal("soakTime", replaced.Name);
        Assert.Contains("before 1.1.0 replaced it. Make it current there again (Invoke-StackPromotion training 1.0.0 -To staging) and promote it 2h later.", replaced.Message);
        Assert.True(world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.0.0", "staging").Promoted);
        world.Clock.Advance(TimeSpan.FromHours(2));
        var promoted = world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.0.0", "production");
        Assert.True(promoted.Promoted, promoted.Record.FailedStep?.Message);
    }

    [Fact]
    public void AMultiPlatformIndexIsCopiedWithItsManifests()
    {
        using var world = new PromotionWorld(registries);
        var index = registries.Shared.PushIndex(world.Repo("dev"), "2.0.0", ("amd64", ["amd64 layer"]), ("arm64", ["arm64 layer"]));
        Assert.Equal(index, world.Engine.Pipelines.Publish(PromotionWorld.Pipeline, "2.0.0").ImageDigest);
        world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "2.0.0", "staging");
        var production = world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "2.0.0", "production");
        Assert.True(production.Promoted, production.Record.FailedStep?.Message);
        Assert.Contains("3 manifest(s) pushed", production.Record.Steps.Single(s => s.Name == "image").Message);
        Assert.Equal(index, DockerRegistry.Digest(registries.Production.Manifest(world.Repo("production"), index)));
        Assert.Equal(index, DockerRegistry.Digest(registries.Production.Manifest(world.Repo("production"), "2.0.0")));
    }

    [Fact]
    public void ARegistryThatDiesMidCopyFailsThePromotionAndARetryCompletesIt()
    {
        using var proxy = new FlakyProxy(registries.Production.Host);
        using var world = new PromotionWorld(registries, productionHost: proxy.Server.HostAndPort);
        // Twelve layers and a config: more blobs than the copy moves at once, so the registry dies with some still to go.
        world.Publish("1.0.0", "refs/heads/main", [.. Enumerable.Range(1, 12).Select(i => $"layer {i} of a large image")]);
        world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.0.0", "staging");

        proxy.FailAfterUploads(2);
        var failed = world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.0.0", "production");
        Assert.False(failed.Promoted);
        Assert.Equal(PromotionState.Failed, failed.Record.State);
        Assert.Equal("image", failed.Record.FailedStep!.Name);
        Assert.Null(world.CurrentOn("production"));
        Assert.InRange(registries.Production.UploadsInto(world.Repo("production")), 2, 12);

        proxy.Heal();
        var retried = world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.0.0", "production");
        Assert.True(retried.Promoted, retried.Record.FailedStep?.Message);
        Assert.Equal(13, registries.Production.UploadsInto(world.Repo("production")));
        // The retry uploads only what the failed attempt had not: together they upload every blob once.
        var message = retried.Record.Steps.Single(s => s.Name == "image").Message;
        var copied = int.Parse(System.Text.RegularExpressions.Regex.Match(message, @"(\d+) blob\(s\) copied").Groups[1].Value);
        var there = int.Parse(System.Text.RegularExpressions.Regex.Match(message, @"(\d+) already there").Groups[1].Value);
        Assert.Equal(13, copied + there);
        Assert.InRange(there, 2, 12);
        Assert.Equal("1.0.0", world.CurrentOn("production"));
    }

    [Fact]
    public void ADigestMismatchAfterTheCopyFailsIt()
    {
        using var proxy = new FlakyProxy(registries.Production.Host) { MisreportDigests = true };
        using var world = new PromotionWorld(registries, productionHost: proxy.Server.HostAndPort);
        world.Publish("1.0.0");
        world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.0.0", "staging");
        var failed = world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.0.0", "production");
        Assert.Equal("image", failed.Record.FailedStep!.Name);
        Assert.Contains("does not match the source", failed.Record.FailedStep.Message);
        Assert.Null(world.CurrentOn("production"));
    }

    [Fact]
    public void GatesRefuseWithWhatWouldSatisfyThem()
    {
        using var world = new PromotionWorld(registries, """
                  gates:
                    approvals: { count: 2, from: [alice@example.com, bob@example.com, carol@example.com] }
                    soakTime: 24h
                    allowedRefs: [refs/tags/v*]
                    freezeWindows:
                      - { name: weekend, days: [Saturday, Sunday] }
            """);
        world.Publish("1.0.0", "refs/heads/feature/x");
        world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.0.0", "staging");
        var first = world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.0.0", "production");
        var failures = first.Record.Steps.Where(s => s.Outcome == StepOutcome.Failed).ToDictionary(s => s.Name, s => s.Message);
        Assert.Equal(["approvals", "soakTime", "allowedRefs"], failures.Keys);
        Assert.Contains("0 of 2", failures["approvals"]);
        Assert.Contains("Request-StackPromotion", failures["approvals"]);
        Assert.Contains("promote after 2026-11-26 09:00:00Z", failures["soakTime"]);
        Assert.Contains("refs/heads/feature/x is not allowed", failures["allowedRefs"]);
        Assert.Equal("ApprovalGateNotMet", PromotionService.ErrorIdOf(first.Record.FailedStep!));
        Assert.Null(world.CurrentOn("production"));

        // A version from a tag, a day later, on a Saturday: the freeze window holds it.
        world.Publish("1.1.0", "refs/tags/v1.1.0");
        world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.1.0", "staging");
        world.Clock.Advance(TimeSpan.FromDays(3));
        var request = world.Engine.Promotions.Request(PromotionWorld.Pipeline, "1.1.0", "production");
        Assert.Equal(PromotionState.Pending, request.State);
        Assert.Equal("SelfApprovalForbidden", Throws(() => world.Engine.Promotions.Decide(request.Id, null, null, null, true, null)).ErrorId);
        Environment.SetEnvironmentVariable(Identity.Variable, "mallory@example.com");
        Assert.Equal("ApproverNotAllowed", Throws(() => world.Engine.Promotions.Decide(request.Id, null, null, null, true, null)).ErrorId);
        Environment.SetEnvironmentVariable(Identity.Variable, "alice@example.com");
        world.Engine.Promotions.Decide(null, PromotionWorld.Pipeline, "1.1.0", "production", true, "looks good");
        Assert.Equal("AlreadyDecided", Throws(() => world.Engine.Promotions.Decide(request.Id, null, null, null, true, null)).ErrorId);
        var oneApproval = world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.1.0", "production");
        Assert.Contains("1 of 2 (alice@example.com)", oneApproval.Record.Steps.Single(s => s.Name == "approvals").Message);
        Environment.SetEnvironmentVariable(Identity.Variable, "bob@example.com");
        world.Engine.Promotions.Decide(request.Id, null, null, null, true, null);
        Assert.Equal(DayOfWeek.Saturday, world.Clock.Now.DayOfWeek);
        var frozen = world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.1.0", "production");
        Assert.Equal("freezeWindows", frozen.Record.FailedStep!.Name);
        Assert.Contains("in effect until 2026-11-30 00:00:00Z", frozen.Record.FailedStep.Message);

        world.Clock.Advance(TimeSpan.FromDays(2));
        var promoted = world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.1.0", "production");
        Assert.True(promoted.Promoted, promoted.Record.FailedStep?.Message);
        Assert.Equal(["alice@example.com", "bob@example.com"], promoted.Record.Approvers);
        Assert.Equal(PromotionState.Fulfilled, world.Engine.Promotions.History(PromotionWorld.Pipeline).Items.Single(r => r.Id == request.Id).State);
        Assert.Equal("1.1.0", world.CurrentOn("production"));
    }

    [Fact]
    public void ADeniedPromotionStaysDenied()
    {
        using var world = new PromotionWorld(registries, "      gates:\n        approvals: { count: 1 }\n");
        world.Publish("1.0.0");
        world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.0.0", "staging");
        var request = world.Engine.Promotions.Request(PromotionWorld.Pipeline, "1.0.0", "production");
        Environment.SetEnvironmentVariable(Identity.Variable, "carol@example.com");
        var denied = world.Engine.Promotions.Decide(request.Id, null, null, null, false, "not this week");
        Assert.Equal(PromotionState.Denied, denied.State);
        Assert.Equal("PromotionNotPending", Throws(() => world.Engine.Promotions.Decide(request.Id, null, null, null, true, null)).ErrorId);
        Assert.Contains("0 of 1", world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.0.0", "production").Record.FailedStep!.Message);
    }

    [Fact]
    public void TheRunStepGetsTheTargetsConfigurationAndItsFailureFailsThePromotion()
    {
        using var world = new PromotionWorld(registries);
        world.Engine.Secrets.Create("mlflow", new Dictionary<string, string> { ["password"] = "run-step-secret-0001" });
        world.Engine.Components.Create("experiment_tracker", "mlflow", "mlflow", new Dictionary<string, object?> { ["tracking_uri"] = "https://mlflow.example.com", ["tracking_password"] = "{{ mlflow.password }}" });
        world.Engine.Stacks.Update("staging", new Dictionary<string, string> { ["experiment_tracker"] = "mlflow" });
        var v1 = world.Publish("1.0.0");
        IReadOnlyDictionary<string, string>? seen = null;
        var outcome = world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.0.0", "staging", run: context =>
        {
            seen = context.Environment;
            return new RunResult(true, "trained");
        });
        Assert.True(outcome.Promoted);
        Assert.Equal("staging", seen!["STACKOPS_STACK"]);
        Assert.Equal($"{registries.Shared.Host}/{world.Repo("staging")}@{v1.ImageDigest}", seen["STACKOPS_IMAGE"]);
        Assert.Equal("run-step-secret-0001", seen["STACKOPS_EXPERIMENT_TRACKER_TRACKING_PASSWORD"]);
        Assert.Equal($"{registries.Shared.Host}/{world.Prefix}/staging", seen["STACKOPS_CONTAINER_REGISTRY_URI"]);

        var failing = world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.0.0", "production", run: _ => new RunResult(false, "exit code 3 with run-step-secret-0001"));
        Assert.Equal("run", failing.Record.FailedStep!.Name);
        Assert.DoesNotContain("run-step-secret-0001", failing.Record.FailedStep.Message);
        Assert.Null(world.CurrentOn("production"));
    }

    [Fact]
    public void APipelineThatDeclaresItsCommandRunsOnTheTargetStacksOrchestrator()
    {
        using var world = new PromotionWorld(registries);
        var log = Path.Combine(world.Store.Root, "run.log");
        world.Engine.Pipelines.Update(PromotionWorld.Pipeline, command: ["/bin/sh", "-c", $"echo \"$STACKOPS_STAGE $STACKOPS_IMAGE\" > '{log}'; test \"$STACKOPS_STAGE\" = staging"]);
        var v1 = world.Publish("1.0.0");

        var staging = world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.0.0", "staging");

        Assert.True(staging.Promoted, staging.Record.FailedStep?.Message);
        Assert.Equal(StepOutcome.Passed, staging.Record.Steps.Single(s => s.Name == "run").Outcome);
        Assert.Equal($"staging {registries.Shared.Host}/{world.Repo("staging")}@{v1.ImageDigest}", File.ReadAllText(log).Trim());

        var production = world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.0.0", "production");

        Assert.Equal("run", production.Record.FailedStep!.Name);
        Assert.Contains("exited with code 1", production.Record.FailedStep.Message);
        Assert.Null(world.CurrentOn("production"));
        Assert.Equal(["/bin/sh", "-c"], world.Engine.Pipelines.Get(PromotionWorld.Pipeline).Command.Take(2));
    }

    [Fact]
    public void BadInputIsAClearErrorAndChangesNothing()
    {
        using var world = new PromotionWorld(registries);
        world.Publish("1.0.0");
        var before = world.Store.Snapshot();
        Assert.Equal("PipelineNotFound", Throws(() => world.Engine.Promotions.Invoke("nope", "1.0.0", "staging")).ErrorId);
        Assert.Equal("VersionNotFound", Throws(() => world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "9.9.9", "staging")).ErrorId);
        Assert.Equal("StageNotFound", Throws(() => world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.0.0", "qa")).ErrorId);
        Assert.Equal("StageSkipped", Throws(() => world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.0.0", "production", from: "dev")).ErrorId);
        Assert.Equal("FirstStage", Throws(() => world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.0.0", "dev")).ErrorId);
        Assert.Equal("PipelineVersionAlreadyExists", Throws(() => world.Engine.Pipelines.Publish(PromotionWorld.Pipeline, "1.0.0")).ErrorId);
        Assert.Equal("ImageNotFound", Throws(() => world.Engine.Pipelines.Publish(PromotionWorld.Pipeline, "3.0.0")).ErrorId);
        Assert.Equal(before, world.Store.Snapshot());

        // Not current on the source: recorded as a failed attempt at the version step; production unchanged.
        var early = world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.0.0", "production");
        Assert.Equal(("version", "VersionNotCurrent"), (early.Record.FailedStep!.Name, PromotionService.ErrorIdOf(early.Record.FailedStep)));
        Assert.Contains("has never been current on 'staging' (it has no version yet). Promote it there first: Invoke-StackPromotion training 1.0.0 -To staging.", early.Record.FailedStep.Message);
        Assert.Equal("EmptyArgument", Throws(() => world.Engine.Pipelines.Publish(PromotionWorld.Pipeline, "4.0.0", sourceRevision: "")).ErrorId);
        Assert.Contains("-SourceRef is empty", Throws(() => world.Engine.Pipelines.Publish(PromotionWorld.Pipeline, "4.0.0", sourceRef: " ")).Message);

        // A target missing what the pipeline needs, and a secret reference that does not resolve.
        world.Engine.Pipelines.Remove(PromotionWorld.Pipeline);
        world.Engine.Pipelines.Create(PromotionWorld.Pipeline, [new PipelineRequirement("container_registry", []), new PipelineRequirement("experiment_tracker", ["mlflow"])], PromotionWorld.Repository);
        world.Publish("1.0.0");
        var missing = world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.0.0", "staging");
        Assert.Equal("requirements", missing.Record.FailedStep!.Name);
        Assert.Contains("no experiment_tracker (mlflow)", missing.Record.FailedStep.Message);
        world.Engine.Components.Create("experiment_tracker", "mlflow", "mlflow", new Dictionary<string, object?> { ["tracking_password"] = "{{ mlflow.password }}" });
        world.Engine.Stacks.Update("staging", new Dictionary<string, string> { ["experiment_tracker"] = "mlflow" });
        var unresolved = world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.0.0", "staging");
        Assert.Equal("stack", unresolved.Record.FailedStep!.Name);
        Assert.Contains("{{ mlflow.password }}", unresolved.Record.FailedStep.Message);
        Assert.Null(world.CurrentOn("staging"));
    }

    [Fact]
    public void ARegistryThatRefusesTheCredentialsFailsTheCopy()
    {
        using var world = new PromotionWorld(registries);
        world.Publish("1.0.0");
        world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.0.0", "staging");
        world.Engine.Connectors.Update("registry-production", secretValues: new Dictionary<string, string> { ["password"] = "not-the-password" }, verify: false);
        var failed = world.Engine.Promotions.Invoke(PromotionWorld.Pipeline, "1.0.0", "production");
        Assert.Equal("image", failed.Record.FailedStep!.Name);
        Assert.True(failed.Record.FailedStep.Message.Contains("UNAUTHORIZED"), failed.Record.FailedStep.Message);
        Assert.DoesNotContain("not-the-password", failed.Record.FailedStep.Message);
    }

    [Fact]
    public void ThePlanEvaluatesEveryCheckAndChangesNothing()
    {
        using var world = new PromotionWorld(registries);
        world.Publish("1.0.0");
        var before = world.Store.Snapshot();
        var plan = world.Engine.Promotions.Plan(PromotionWorld.Pipeline, "1.0.0", "staging");
        Assert.Equal(["version", "requirements", "stack", "approvals", "soakTime", "allowedRefs", "freezeWindows", "image", "current"], plan.Select(s => s.Name));
        Assert.Contains("would copy", plan.Single(s => s.Name == "image").Message);
        Assert.Equal(before, world.Store.Snapshot());
        Assert.Equal(0, registries.Shared.MountsInto(world.Repo("staging")));
    }

    [Theory]
    [InlineData("refs/tags/v*", "refs/tags/v1.2.0", true)]
    [InlineData("refs/tags/v*", "refs/tags/release/v1", false)]
    [InlineData("refs/heads/release/**", "refs/heads/release/2026/q4", true)]
    [InlineData("refs/heads/main", "refs/heads/main-fix", false)]
    public void RefPatterns(string pattern, string reference, bool matches) => Assert.Equal(matches, PromotionService.RefMatches(pattern, reference));
}
