namespace StackOps.Abstractions;

/// <summary>
/// An integration: a named, versioned bundle of flavors (each a configuration schema with the
/// behaviour behind it) and the requirements it has. StackOps finds the one public, non-abstract
/// subclass with a parameterless constructor in the integration's assembly.
/// </summary>
public abstract class StackIntegration
{
    /// <summary>The name it is registered and listed by (letters, digits, '-', '_', '.').</summary>
    public abstract string Name { get; }

    /// <summary>Its own version, e.g. 1.2.0.</summary>
    public abstract string Version { get; }

    /// <summary>What it needs that StackOps cannot check for it, shown to users (a CLI on PATH, a cluster version...).</summary>
    public virtual IReadOnlyList<string> Requirements => [];

    /// <summary>The flavors it adds.</summary>
    public abstract IReadOnlyList<FlavorDefinition> Flavors { get; }

    /// <summary>The rules it adds to Test-Stack (checked on every stack while it is registered).</summary>
    public virtual IReadOnlyList<IStackValidator> Validators => [];

    /// <summary>The service connector types it adds (since 1.1).</summary>
    public virtual IReadOnlyList<ConnectorTypeDefinition> ConnectorTypes => [];

    /// <summary>The secret backend types it adds (recorded when it is registered; it is loaded when a backend of one is opened).</summary>
    public virtual IReadOnlyList<SecretBackendTypeDefinition> SecretBackends => [];
}

/// <summary>
/// A flavor: the component type it is for, its name, and its configuration schema in StackOps's
/// flavor schema language (the YAML map under a Flavor document's spec.configuration, as
/// Register-StackFlavor takes it); with the implementation of its component type: for an orchestrator,
/// what runs pipelines; for an artifact store or a container registry, what checks and lists it.
/// </summary>
public sealed record FlavorDefinition(string ComponentType, string Name, string Description, string ConfigurationSchema, Func<IOrchestrator>? Orchestrator = null)
{
    /// <summary>For an artifact store flavor: the implementation, created for one component (since 1.1).</summary>
    public Func<ComponentContext, IArtifactStore>? ArtifactStore { get; init; }

    /// <summary>For a container registry flavor: the implementation, created for one component (since 1.1).</summary>
    public Func<ComponentContext, IContainerRegistry>? ContainerRegistry { get; init; }

    /// <summary>The service connectors its components may be linked to (since 1.1); none when null.</summary>
    public FlavorConnector? Connector { get; init; }
}

/// <summary>What a flavor's components take from a service connector.</summary>
/// <param name="ResourceType">The resource type they need (s3-bucket, docker-registry, or an integration's own).</param>
/// <param name="ConnectorType">The one connector type they accept; any type that reaches the resource type when null.</param>
/// <param name="ResourceIdField">The configuration field that names the resource, from which a link derives the resource id.</param>
public sealed record FlavorConnector(string ResourceType, string? ConnectorType = null, string? ResourceIdField = null);
