using StackOps.Core.Errors;

namespace StackOps.Core.Tests;

public sealed class ComponentServiceTests : IDisposable
{
    private readonly TestStore _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public void UpdateMergesConfigurationAndRemovesKeys()
    {
        _store.Engine.Components.Create("artifact_store", "s3", "s3", new Dictionary<string, object?> { ["path"] = "s3://a", ["key"] = "{{ aws.key_id }}" });
        var updated = _store.Engine.Components.Update("artifact_store", "s3", new Dictionary<string, object?> { ["PATH"] = "s3://b" }, ["key"],
            new Dictionary<string, string?> { ["team"] = "ml" });
        Assert.Equal(new Dictionary<string, object?> { ["path"] = "s3://b" }, updated.Configuration);
        Assert.Equal("ml", updated.Labels["team"]);
        var stored = _store.Engine.Components.Get("artifact_store", "s3");
        Assert.Equal("s3://b", stored.Configuration["path"]);
        Assert.False(stored.Configuration.ContainsKey("key"));
    }

    [Fact]
    public void RemovingARequiredKeyIsRefusedAndTheFileIsUnchanged()
    {
        _store.Engine.Components.Create("artifact_store", "s3", "s3", new Dictionary<string, object?> { ["path"] = "s3://a" });
        var before = _store.Snapshot();
        Assert.Equal("MissingConfigurationKey", Assert.Throws<StackOpsException>(() =>
            _store.Engine.Components.Update("artifact_store", "s3", null, ["path"])).ErrorId);
        Assert.Equal(before, _store.Snapshot());
    }

    [Fact]
    public void AComponentInUseCannotBeRemoved()
    {
        _store.AddRemoteStack();
        var error = Assert.Throws<StackOpsException>(() => _store.Engine.Components.Remove("container_registry", "ecr"));
        Assert.Equal("ComponentInUse", error.ErrorId);
        Assert.Contains("'staging'", error.Message);
        Assert.True(File.Exists(_store.File("components/container_registry/ecr.yaml")));
    }

    [Fact]
    public void RenameUpdatesEveryStackThatUsesIt()
    {
        _store.AddRemoteStack("a");
        _store.Engine.Stacks.Copy("a", "b");
        _store.Engine.Components.Rename("orchestrator", "k8s", "eks");
        Assert.Equal("eks", _store.Engine.Stacks.Get("a").Components["orchestrator"]);
        Assert.Equal("eks", _store.Engine.Stacks.Get("b").Components["orchestrator"]);
        Assert.False(File.Exists(_store.File("components/orchestrator/k8s.yaml")));
        Assert.True(_store.Engine.Stacks.Test("a").IsValid);
    }

    [Fact]
    public void CopyKeepsConfigurationUnderANewName()
    {
        _store.Engine.Components.Create("artifact_store", "s3", "s3", new Dictionary<string, object?> { ["path"] = "s3://a" });
        var copy = _store.Engine.Components.Copy("artifact_store", "s3", "s3-copy");
        Assert.Equal("s3://a", copy.Configuration["path"]);
        Assert.Equal("ComponentAlreadyExists", Assert.Throws<StackOpsException>(() => _store.Engine.Components.Copy("artifact_store", "s3", "s3-copy")).ErrorId);
    }

    [Fact]
    public void TheSameNameMayExistOncePerType()
    {
        _store.Engine.Components.Create("orchestrator", "main", "local", new Dictionary<string, object?>());
        _store.Engine.Components.Create("artifact_store", "main", "local", new Dictionary<string, object?>());
        Assert.Equal("AmbiguousName", Assert.Throws<StackOpsException>(() => _store.Engine.Components.Get(null, "main")).ErrorId);
        Assert.Equal("orchestrator", _store.Engine.Components.Get("Orchestrator", "main").Type);
    }
}

/// <summary>Tests that set process environment variables the engine reads run alone, after the parallel ones.</summary>
[CollectionDefinition(nameof(EnvironmentCollection), DisableParallelization = true)]
public sealed class EnvironmentCollection;

public sealed class UnreadableDocumentTests : IDisposable
{
    private readonly TestStore _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public void AnUnreadableStackStopsChangesThatMustSeeEveryStack()
    {
        _store.Engine.Components.Create("orchestrator", "mine", "local", new Dictionary<string, object?>());
        _store.Engine.Stacks.Create("a", new Dictionary<string, string> { ["orchestrator"] = "mine", ["artifact_store"] = "default" });
        // A hand edit broke a stack that may well use 'mine'.
        File.WriteAllText(_store.File("stacks/broken.yaml"), "apiVersion: stackops.io/v1\nkind: Stack\nmetadata: [\n");
        _store.Engine.Stacks.Remove("a", includeComponents: false);
        var before = _store.Snapshot();

        var remove = Assert.Throws<StackOpsException>(() => _store.Engine.Components.Remove("orchestrator", "mine"));
        Assert.Equal("InvalidYaml", remove.ErrorId);
        Assert.Contains("broken.yaml", remove.Message);
        Assert.Contains("nothing was changed", remove.Message);
        Assert.Equal("InvalidYaml", Assert.Throws<StackOpsException>(() => _store.Engine.Components.Rename("orchestrator", "mine", "ours")).ErrorId);
        Assert.Equal(before, _store.Snapshot());
    }

}

[Collection(nameof(EnvironmentCollection))]
public sealed class ActiveStackOverrideTests : IDisposable
{
    private readonly TestStore _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public void TheStoredActiveStackCannotBeRemovedWhileTheVariableHidesIt()
    {
        _store.Engine.Stacks.Create("dev", new Dictionary<string, string> { ["orchestrator"] = "default", ["artifact_store"] = "default" });
        _store.Engine.Stacks.Activate("dev");
        Environment.SetEnvironmentVariable("STACKOPS_ACTIVE_STACK", "default");
        try
        {
            Assert.Equal("ActiveStackRemoval", Assert.Throws<StackOpsException>(() => _store.Engine.Stacks.Remove("dev", false)).ErrorId);
        }
        finally
        {
            Environment.SetEnvironmentVariable("STACKOPS_ACTIVE_STACK", null);
        }
    }
}
