using StackOps.Core.Errors;
using StackOps.Core.Model;

namespace StackOps.Core.Tests;

public sealed class StackServiceTests : IDisposable
{
    private readonly TestStore _store = new();

    public void Dispose() => _store.Dispose();

    private static Dictionary<string, string> Local(string orchestrator = "default", string artifactStore = "default") =>
        new() { ["orchestrator"] = orchestrator, ["artifact_store"] = artifactStore };

    [Fact]
    public void EveryStoreHasTheDefaultStackWhichIsActiveAndNeverWritten()
    {
        var stack = Assert.Single(_store.Engine.Stacks.List().Items);
        Assert.True(stack.IsDefault);
        Assert.True(stack.IsActive);
        Assert.Equal("default", stack.Components["orchestrator"]);
        Assert.Empty(_store.Snapshot());
    }

    [Fact]
    public void CreateWritesOneReviewableDocument()
    {
        _store.Engine.Stacks.Create("dev", Local(), new Dictionary<string, string?> { ["team"] = "ml" });
        var text = File.ReadAllText(_store.File("stacks/dev.yaml"));
        Assert.Equal("""
            apiVersion: stackops.io/v1
            kind: Stack
            metadata:
              name: dev
              labels:
                team: ml
            spec:
              components:
                orchestrator: default
                artifact_store: default

            """.ReplaceLineEndings("\n"), text);
    }

    [Theory]
    [InlineData("../evil")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("line\nbreak")]
    [InlineData("")]
    [InlineData(".shadow")]
    [InlineData("-flag")]
    [InlineData("trailing.")]
    [InlineData("with space")]
    [InlineData("st\u0430ging")]
    [InlineData("staging\u200b")]
    [InlineData("\u202egnigats")]
    [InlineData("con")]
    [InlineData("NUL.txt")]
    [InlineData("{{ aws.key }}")]
    public void BadNamesAreRefusedAndNothingIsWritten(string name)
    {
        var error = Assert.Throws<StackOpsException>(() => _store.Engine.Stacks.Create(name, Local()));
        Assert.Equal("InvalidName", error.ErrorId);
        Assert.DoesNotContain('\n', error.Message);
        Assert.All(error.Message, c => Assert.InRange(c, ' ', '~'));
        Assert.Empty(_store.Snapshot());
    }

    [Fact]
    public void ANameLongEnoughToOverflowAPathIsRefusedAndTheLongestAllowedWorks()
    {
        Assert.Equal("InvalidName", Assert.Throws<StackOpsException>(() => _store.Engine.Stacks.Create(new string('a', NameRules.MaxLength + 1), Local())).ErrorId);
        var longest = _store.Engine.Stacks.Create(new string('a', NameRules.MaxLength), Local());
        Assert.True(File.Exists(longest.Path));
    }

    [Fact]
    public void AnErrorQuotesTheBeginningOfAHugeValueAndItsLength()
    {
        var huge = "a\n" + new string('x', 100_000);
        var error = Assert.Throws<StackOpsException>(() => _store.Engine.Stacks.Create(huge, Local()));
        Assert.StartsWith("'a\\u000axxx", error.Message);
        Assert.Contains("... (100,002 characters)' is not a valid stack name: it is longer than 128 characters.", error.Message);
        Assert.True(error.Message.Length < 500, error.Message);
    }

    [Fact]
    public void NamesAreUniqueIgnoringCase()
    {
        _store.Engine.Stacks.Create("dev", Local());
        Assert.Equal("StackAlreadyExists", Assert.Throws<StackOpsException>(() => _store.Engine.Stacks.Create("DEV", Local())).ErrorId);
    }

    [Fact]
    public void ReadsTakeAUniquePrefixButNotAnAmbiguousOne()
    {
        _store.Engine.Stacks.Create("staging-eu", Local());
        _store.Engine.Stacks.Create("staging-us", Local());
        _store.Engine.Stacks.Create("production", Local());
        Assert.Equal("production", _store.Engine.Stacks.Get("prod").Name);
        Assert.Equal("AmbiguousName", Assert.Throws<StackOpsException>(() => _store.Engine.Stacks.Get("staging")).ErrorId);
        Assert.Equal("StackNotFound", Assert.Throws<StackOpsException>(() => _store.Engine.Stacks.Remove("prod", false)).ErrorId);
    }

    [Fact]
    public void TheDefaultStackCannotBeChangedRenamedOrRemoved()
    {
        Assert.Equal("DefaultStackImmutable", Assert.Throws<StackOpsException>(() => _store.Engine.Stacks.Remove("default", false)).ErrorId);
        Assert.Equal("DefaultStackImmutable", Assert.Throws<StackOpsException>(() => _store.Engine.Stacks.Rename("default", "x")).ErrorId);
        Assert.Equal("DefaultStackImmutable", Assert.Throws<StackOpsException>(() => _store.Engine.Stacks.Update("default", Local())).ErrorId);
        Assert.Equal("DefaultComponentImmutable", Assert.Throws<StackOpsException>(() =>
            _store.Engine.Components.Update("artifact_store", "default", new Dictionary<string, object?> { ["path"] = "/tmp" })).ErrorId);
    }

    [Fact]
    public void RemovingTheActiveStackFailsAndLeavesTheStoreByteForByte()
    {
        _store.Engine.Stacks.Create("dev", Local());
        _store.Engine.Stacks.Activate("dev");
        var before = _store.Snapshot();
        Assert.Equal("ActiveStackRemoval", Assert.Throws<StackOpsException>(() => _store.Engine.Stacks.Remove("dev", true)).ErrorId);
        Assert.Equal(before, _store.Snapshot());
    }

    [Fact]
    public void RemoveWithComponentsKeepsTheOnesAnotherStackUses()
    {
        _store.Engine.Components.Create("orchestrator", "mine", "local", new Dictionary<string, object?>());
        _store.Engine.Components.Create("artifact_store", "shared", "local", new Dictionary<string, object?>());
        _store.Engine.Stacks.Create("a", Local("mine", "shared"));
        _store.Engine.Stacks.Create("b", Local("default", "shared"));

        var removed = _store.Engine.Stacks.Remove("a", includeComponents: true);

        Assert.Equal(["mine"], removed.Components.Select(c => c.Name));
        Assert.False(File.Exists(_store.File("components/orchestrator/mine.yaml")));
        Assert.True(File.Exists(_store.File("components/artifact_store/shared.yaml")));
        Assert.False(File.Exists(_store.File("stacks/a.yaml")));
    }

    [Fact]
    public void UpdateReplacesAndRemovesComponentTypesButKeepsTheRequiredOnes()
    {
        _store.AddRemoteStack();
        _store.Engine.Components.Create("experiment_tracker", "mlflow", "mlflow", new Dictionary<string, object?> { ["tracking_uri"] = "https://mlflow.example.com" });
        var updated = _store.Engine.Stacks.Update("staging", new Dictionary<string, string> { ["ExperimentTracker"] = "mlflow" });
        Assert.Equal("mlflow", updated.Components["experiment_tracker"]);
        updated = _store.Engine.Stacks.Update("staging", null, ["experiment_tracker"]);
        Assert.False(updated.Components.ContainsKey("experiment_tracker"));
        Assert.Equal("ArtifactStoreMissing", Assert.Throws<StackOpsException>(() => _store.Engine.Stacks.Update("staging", null, ["artifact_store"])).ErrorId);
    }

    [Fact]
    public void RenameMovesTheFileAndTheActiveStackFollows()
    {
        _store.Engine.Stacks.Create("dev", Local());
        _store.Engine.Stacks.Activate("dev");
        _store.Engine.Stacks.Rename("dev", "development");
        Assert.False(File.Exists(_store.File("stacks/dev.yaml")));
        Assert.True(File.Exists(_store.File("stacks/development.yaml")));
        Assert.Equal("development", _store.Engine.Stacks.ActiveName);
    }

    [Fact]
    public void ACorruptDocumentNamesFileAndLineAndLeavesTheOthersUsable()
    {
        _store.Engine.Stacks.Create("good", Local());
        Directory.CreateDirectory(_store.File("stacks"));
        var corrupt = _store.File("stacks/broken.yaml");
        File.WriteAllText(corrupt, "apiVersion: stackops.io/v1\nkind: Stack\nmetadata:\n  name: broken\n   bad: [\n");

        var listing = _store.Engine.Stacks.List();
        Assert.Equal(["default", "good"], listing.Items.Select(s => s.Name).Order());
        var problem = Assert.Single(listing.Problems);
        Assert.Equal("InvalidYaml", problem.ErrorId);
        Assert.Contains(corrupt, problem.Message);
        Assert.Contains("line 5", problem.Message);

        var error = Assert.Throws<StackOpsException>(() => _store.Engine.Stacks.Get("broken"));
        Assert.Equal("InvalidYaml", error.ErrorId);
        Assert.Equal("apiVersion: stackops.io/v1\nkind: Stack\nmetadata:\n  name: broken\n   bad: [\n", File.ReadAllText(corrupt));
    }

    [Fact]
    public void ADocumentWithAWrongKeyTypeNamesTheKey()
    {
        Directory.CreateDirectory(_store.File("stacks"));
        File.WriteAllText(_store.File("stacks/odd.yaml"), "apiVersion: stackops.io/v1\nkind: Stack\nmetadata:\n  name: odd\nspec:\n  components:\n    orchestrator: [a, b]\n");
        var error = Assert.Throws<StackOpsException>(() => _store.Engine.Stacks.Get("odd"));
        Assert.Equal("InvalidDocument", error.ErrorId);
        Assert.Contains("key 'spec.components.orchestrator'", error.Message);
        Assert.Contains("line 7", error.Message);
    }

    [Theory]
    [InlineData("apiVersion: stackops.io/v2\nkind: Stack\nmetadata: { name: x }\n")]
    [InlineData("apiVersion: stackops.io/v1\nkind: Deployment\nmetadata: { name: x }\n")]
    public void UnknownKindsAndVersionsAreUnsupported(string text)
    {
        Directory.CreateDirectory(_store.File("stacks"));
        File.WriteAllText(_store.File("stacks/x.yaml"), text);
        Assert.Equal("UnsupportedDocument", Assert.Throws<StackOpsException>(() => _store.Engine.Stacks.Get("x")).ErrorId);
    }
}
