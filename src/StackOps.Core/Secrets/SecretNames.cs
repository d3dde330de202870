using System.Text.RegularExpressions;
using StackOps.Core.Errors;
using StackOps.Core.Model;

namespace StackOps.Core.Secrets;

/// <summary>The rules for secret names and keys.</summary>
public static partial class SecretNames
{
    /// <summary>ZenML reserves it: a secret's fields sit next to its name.</summary>
    public const string Reserved = "name";

    /// <summary>
    /// A secret name follows the store's name rules and must be usable in a reference, so it
    /// has no dot (a reference ends the name at the first dot).
    /// </summary>
    public static string Validate(string? name)
    {
        var problem = NameRules.Problem(name);
        if (problem is null)
        {
            if (string.Equals(name, Reserved, StringComparison.OrdinalIgnoreCase)) problem = $"'{Reserved}' is reserved";
            else if (name!.Contains('.')) problem = "it contains '.', which a reference {{ name.key }} cannot hold (the name ends at the first dot)";
        }
        if (problem is not null) throw Fail.InvalidName("Secret", name ?? "", problem);
        return name!;
    }

    /// <summary>
    /// Keys that name who or which (an identity), not a credential: their values may be given as clear text
    /// (a username), where every other value must come as a SecureString or a prompt. They are kept and masked
    /// like every other value.
    /// </summary>
    public static readonly IReadOnlyList<string> IdentityKeys = ["username", "user", "email", "client_id", "tenant_id"];

    public static bool IsIdentityKey(string key) => IdentityKeys.Contains(key, StringComparer.OrdinalIgnoreCase);

    /// <summary>Keys are identifiers: a letter or underscore, then letters, digits and underscores.</summary>
    public static string ValidateKey(string secret, string? key)
    {
        if (key is null || !KeyPattern().IsMatch(key))
            throw new StackOpsException("InvalidSecretKey", ErrorKind.InvalidArgument,
                $"'{Fail.Printable(key ?? "")}' is not a valid key of secret '{secret}': keys are identifiers (a letter or '_', then letters, digits or '_'), such as access_key_id.", secret);
        if (string.Equals(key, Reserved, StringComparison.OrdinalIgnoreCase))
            throw new StackOpsException("InvalidSecretKey", ErrorKind.InvalidArgument,
                $"'{key}' cannot be a key of secret '{secret}': ZenML reserves it. Use another key, such as username.", secret);
        return key;
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();
}
