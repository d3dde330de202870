using StackOps.Abstractions;
using StackOps.Core.Flavors;
using StackOps.Core.Model;
using StackOps.Core.Secrets;
using StackOps.Core.Validation.Rules;

namespace StackOps.Core.Tests;

/// <summary>
/// The engine's stack rules are validators like integrations' (IStackValidator over a StackDescription), listed in
/// one place, and a stack that breaks one reports the same finding as when the rule was written inline.
/// </summary>
public sealed class BuiltInValidatorTests : IDisposable
{
    private readonly TestStore _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public void TheBuiltInRulesAreOneListOfValidatorsThatSeeWhatIntegrationsSee()
    {
        var stack = new Stack("remote", new Dictionary<string, string> { ["orchestrator"] = "k8s", ["artifact_store"] = "default" });
        var description = new StackDescription("remote", [
            new ComponentDescription("orchestrator", "k8s", "kubernetes", new Dictionary<string, object?>()),
            new ComponentDescription("artifact_store", "default", "local", new Dictionary<string, object?>()),
        ]);

        var validators = BuiltInValidators.For(stack, FlavorCatalog.FindBuiltIn);

        Assert.Equal([typeof(OrchestratorAndArtifactStoreRequired), typeof(FlavorRequiredComponents), typeof(LocalComponentsRejected)], validators.Select(v => v.GetType()));
        Assert.Equal([("RequiredComponentMissing", "container_registry", "k8s"), ("LocalComponentNotAllowed", "artifact_store", "default")],
            validators.SelectMany(v => v.Validate(description)).Select(p => (p.Code, p.ComponentType, p.Component)));
    }

    public static TheoryData<string, string, string, string, string?, string, string> BrokenStacks => new()
    {
        {
            "    orchestrator: k8s\n", "", "OrchestratorMissing",
            "orchestrator", null, "A stack needs an orchestrator; give it one with -Orchestrator <name> (New-Stack, Set-Stack).", "stacks/staging.yaml"
        },
        {
            "    artifact_store: s3-staging\n", "", "ArtifactStoreMissing",
            "artifact_store", null, "A stack needs an artifact_store; give it one with -ArtifactStore <name> (New-Stack, Set-Stack).", "stacks/staging.yaml"
        },
        {
            "    container_registry: ecr\n", "", "RequiredComponentMissing",
            "container_registry", "k8s", "The orchestrator 'k8s' (kubernetes) runs remotely and needs a container_registry in the stack; give it one with -ContainerRegistry <name> (New-Stack, Set-Stack).", "stacks/staging.yaml"
        },
        {
            "    container_registry: ecr\n", "    container_registry: local-registry\n", "LocalComponentNotAllowed",
            "container_registry", "local-registry", "The container_registry 'local-registry' (default) only works on this machine, but the orchestrator 'k8s' (kubernetes) runs remotely; replace it with a remote container_registry.",
            "components/container_registry/local-registry.yaml"
        },
    };

    [Theory]
    [MemberData(nameof(BrokenStacks))]
    public void AStackThatBreaksABuiltInRuleReportsItsFinding(string line, string replacement, string code, string componentType, string? component, string message, string file)
    {
        _store.AddRemoteStack();
        _store.Engine.Components.Create("container_registry", "local-registry", "default", new Dictionary<string, object?> { ["uri"] = "localhost:5000" });
        var stackFile = _store.File("stacks/staging.yaml");
        var text = File.ReadAllText(stackFile);
        Assert.Contains(line, text);
        File.WriteAllText(stackFile, text.Replace(line, replacement));

        var finding = Assert.Single(_store.Engine.Stacks.Test("staging", SecretValidation.None).Findings);

        Assert.Equal((Validation.FindingSeverity.Error, code, message, componentType, component, _store.File(file)),
            (finding.Severity, finding.Code, finding.Message, finding.ComponentType, finding.Component, finding.File));
    }
}
