using StackOps.Abstractions;
using StackOps.Core.Flavors;

namespace StackOps.Core.Validation.Rules;

/// <summary>
/// A component whose flavor runs remotely (a remote orchestrator) cannot reach the components that only work on this
/// machine: LocalComponentNotAllowed, unless its skip_local_validations (ZenML's setting) says the user vouches that they are reachable.
/// </summary>
/// <param name="findFlavor">A flavor by component type and name.</param>
internal sealed class LocalComponentsRejected(Func<string, string, Flavor?> findFlavor) : IStackValidator
{
    public IEnumerable<StackProblem> Validate(StackDescription description)
    {
        var flavored = description.Components.Select(c => (Component: c, Flavor: findFlavor(c.Type, c.Flavor)!)).Where(c => c.Flavor is not null).ToList();
        return from remote in flavored
            where remote.Flavor.Requirements.RejectLocalComponents && remote.Component.Configuration.GetValueOrDefault("skip_local_validations") is not true
            from local in flavored
            where local.Component.Type != remote.Component.Type && local.Flavor.IsLocalFor(local.Component.Configuration)
            select new StackProblem("LocalComponentNotAllowed",
                $"The {local.Component.Type} '{local.Component.Name}' ({local.Flavor.Name}) only works on this machine, but the {remote.Component.Type} '{remote.Component.Name}' ({remote.Flavor.Name}) runs remotely; replace it with a remote {local.Component.Type}.",
                local.Component.Type, local.Component.Name);
    }
}
