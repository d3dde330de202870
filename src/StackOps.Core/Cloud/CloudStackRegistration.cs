using StackOps.Core.Errors;
using StackOps.Core.Flavors;
using StackOps.Core.Model;

namespace StackOps.Core.Cloud;

/// <summary>One thing a component type of a registered cloud stack can be: an existing component, or a resource the connector reaches (with the flavor that takes it).</summary>
public sealed record CloudStackChoice(string ComponentType, string Value, string? Flavor, string? ResourceType)
{
    public bool IsExisting => Flavor is null;
    public override string ToString() => IsExisting ? $"the existing {ComponentType} '{Value}'" : $"{Value} ({ResourceType}, a new {Flavor} {ComponentType})";
}

/// <summary>What Register-CloudStack made: the stack, the components it created, and the commands that would remove them.</summary>
public sealed record CloudStackRegistration(string Stack, string Connector, IReadOnlyList<string> CreatedComponents, IReadOnlyList<string> RemoveCommands, Validation.StackValidationResult Validation)
{
    public override string ToString() => $"{Stack} (connector {Connector}; created {(CreatedComponents.Count == 0 ? "no component" : string.Join(", ", CreatedComponents))})";
}

/// <summary>
/// The registration wizard of a stack from what a connector reaches: for each component type, the
/// existing components and the resources the connector lists; the choices made become components
/// linked to the connector, then the stack, which is validated.
/// </summary>
public sealed class CloudStackRegistrar
{
    public static readonly string[] ComponentTypes = [Model.ComponentTypes.ArtifactStore, Model.ComponentTypes.ContainerRegistry, Model.ComponentTypes.Orchestrator];
    private readonly StackOpsEngine _engine;

    internal CloudStackRegistrar(StackOpsEngine engine) => _engine = engine;

    /// <summary>Existing components of the type, then each resource the connector reaches for a flavor of the type that takes it.</summary>
    public IReadOnlyList<CloudStackChoice> Choices(string connectorName, string componentType)
    {
        componentType = Model.ComponentTypes.Normalize(componentType);
        var connector = _engine.Connectors.Get(connectorName);
        var connectorType = _engine.Connectors.Type(connector.Type);
        var choices = _engine.Components.List(componentType).Items.Select(c => new CloudStackChoice(componentType, c.Name, null, null)).ToList();
        var flavors = new FlavorCatalog(_engine.View()).List(componentType).Items
            .Where(f => f.Connector is { } need && (need.ConnectorType is null || need.ConnectorType == connector.Type) && connectorType.ResourceType(need.ResourceType)?.SupportsInstances == true)
            .OrderBy(f => f.Connector!.ConnectorType is null ? 1 : 0).ToList();
        foreach (var resources in flavors.Select(f => f.Connector!.ResourceType).Distinct().SelectMany(type => _engine.Connectors.Resources(connectorName, type)))
        {
            if (resources.Error is { } error) _engine.Messages.Warning($"Service connector '{connectorName}' could not list {resources.ResourceType}: {error}");
            var flavor = flavors.First(f => f.Connector!.ResourceType == resources.ResourceType);
            choices.AddRange(resources.ResourceIds.Select(id => new CloudStackChoice(componentType, id, flavor.Name, resources.ResourceType)));
        }
        return choices;
    }

    /// <summary>
    /// Registers the stack from one choice per component type (an existing component's name, or a
    /// resource id among the choices). New components are named STACK-artifacts, STACK-registry,
    /// STACK-orchestrator; if anything fails, what was created is removed again.
    /// </summary>
    public CloudStackRegistration Register(string stack, string connectorName, IReadOnlyDictionary<string, string> selections)
    {
        NameRules.Validate("Stack", stack);
        if (_engine.View().FindStack(stack) is not null) throw Fail.AlreadyExists("Stack", stack, "Choose another name, or change the stack with Set-Stack.");
        var picked = new Dictionary<string, CloudStackChoice>();
        foreach (var type in ComponentTypes)
        {
            var value = selections.GetValueOrDefault(type) ?? throw ChoiceRequired(connectorName, type);
            var choices = Choices(connectorName, type);
            picked[type] = choices.FirstOrDefault(c => c.IsExisting && string.Equals(c.Value, value, StringComparison.OrdinalIgnoreCase))
                ?? choices.FirstOrDefault(c => string.Equals(c.Value, value, StringComparison.Ordinal))
                ?? throw new StackOpsException("CloudStackChoiceUnknown", ErrorKind.InvalidArgument,
                    $"'{value}' is neither a {type} nor something service connector '{connectorName}' reaches for one. The choices: {Listed(choices)}.", value);
        }
        var created = new List<(string Type, string Name)>();
        try
        {
            var members = new Dictionary<string, string>();
            foreach (var (type, choice) in picked)
            {
                if (choice.IsExisting) { members[type] = choice.Value; continue; }
                var name = $"{stack}-{Suffix(type)}";
                var flavor = new FlavorCatalog(_engine.View()).Get(type, choice.Flavor!);
                var configuration = new Dictionary<string, object?>();
                if (flavor.Connector!.ResourceIdField is { } field) configuration[field] = choice.Value;
                _engine.Components.Create(type, name, flavor.Name, configuration, new Dictionary<string, string?> { [CloudStackService.Label] = stack });
                created.Add((type, name));
                _engine.Connectors.Connect(type, name, connectorName, choice.Value);
                members[type] = name;
            }
            _engine.Stacks.Create(stack, members, new Dictionary<string, string?> { [CloudStackService.Label] = stack }, $"Registered from service connector {connectorName}");
        }
        catch
        {
            foreach (var (type, name) in created) _engine.Components.Remove(type, name);
            throw;
        }
        var removal = new List<string> { $"Remove-Stack {stack}" };
        removal.AddRange(created.Select(c => $"Remove-StackComponent -Type {c.Type} -Name {c.Name}"));
        return new CloudStackRegistration(stack, connectorName, created.Select(c => $"{c.Type} {c.Name}").ToList(), removal,
            _engine.Stacks.Test(stack, Secrets.SecretValidation.None));
    }

    private static string Suffix(string type) => type switch
    {
        Model.ComponentTypes.ArtifactStore => "artifacts",
        Model.ComponentTypes.ContainerRegistry => "registry",
        _ => "orchestrator",
    };

    /// <summary>No choice for a type where no person can be asked: the error lists what could be chosen and the parameter that takes it.</summary>
    public StackOpsException ChoiceRequired(string connectorName, string type) =>
        new("CloudStackChoiceRequired", ErrorKind.InvalidArgument,
            $"Which {type}? Nobody can be asked here: give -{Parameter(type)} with one of: {Listed(Choices(connectorName, type))}.", type);

    public static string Parameter(string type) => type switch
    {
        Model.ComponentTypes.ArtifactStore => "ArtifactStore",
        Model.ComponentTypes.ContainerRegistry => "ContainerRegistry",
        _ => "Orchestrator",
    };

    private static string Listed(IReadOnlyList<CloudStackChoice> choices) =>
        choices.Count == 0 ? "(nothing: create a component first)" : string.Join(", ", choices.Select(c => c.IsExisting ? c.Value : $"{c.Value} (new {c.Flavor})"));
}
