using StackOps.Core.Errors;
using StackOps.Core.Pipelines;

namespace StackOps.Core.Tests;

/// <summary>A lifecycle from a document or from values given to a parameter: one set of rules, single values as lists of one.</summary>
public sealed class LifecycleTests : IDisposable
{
    private readonly TestStore _store = new();

    public LifecycleTests()
    {
        foreach (var stack in new[] { "dev", "production" })
            _store.Engine.Stacks.Create(stack, new Dictionary<string, string> { ["orchestrator"] = "default", ["artifact_store"] = "default" });
    }

    public void Dispose() => _store.Dispose();

    private static Dictionary<string, object?> Map(params (string Key, object? Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);

    [Fact]
    public void ADocumentTakesASingleValueWhereAListIsExpected()
    {
        var lifecycle = _store.Engine.Pipelines.SetLifecycle("""
            apiVersion: stackops.io/v1
            kind: Lifecycle
            metadata: { name: ml }
            spec:
              stages:
                - { name: dev, stack: dev }
                - name: production
                  stack: production
                  gates:
                    approvals: { count: 1, from: alice@example.com }
                    allowedRefs: refs/tags/v*
                    freezeWindows: { name: weekend, days: Saturday, timeZone: Europe/Paris }
            """, "lifecycle.yaml");
        var gates = lifecycle.Stages[1].Gates;
        Assert.Equal(["alice@example.com"], gates.Approvals!.Approvers);
        Assert.Equal(["refs/tags/v*"], gates.AllowedRefs);
        var window = Assert.Single(gates.FreezeWindows);
        Assert.Equal("weekend", window.Name);
        Assert.Equal([DayOfWeek.Saturday], window.Days);

        var one = _store.Engine.Pipelines.SetLifecycle("apiVersion: stackops.io/v1\nkind: Lifecycle\nmetadata: { name: ml }\nspec:\n  stages: { name: dev, stack: dev }\n", "one.yaml");
        Assert.Equal(["dev"], one.Stages.Select(s => s.Name));
    }

    [Fact]
    public void GivenValuesAreReadByTheSameRulesAsADocument()
    {
        var lifecycle = _store.Engine.Pipelines.SetLifecycle("lifecycle", [
            Map(("Name", "dev"), ("Stack", "dev")),
            Map(("Name", "production"), ("Stack", "production"), ("Gates", Map(
                ("Approvals", Map(("Count", 1L), ("From", new List<object?> { "alice@example.com", "bob@example.com" }))),
                ("AllowedRefs", "refs/tags/v*"),
                ("FreezeWindows", Map(("Name", "weekend"), ("Days", new List<object?> { "Saturday", "Sunday" }), ("TimeZone", "Europe/Paris")))))),
        ], "-Stage");
        var gates = lifecycle.Stages[1].Gates;
        Assert.Equal(1, gates.Approvals!.Count);
        Assert.Equal(["refs/tags/v*"], gates.AllowedRefs);
        Assert.Equal([DayOfWeek.Saturday, DayOfWeek.Sunday], Assert.Single(gates.FreezeWindows).Days);
        Assert.Equal(lifecycle.Stages.Select(s => s.Name), _store.Engine.Pipelines.Lifecycle().Stages.Select(s => s.Name));
    }

    [Theory]
    [InlineData("FreezeWindows", "Weekend", "The value of -Stage[1].Gates.FreezeWindows[0] is not valid: expected a window")]
    [InlineData("FreezeWindow", "x", "The value of -Stage[1].Gates.FreezeWindow is not valid: 'FreezeWindow' is not a key here (the keys are RequireVerifiedConnectors, Approvals, SoakTime, AllowedRefs, FreezeWindows)")]
    [InlineData("SoakTime", "two hours", "The value of -Stage[1].Gates.SoakTime is not valid: expected a duration such as 30m, 24h or 2d")]
    public void AProblemWithGivenValuesNamesTheParameterAndTheKeyNotALine(string key, string value, string message)
    {
        var before = _store.Snapshot();
        var error = Assert.Throws<StackOpsException>(() => _store.Engine.Pipelines.SetLifecycle("lifecycle", [
            Map(("Name", "dev"), ("Stack", "dev")),
            Map(("Name", "production"), ("Stack", "production"), ("Gates", Map((key, value)))),
        ], "-Stage"));
        Assert.Equal(("InvalidConfigurationValue", ErrorKind.InvalidArgument), (error.ErrorId, error.Kind));
        Assert.StartsWith(message, error.Message);
        Assert.DoesNotContain("line", error.Message);
        Assert.Equal(before, _store.Snapshot());
    }

    [Fact]
    public void AMisspeltKeyInADocumentIsRefusedWithItsLine()
    {
        var error = Assert.Throws<StackOpsException>(() => _store.Engine.Pipelines.SetLifecycle(
            "apiVersion: stackops.io/v1\nkind: Lifecycle\nmetadata: { name: ml }\nspec:\n  stages:\n    - name: dev\n      stack: dev\n      gate: { soakTime: 1h }\n", "lifecycle.yaml"));
        Assert.Equal("InvalidDocument", error.ErrorId);
        Assert.StartsWith("lifecycle.yaml, line 8, key 'spec.stages[0].gate': 'gate' is not a key here", error.Message);
    }
}
