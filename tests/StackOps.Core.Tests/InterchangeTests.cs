using StackOps.Core.Errors;
using StackOps.Core.Interop;

namespace StackOps.Core.Tests;

public sealed class InterchangeTests : IDisposable
{
    private readonly TestStore _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public void ExportRemoveImportReproducesTheSameStack()
    {
        _store.AddRemoteStack();
        var before = _store.Snapshot();
        var yaml = _store.Engine.Interchange.Export("staging");
        Assert.Contains("kind: Stack\n", yaml);
        Assert.Contains("kind: StackComponent\n", yaml);

        _store.Engine.Stacks.Remove("staging", includeComponents: true);
        Assert.DoesNotContain(before.Keys, k => File.Exists(_store.File(k)));

        var imported = _store.Engine.Interchange.Import(yaml, "export.yaml");
        Assert.Equal(3, imported.Created.Count);
        Assert.Equal(before, _store.Snapshot());
    }

    [Fact]
    public void IdenticalComponentsAreReusedAndAClashNeedsAPrefixOrForce()
    {
        _store.AddRemoteStack();
        var yaml = _store.Engine.Interchange.Export("staging");

        var reused = _store.Engine.Interchange.Import(yaml, "export.yaml", stackName: "staging-2");
        Assert.Equal(3, reused.Reused.Count);
        Assert.Empty(reused.Created);

        _store.Engine.Components.Update("artifact_store", "s3-staging", new Dictionary<string, object?> { ["path"] = "s3://elsewhere" });
        var before = _store.Snapshot();
        var clash = Assert.Throws<StackOpsException>(() => _store.Engine.Interchange.Import(yaml, "export.yaml", stackName: "staging-3"));
        Assert.Equal("ComponentNameConflict", clash.ErrorId);
        Assert.Equal(before, _store.Snapshot());

        var prefixed = _store.Engine.Interchange.Import(yaml, "export.yaml", stackName: "staging-3", componentNamePrefix: "imported-");
        Assert.Equal("imported-s3-staging", prefixed.Stack.Components["artifact_store"]);
        Assert.Equal("s3://ml-staging/artifacts", _store.Engine.Components.Get("artifact_store", "imported-s3-staging").Configuration["path"]);
    }

    [Fact]
    public void ImportingAStackWhoseComponentIsMissingChangesNothing()
    {
        const string yaml = """
            apiVersion: stackops.io/v1
            kind: Stack
            metadata:
              name: orphan
            spec:
              components:
                orchestrator: nowhere
                artifact_store: default
            """;
        Assert.Equal("ImportComponentMissing", Assert.Throws<StackOpsException>(() => _store.Engine.Interchange.Import(yaml, "orphan.yaml")).ErrorId);
        Assert.Empty(_store.Snapshot());
    }

    [Fact]
    public void ZenMLExportsImportAndExportBack()
    {
        const string zenml = """
            stack_name: zen
            components:
              orchestrator:
                flavor: kubernetes
                name: zen-k8s
                configuration:
                  kubernetes_context: prod
              artifact_store:
                flavor: s3
                name: zen-s3
                configuration:
                  path: s3://zen/artifacts
              container_registry:
                flavor: default
                name: zen-registry
                configuration:
                  uri: registry.example.com/zen
            zenml_version: 0.84.0
            """;
        var imported = _store.Engine.Interchange.Import(zenml, "zen.yaml");
        Assert.Equal("zen", imported.Stack.Name);
        Assert.Equal("zen-k8s", imported.Stack.Components["orchestrator"]);

        var exported = _store.Engine.Interchange.Export("zen", ExportFormat.ZenML);
        Assert.Contains("stack_name: zen\n", exported);
        Assert.Contains("zenml_version:", exported);
        _store.Engine.Stacks.Remove("zen", includeComponents: true);
        Assert.Equal(imported.Stack.Components, _store.Engine.Interchange.Import(exported, "again.yaml").Stack.Components);
    }

    [Fact]
    public void OlderZenMLExportsWithIdsAndFlatSettingsImport()
    {
        const string recipe = """
            zenml_version: 0.30.0
            stack_name: gcp_minimal_stack
            components:
              orchestrator:
                id: 6b0f2a8e-3c0a-4f7e-9d55-0e3f4a1c2b7d
                flavor: local
                name: local_orchestrator
              artifact_store:
                id: 0f8b6c1e-9a2d-4a53-8f7c-1d2e3f4a5b6c
                flavor: gcp
                name: gcs_artifact_store
                path: gs://zenml-artifacts
            """;
        var imported = _store.Engine.Interchange.Import(recipe, "recipe.yaml");
        Assert.Equal("gs://zenml-artifacts", _store.Engine.Components.Get("artifact_store", "gcs_artifact_store").Configuration["path"]);
        Assert.DoesNotContain("id", _store.Engine.Components.Get("orchestrator", "local_orchestrator").Configuration.Keys);
        Assert.Equal("gcp_minimal_stack", imported.Stack.Name);
    }

    [Fact]
    public void MalformedYamlIsAClearError()
    {
        var error = Assert.Throws<StackOpsException>(() => _store.Engine.Interchange.Import("stack_name: [unclosed\n", "bad.yaml"));
        Assert.Equal("InvalidYaml", error.ErrorId);
        Assert.StartsWith("bad.yaml, line ", error.Message);
    }
}

public sealed class YamlTextTests
{
    [Theory]
    [InlineData("a: 1\na: 2\n")]
    [InlineData("a: [1, 2\n")]
    [InlineData("a: b: c\n")]
    public void MalformedYamlIsInvalidYamlWithTheSource(string text)
    {
        var error = Assert.Throws<StackOpsException>(() => Yaml.YamlText.Parse(text, "file.yaml"));
        Assert.Equal("InvalidYaml", error.ErrorId);
        Assert.StartsWith("file.yaml", error.Message);
    }

    [Fact]
    public void ScalarsFollowTheCoreSchemaAndQuotedOnesStayText()
    {
        var root = Yaml.YamlText.Parse("a: 1\nb: '1'\nc: true\nd: 'true'\ne: 1.5\nf: ~\ng: text\n", "x").Single();
        var map = (Dictionary<string, object?>)Yaml.YamlText.ToValue(root)!;
        Assert.Equal(new Dictionary<string, object?> { ["a"] = 1L, ["b"] = "1", ["c"] = true, ["d"] = "true", ["e"] = 1.5, ["f"] = null, ["g"] = "text" }, map);
    }

    [Fact]
    public void WritingQuotesTextThatWouldReadAsAnotherType()
    {
        var tree = new Dictionary<string, object?> { ["a"] = "1", ["b"] = "true", ["c"] = "{{ s.k }}", ["d"] = 1L, ["e"] = "null" };
        var back = (Dictionary<string, object?>)Yaml.YamlText.ToValue(Yaml.YamlText.Parse(Yaml.YamlText.Write(tree), "x").Single())!;
        Assert.Equal(tree, back);
    }
}
