namespace StackOps.Core.Model;

/// <summary>
/// One configured component. <see cref="Configuration"/> is what the document stores;
/// <see cref="EffectiveConfiguration"/> adds the flavor's defaults, applied on read and never written.
/// </summary>
public sealed class StackComponent
{
    public StackComponent(string type, string name, string flavor, IReadOnlyDictionary<string, object?> configuration,
        IReadOnlyDictionary<string, string>? labels = null, ConnectorLink? connector = null,
        StoreScope scope = StoreScope.User, string? path = null, IReadOnlyDictionary<string, int>? configurationLines = null,
        IReadOnlyDictionary<string, object?>? effectiveConfiguration = null)
    {
        Type = type;
        Name = name;
        Flavor = flavor;
        Configuration = ReadOnlyValues.Configuration(configuration);
        Labels = ReadOnlyValues.Labels(labels);
        Connector = connector;
        Scope = scope;
        Path = path;
        ConfigurationLines = configurationLines ?? new Dictionary<string, int>();
        EffectiveConfiguration = effectiveConfiguration is null || ReferenceEquals(effectiveConfiguration, configuration)
            ? Configuration : ReadOnlyValues.Configuration(effectiveConfiguration);
    }

    public string Type { get; }
    public string Name { get; }
    public string Flavor { get; }
    public IReadOnlyDictionary<string, object?> Configuration { get; }
    public IReadOnlyDictionary<string, object?> EffectiveConfiguration { get; }
    public IReadOnlyDictionary<string, string> Labels { get; }
    public ConnectorLink? Connector { get; }
    public StoreScope Scope { get; }
    /// <summary>The document's file; null for the built-in default components.</summary>
    public string? Path { get; }
    public bool IsDefault => string.Equals(Name, Stack.DefaultName, StringComparison.OrdinalIgnoreCase) && Path is null;

    internal IReadOnlyDictionary<string, int> ConfigurationLines { get; }

    public StackComponent With(string? name = null, IReadOnlyDictionary<string, object?>? configuration = null,
        IReadOnlyDictionary<string, string>? labels = null, string? path = null, StoreScope? scope = null) =>
        new(Type, name ?? Name, Flavor, configuration ?? Configuration, labels ?? Labels, Connector, scope ?? Scope,
            path ?? Path, configuration is null ? ConfigurationLines : null);

    /// <summary>The same component linked to another connector (null: unlinked).</summary>
    public StackComponent WithConnector(ConnectorLink? connector) =>
        new(Type, Name, Flavor, Configuration, Labels, connector, Scope, Path, ConfigurationLines, EffectiveConfiguration);

    public override string ToString() => $"{Type}/{Name}";
}

/// <summary>A component's link to a service connector (references only, never a credential).</summary>
public sealed record ConnectorLink(string Name, string? ResourceId)
{
    public override string ToString() => ResourceId is null ? Name : $"{Name}: {ResourceId}";
}
