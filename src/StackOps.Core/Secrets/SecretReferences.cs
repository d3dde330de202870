using StackOps.Core.Model;

namespace StackOps.Core.Secrets;

/// <summary>How far Test-Stack checks secret references (ZenML's SecretValidationLevel).</summary>
public enum SecretValidation
{
    None,
    SecretExists,
    SecretAndKeyExists,
}

/// <summary>Where a configuration uses a secret: the component, the field, the reference, and the document's file and line.</summary>
public sealed record SecretReferenceUse(string ComponentType, string Component, string Field, SecretReference Reference, string? File, int? Line)
{
    public string Location => $"the {ComponentType} '{Component}', field '{Field}'{(File is null ? "" : $" ({File}{(Line is null ? "" : $", line {Line}")})")}";

    /// <summary>The references in a component's configuration: whole values of its top-level fields, as in ZenML.</summary>
    public static IEnumerable<SecretReferenceUse> In(StackComponent component) =>
        component.EffectiveConfiguration
            .Select(p => (p.Key, Reference: SecretReference.TryParse(p.Value, out var reference) ? reference : null))
            .Where(p => p.Reference is not null)
            .Select(p => new SecretReferenceUse(component.Type, component.Name, p.Key, p.Reference!, component.Path,
                component.ConfigurationLines.TryGetValue(p.Key, out var line) ? line : null));
}

/// <summary>A component's effective configuration with its references resolved; <see cref="SecretFields"/> came from secrets.</summary>
public sealed class ResolvedComponent
{
    public ResolvedComponent(string stack, string type, string name, string flavor, IReadOnlyDictionary<string, object?> configuration, IReadOnlyList<string> secretFields)
    {
        Stack = stack;
        Type = type;
        Name = name;
        Flavor = flavor;
        Configuration = configuration;
        SecretFields = secretFields;
    }

    public string Stack { get; }
    public string Type { get; }
    public string Name { get; }
    public string Flavor { get; }
    /// <summary>Every setting, the secret ones in clear: for the adapters to wrap, never to print.</summary>
    public IReadOnlyDictionary<string, object?> Configuration { get; }
    public IReadOnlyList<string> SecretFields { get; }

    public override string ToString() => $"{Type}/{Name}";
}

/// <summary>A secret key that a stack references but the backend lacks, and where it is used.</summary>
public sealed record MissingSecretKey(string Secret, string Key, bool SecretExists, IReadOnlyList<SecretReferenceUse> Uses);
