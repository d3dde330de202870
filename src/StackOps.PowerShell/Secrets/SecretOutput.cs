using System.Collections;
using System.Security;
using StackOps.Abstractions;
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

/// <summary>Credentials a connector issued for one resource: settings in clear, secrets as SecureStrings (clear text only with -AsPlainText).</summary>
public sealed class ServiceConnectorCredential
{
    internal ServiceConnectorCredential(StackOps.Core.Connectors.ConnectorCredential credential, bool asPlainText, Func<string, SecureString> secure)
    {
        Connector = credential.Connector;
        ConnectorType = credential.ConnectorType;
        AuthMethod = credential.AuthMethod;
        ResourceType = credential.ResourceType;
        ResourceId = credential.ResourceId;
        ExpiresAt = credential.ExpiresAt;
        Settings = new Hashtable(credential.Settings.ToDictionary(p => p.Key, p => (object)p.Value), StringComparer.OrdinalIgnoreCase);
        var secrets = new Hashtable(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in credential.Secrets) secrets[key] = asPlainText ? value : secure(value);
        Secrets = secrets;
    }

    public string Connector { get; }
    public string ConnectorType { get; }
    public string AuthMethod { get; }
    public string ResourceType { get; }
    public string? ResourceId { get; }
    public DateTimeOffset? ExpiresAt { get; }
    public Hashtable Settings { get; }
    /// <summary>Key → SecureString; key → string with -AsPlainText.</summary>
    public Hashtable Secrets { get; }

    public override string ToString() => $"{Connector}: {ResourceType}{(ResourceId is null ? "" : $" {ResourceId}")}";
}
