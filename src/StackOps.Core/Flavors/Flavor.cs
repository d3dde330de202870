using System.Text.RegularExpressions;

namespace StackOps.Core.Flavors;

/// <summary>A component implementation and the schema its configuration must follow.</summary>
public sealed class Flavor
{
    public Flavor(string name, string type, string? description, bool isLocal, LocalCondition? localWhen,
        FlavorRequirements requirements, IReadOnlyList<ConfigurationField> configuration, bool isBuiltIn, string? path = null,
        ConnectorRequirement? connector = null)
    {
        Connector = connector;
        Name = name;
        Type = type;
        Description = description;
        IsLocal = isLocal;
        LocalWhen = localWhen;
        Requirements = requirements;
        Configuration = Model.ReadOnlyValues.List(configuration);
        IsBuiltIn = isBuiltIn;
        Path = path;
        Schema = new(Configuration, $"the {type} flavor '{name}'", $"Run Get-StackFlavor -Type {type} -Name {name} to see its schema.");
    }

    public string Name { get; }
    public string Type { get; }
    public string? Description { get; }
    public bool IsLocal { get; }
    public LocalCondition? LocalWhen { get; }
    public FlavorRequirements Requirements { get; }
    public IReadOnlyList<ConfigurationField> Configuration { get; }
    public bool IsBuiltIn { get; }
    public string? Path { get; }
    /// <summary>The service connectors a component of this flavor can be linked to; null when it takes none.</summary>
    public ConnectorRequirement? Connector { get; }

    /// <summary>The registered integration that adds the flavor, when one does.</summary>
    public string? Integration { get; private init; }

    internal Flavor FromIntegration(string integration) =>
        new(Name, Type, Description, IsLocal, LocalWhen, Requirements, Configuration, isBuiltIn: false, Path, Connector) { Integration = integration };

    public ConfigurationField? Field(string key) => Schema.Field(key);

    internal Validation.ConfigurationSchema Schema { get; }

    /// <summary>Whether a component of this flavor only works on the local machine.</summary>
    public bool IsLocalFor(IReadOnlyDictionary<string, object?> configuration) =>
        IsLocal || (LocalWhen is not null && configuration.TryGetValue(LocalWhen.Field, out var value)
                    && value is string text && LocalWhen.Matches(text));

    public override string ToString() => $"{Type}/{Name}";
}

/// <summary>
/// What a flavor accepts from a service connector (ZenML's service_connector_requirements): a
/// resource type, optionally only from one connector type, and the configuration field that names
/// the resource (its id is derived from it when the link gives none).
/// </summary>
public sealed record ConnectorRequirement(string ResourceType, string? ConnectorType = null, string? ResourceIdField = null)
{
    public override string ToString() =>
        $"{ResourceType}{(ConnectorType is null ? "" : $" from a {ConnectorType} connector")}{(ResourceIdField is null ? "" : $", named by {ResourceIdField}")}";
}

/// <summary>
/// When a component of the flavor counts as local: a field's value matches a pattern. The pattern
/// comes from a flavor document, so it runs without backtracking (in time linear in the value): a
/// pattern written to take forever cannot. Constructs that need backtracking (backreferences,
/// lookarounds) are refused with ArgumentException or NotSupportedException.
/// </summary>
public sealed class LocalCondition
{
    private readonly Regex _pattern;

    public LocalCondition(string field, string pattern)
    {
        Field = field;
        Pattern = pattern;
        _pattern = new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
    }

    public string Field { get; }
    public string Pattern { get; }
    public bool Matches(string value) => _pattern.IsMatch(value);

    public override string ToString() => $"{Field} matches {Pattern}";
}

/// <summary>What a stack that uses the flavor further needs (remote orchestrators need a registry, ...).</summary>
public sealed class FlavorRequirements
{
    public static readonly FlavorRequirements None = new([], false);

    public FlavorRequirements(IReadOnlyList<string> components, bool rejectLocalComponents)
    {
        Components = Model.ReadOnlyValues.List(components);
        RejectLocalComponents = rejectLocalComponents;
    }

    public IReadOnlyList<string> Components { get; }
    public bool RejectLocalComponents { get; }

    public override string ToString() =>
        string.Join("; ", new[] { Components.Count == 0 ? null : $"needs {string.Join(", ", Components)}", RejectLocalComponents ? "refuses local components" : null }.OfType<string>())
        is { Length: > 0 } text ? text : "none";
}

public enum FieldType
{
    String,
    Integer,
    Number,
    Boolean,
    List,
    Map,
}

public sealed class ConfigurationField
{
    public ConfigurationField(string name, FieldType type, bool required, object? defaultValue, string? description,
        bool secret, bool clearText, IReadOnlyList<string> values)
    {
        Name = name;
        Type = type;
        Required = required;
        Default = Model.ReadOnlyValues.Value(defaultValue);
        Description = description;
        Secret = secret;
        ClearText = clearText;
        Values = Model.ReadOnlyValues.List(values);
    }

    public string Name { get; }
    public FieldType Type { get; }
    public bool Required { get; }
    public object? Default { get; }
    public string? Description { get; }
    /// <summary>A credential: should hold a secret reference, never clear text.</summary>
    public bool Secret { get; }
    /// <summary>May never hold a secret reference.</summary>
    public bool ClearText { get; }
    /// <summary>Allowed values, when the field is an enumeration.</summary>
    public IReadOnlyList<string> Values { get; }

    public override string ToString() => Name;
}
