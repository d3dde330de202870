using StackOps.Core.Errors;
using StackOps.Core.Flavors;
using StackOps.Core.Model;

namespace StackOps.Core.Validation;

/// <summary>One problem of a component's configuration. Messages name keys, never values (a value may be a secret).</summary>
public sealed record ConfigurationProblem(string ErrorId, string Key, string Message, bool IsWarning = false);

/// <summary>
/// A configuration's schema and whose it is: <see cref="Owner"/> names it in messages ("the
/// artifact_store flavor 's3'"), <see cref="Hint"/> says where to read it.
/// </summary>
public sealed record ConfigurationSchema(IReadOnlyList<ConfigurationField> Fields, string Owner, string Hint)
{
    public ConfigurationField? Field(string key) => Fields.FirstOrDefault(f => string.Equals(f.Name, key, StringComparison.OrdinalIgnoreCase));
}

/// <summary>Checks a configuration against its schema (a flavor's, a connector auth method's); the one place these rules live.</summary>
public static class ConfigurationValidator
{
    public const string UnknownKey = "UnknownConfigurationKey";
    public const string MissingKey = "MissingConfigurationKey";
    public const string InvalidValue = "InvalidConfigurationValue";
    public const string MalformedReference = "MalformedSecretReference";
    public const string PlainTextSecret = "PlainTextSecret";

    public static IReadOnlyList<ConfigurationProblem> Check(Flavor flavor, IReadOnlyDictionary<string, object?> configuration) => Check(flavor.Schema, configuration);

    public static IReadOnlyList<ConfigurationProblem> Check(ConfigurationSchema schema, IReadOnlyDictionary<string, object?> configuration)
    {
        var problems = new List<ConfigurationProblem>();
        foreach (var (key, value) in configuration)
        {
            var field = schema.Field(key);
            if (field is null)
            {
                var known = schema.Fields.Count == 0 ? "it has no settings" : $"its keys are {string.Join(", ", schema.Fields.Select(f => f.Name))}";
                problems.Add(new(UnknownKey, key, $"'{key}' is not a configuration key of {schema.Owner} ({known}). {schema.Hint}"));
                continue;
            }
            if (value is null) continue;
            if (SecretReference.IsReference(value))
            {
                if (field.ClearText)
                    problems.Add(new(InvalidValue, field.Name, $"'{field.Name}' of {schema.Owner} may not hold a secret reference; give its value in clear text."));
                continue;
            }
            if (SecretReference.IsMalformed(value))
            {
                problems.Add(new(MalformedReference, field.Name, $"'{field.Name}' looks like a secret reference but is not one; write it as '{{{{ secret_name.key }}}}' (the secret's name, a dot and the key, the whole value in double braces)."));
                continue;
            }
            if (TypeProblem(field, value) is { } problem)
                problems.Add(new(InvalidValue, field.Name, $"'{field.Name}' of {schema.Owner}: {problem}."));
            else if (field.Secret && value is string)
                problems.Add(new(PlainTextSecret, field.Name, $"'{field.Name}' of {schema.Owner} is a credential, but it is given in clear text, which ends up in the YAML document (and git). Store it with New-StackSecret and give a reference such as '{{{{ secret_name.{field.Name} }}}}' instead.", IsWarning: true));
        }
        foreach (var field in schema.Fields.Where(f => f.Required))
        {
            var present = configuration.FirstOrDefault(p => string.Equals(p.Key, field.Name, StringComparison.OrdinalIgnoreCase));
            if (present.Value is null)
                problems.Add(new(MissingKey, field.Name, $"'{field.Name}' is required by {schema.Owner} ({field.Description?.TrimEnd('.') ?? field.Type.ToString().ToLowerInvariant()}). Give it with -Configuration @{{ {field.Name} = ... }}."));
        }
        return problems;
    }

    /// <summary>
    /// Throws the first problem's id with every problem in the message, or returns the configuration
    /// with the schema's key names. Warnings go to <paramref name="warn"/>, or count as errors when strict.
    /// </summary>
    public static Dictionary<string, object?> Validate(Flavor flavor, IReadOnlyDictionary<string, object?> configuration, string componentName,
        bool strict = false, Action<string>? warn = null) =>
        Validate(flavor.Schema, configuration, $"component '{componentName}'", componentName, strict, warn);

    public static Dictionary<string, object?> Validate(ConfigurationSchema schema, IReadOnlyDictionary<string, object?> configuration, string what, object target,
        bool strict = false, Action<string>? warn = null)
    {
        var all = Check(schema, configuration);
        var problems = all.Where(p => strict || !p.IsWarning).ToList();
        foreach (var warning in all.Where(p => p.IsWarning && !strict)) warn?.Invoke($"{char.ToUpperInvariant(what[0])}{what[1..]}: {warning.Message}");
        if (problems.Count > 0)
            throw new StackOpsException(problems[0].ErrorId, ErrorKind.InvalidArgument,
                $"The configuration of {what} is not valid: {string.Join(" ", problems.Select(p => p.Message))}", target);
        return configuration.ToDictionary(p => schema.Field(p.Key)!.Name, p => p.Value);
    }

    public static string? TypeProblem(ConfigurationField field, object value)
    {
        var ok = field.Type switch
        {
            FieldType.String => value is string,
            FieldType.Integer => value is long or int,
            FieldType.Number => value is long or int or double,
            FieldType.Boolean => value is bool,
            FieldType.List => value is IList<object?>,
            FieldType.Map => value is IDictionary<string, object?>,
            _ => false,
        };
        if (!ok) return $"expected {Article(field.Type)}, got {Describe(value)}";
        if (field.Values.Count > 0 && value is string text && !field.Values.Contains(text))
            return $"expected one of {string.Join(", ", field.Values)}";
        return null;
    }

    /// <summary>The configuration with the flavor's defaults for keys it does not set; applied on read, never written.</summary>
    public static IReadOnlyDictionary<string, object?> WithDefaults(Flavor flavor, IReadOnlyDictionary<string, object?> configuration) =>
        WithDefaults(flavor.Schema, configuration);

    public static IReadOnlyDictionary<string, object?> WithDefaults(ConfigurationSchema schema, IReadOnlyDictionary<string, object?> configuration)
    {
        var effective = new Dictionary<string, object?>(configuration, StringComparer.OrdinalIgnoreCase);
        foreach (var field in schema.Fields)
            if (field.Default is not null && (!effective.TryGetValue(field.Name, out var value) || value is null))
                effective[field.Name] = field.Default;
        return effective;
    }

    private static string Article(FieldType type) => type switch
    {
        FieldType.String => "text",
        FieldType.Integer => "an integer",
        FieldType.Number => "a number",
        FieldType.Boolean => "true or false",
        FieldType.List => "a list",
        _ => "a mapping (key: value pairs)",
    };

    private static string Describe(object value) => value switch
    {
        string => "text",
        bool => "a boolean",
        long or int => "an integer",
        double => "a number",
        IList<object?> => "a list",
        IDictionary<string, object?> => "a mapping",
        _ => value.GetType().Name,
    };
}
