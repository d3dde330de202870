using System.Collections;
using System.Text;
using StackOps.Abstractions;
using StackOps.Core.Errors;

namespace StackOps.Core.Secrets;

/// <summary>
/// Read-only secrets from environment variables, for CI: key <c>KEY</c> of secret <c>NAME</c> is
/// <c>STACKOPS_SECRET_&lt;NAME&gt;__&lt;KEY&gt;</c>, upper case, every character other than a
/// letter, a digit or '_' turned into '_'. So aws-prod and aws_prod share their variables, and
/// secret a__b key c is the same variable as secret a key b__c: avoid '__' in names and keys.
/// Keys read back in lower case (references match keys regardless of case).
/// </summary>
public sealed class EnvironmentSecretBackend : ISecretBackend
{
    public const string Prefix = "STACKOPS_SECRET_";
    private const string Separator = "__";

    public EnvironmentSecretBackend(string name) => Name = name;

    public static readonly SecretBackendTypeDefinition Type = new(SecretBackendTypes.Environment,
        $"Read-only: {Prefix}<NAME>__<KEY> environment variables (CI).", SecretBackendCapabilities.Read | SecretBackendCapabilities.List,
        context => new EnvironmentSecretBackend(context.Name));

    public string Name { get; }
    public SecretBackendCapabilities Capabilities => Type.Capabilities;

    /// <summary>The variable that holds a key of a secret.</summary>
    public static string VariableName(string secret, string key) => Prefix + Normalize(secret) + Separator + Normalize(key);

    public Secret? Read(string name)
    {
        var prefix = Prefix + Normalize(name) + Separator;
        var values = Variables().Where(v => v.Name.StartsWith(prefix, Comparison) && v.Name.Length > prefix.Length)
            .ToDictionary(v => v.Name[prefix.Length..].ToLowerInvariant(), v => v.Value, StringComparer.Ordinal);
        return values.Count == 0 ? null : new Secret(name, values);
    }

    public bool Exists(string name)
    {
        var prefix = Prefix + Normalize(name) + Separator;
        return Variables().Any(v => v.Name.StartsWith(prefix, Comparison) && v.Name.Length > prefix.Length);
    }

    /// <summary>The secret names the variables give, in lower case (the mapping cannot tell '-' from '_').</summary>
    public IReadOnlyList<string> List() =>
        Variables().Select(v => v.Name[Prefix.Length..]).Select(rest => rest[..rest.IndexOf(Separator, StringComparison.Ordinal)].ToLowerInvariant())
            .Distinct().Order(StringComparer.Ordinal).ToList();

    public ISecretTransaction Begin() =>
        throw new StackOpsException("SecretBackendReadOnly", ErrorKind.InvalidOperation,
            $"The secret backend '{Name}' reads environment variables and cannot store secrets. Set {Prefix}<NAME>__<KEY> in the environment instead (in GitHub Actions, map the environment's secrets in env:).", Name);

    /// <summary>Environment variable names are case-insensitive on Windows only.</summary>
    private static StringComparison Comparison => OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>The variables that hold a key of a secret: STACKOPS_SECRET_&lt;NAME&gt;__&lt;KEY&gt;, not STACKOPS_SECRET_BACKEND.</summary>
    private static IEnumerable<(string Name, string Value)> Variables() =>
        Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
            .Select(e => ((string)e.Key, e.Value as string ?? ""))
            .Where(v => v.Item1.StartsWith(Prefix, Comparison) && v.Item1.IndexOf(Separator, Prefix.Length, StringComparison.Ordinal) > Prefix.Length && v.Item2.Length > 0);

    private static string Normalize(string part)
    {
        var builder = new StringBuilder(part.Length);
        foreach (var c in part.ToUpperInvariant()) builder.Append(c is >= 'A' and <= 'Z' or >= '0' and <= '9' or '_' ? c : '_');
        return builder.ToString();
    }
}
