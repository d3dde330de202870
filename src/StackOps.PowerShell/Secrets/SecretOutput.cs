using System.Collections;
using System.Security;
using StackOps.Core.Secrets;

namespace StackOps.PowerShell;

/// <summary>A secret as Get-StackSecret shows it: its keys and labels, and its values as SecureStrings (clear text only with -AsPlainText).</summary>
public sealed class StackSecretInfo
{
    internal StackSecretInfo(Secret secret, string backend, bool asPlainText, Func<string, SecureString> secure)
    {
        Name = secret.Name;
        Backend = backend;
        Keys = secret.Keys.ToArray();
        Labels = secret.Labels;
        Created = secret.Created;
        Updated = secret.Updated;
        var values = new Hashtable(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in secret.Values) values[key] = asPlainText ? value : secure(value);
        Values = values;
    }

    public string Name { get; }
    public string Backend { get; }
    public string[] Keys { get; }
    public IReadOnlyDictionary<string, string> Labels { get; }
    public DateTimeOffset? Created { get; }
    public DateTimeOffset? Updated { get; }
    /// <summary>Key → SecureString; key → string with -AsPlainText.</summary>
    public Hashtable Values { get; }

    public override string ToString() => Name;
}

/// <summary>One component of a stack with its configuration resolved: secret fields as SecureStrings (clear text only with -AsPlainText).</summary>
public sealed class StackComponentConfiguration
{
    internal StackComponentConfiguration(ResolvedComponent component, bool asPlainText, Func<string, SecureString> secure)
    {
        Stack = component.Stack;
        Type = component.Type;
        Name = component.Name;
        Flavor = component.Flavor;
        SecretFields = component.SecretFields.ToArray();
        var configuration = new Hashtable(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in component.Configuration)
            configuration[key] = !asPlainText && component.SecretFields.Contains(key) && value is string text ? secure(text) : value;
        Configuration = configuration;
    }

    public string Stack { get; }
    public string Type { get; }
    public string Name { get; }
    public string Flavor { get; }
    public Hashtable Configuration { get; }
    /// <summary>The fields whose values came from secret references.</summary>
    public string[] SecretFields { get; }

    public override string ToString() => $"{Type}/{Name}";
}
