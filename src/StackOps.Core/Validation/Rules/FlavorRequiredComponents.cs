using StackOps.Abstractions;
using StackOps.Core.Flavors;
using StackOps.Core.Model;

namespace StackOps.Core.Validation.Rules;

/// <summary>A component's flavor may need components of other types in the stack (a remote orchestrator, a container registry): RequiredComponentMissing.</summary>
/// <param name="stack">The stack as named: a required component it names that cannot be found is ComponentNotFound, not missing.</param>
/// <param name="findFlavor">A flavor by component type and name.</param>
internal sealed class FlavorRequiredComponents(Stack stack, Func<string, string, Flavor?> findFlavor) : IStackValidator
{
    public IEnumerable<StackProblem> Validate(StackDescription description) =>
        from component in description.Components
        let flavor = findFlavor(component.Type, component.Flavor)
        where flavor is not null
        from type in flavor.Requirements.Components
        where stack[type] is null
        select new StackProblem("RequiredComponentMissing",
            $"The {component.Type} '{component.Name}' ({flavor.Name}) runs remotely and needs a {type} in the stack; give it one with -{ComponentTypes.ToPascalCase(type)} <name> (New-Stack, Set-Stack).",
            type, component.Name);
}
