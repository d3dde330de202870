using StackOps.Abstractions;
using StackOps.Core.Flavors;
using StackOps.Core.Model;

namespace StackOps.Core.Validation.Rules;

/// <summary>The engine's own stack rules, the same contract as integrations' validators; they run on every stack change and in Test-Stack, in this order.</summary>
internal static class BuiltInValidators
{
    public static IReadOnlyList<IStackValidator> For(Stack stack, Func<string, string, Flavor?> findFlavor) =>
    [
        new OrchestratorAndArtifactStoreRequired(stack),
        new FlavorRequiredComponents(stack, findFlavor),
        new LocalComponentsRejected(findFlavor),
    ];
}
