using StackOps.Abstractions;
using StackOps.Core.Model;

namespace StackOps.Core.Validation.Rules;

/// <summary>A stack needs an orchestrator and an artifact store: OrchestratorMissing, ArtifactStoreMissing.</summary>
/// <param name="stack">
/// The stack as named, not as described: a component it names that cannot be found is ComponentNotFound, not missing,
/// and the description only has the components that were found.
/// </param>
internal sealed class OrchestratorAndArtifactStoreRequired(Stack stack) : IStackValidator
{
    public IEnumerable<StackProblem> Validate(StackDescription description) =>
        new[] { ComponentTypes.Orchestrator, ComponentTypes.ArtifactStore }.Where(type => stack[type] is null)
            .Select(type => new StackProblem($"{ComponentTypes.ToPascalCase(type)}Missing",
                $"A stack needs an {type}; give it one with -{ComponentTypes.ToPascalCase(type)} <name> (New-Stack, Set-Stack).", type));
}
