using StackOps.Core.Model;

namespace StackOps.Core.Connectors;

/// <summary>
/// A registered service connector: a type, an auth method and its configuration, in which every
/// credential field holds a reference to the connector's secret (connector-NAME), never a value.
/// Scoped to one resource type (multi-instance) and one resource id (single-instance), or to none (multi-type).
/// </summary>
public sealed class ServiceConnector
{
    public ServiceConnector(string name, string type, string authMethod, IReadOnlyDictionary<string, object?> configuration,
        string? resourceType = null, string? resourceId = null, DateTimeOffset? expiresAt = null, int? expirationSeconds = null,
        IReadOnlyDictionary<string, string>? labels = null, string? description = null, StoreScope scope = StoreScope.User, string? path = null)
    {
        Name = name;
        Type = type;
        AuthMethod = authMethod;
        Configuration = configuration;
        ResourceType = resourceType;
        ResourceId = resourceId;
        ExpiresAt = expiresAt;
        ExpirationSeconds = expirationSeconds;
        Labels = labels ?? new Dictionary<string, string>();
        Description = description;
        Scope = scope;
        Path = path;
    }

    public string Name { get; }
    public string Type { get; }
    public string AuthMethod { get; }
    /// <summary>Settings in clear, credentials as '{{ connector-NAME.field }}' references.</summary>
    public IReadOnlyDictionary<string, object?> Configuration { get; }
    public string? ResourceType { get; }
    public string? ResourceId { get; }
    /// <summary>When the credentials given expire (sts-token, access-token, oauth2-token).</summary>
    public DateTimeOffset? ExpiresAt { get; }
    /// <summary>The lifetime of the temporary credentials it issues, for auth methods that issue them.</summary>
    public int? ExpirationSeconds { get; }
    public IReadOnlyDictionary<string, string> Labels { get; }
    public string? Description { get; }
    public StoreScope Scope { get; }
    public string? Path { get; }

    public ConnectorScope Kind => ResourceType is null ? ConnectorScope.MultiType : ResourceId is null ? ConnectorScope.MultiInstance : ConnectorScope.SingleInstance;

    /// <summary>The secret that holds the credential fields.</summary>
    public string SecretName => SecretNameFor(Name);

    public static string SecretNameFor(string connector) => $"{SecretPrefix}{connector}";

    public const string SecretPrefix = "connector-";

    /// <summary>
    /// What the connector's credentials are bound to: a fingerprint of its name, type, auth method,
    /// resource type and id, and every setting (endpoints, regions, servers: where a credential is
    /// sent). Kept with the credential when it is saved; a document edited afterwards (a resource id
    /// pointed at another host) no longer matches, and the connector is refused before anything is sent.
    /// </summary>
    public string Binding
    {
        get
        {
            var text = new System.Text.StringBuilder("stackops.io/connector-binding/v1\n");
            foreach (var part in new[] { Name.ToLowerInvariant(), Type.ToLowerInvariant(), AuthMethod.ToLowerInvariant(), ResourceType ?? "", ResourceId ?? "" })
                text.Append(part).Append('\n');
            foreach (var (key, value) in Configuration.OrderBy(p => p.Key.ToLowerInvariant(), StringComparer.Ordinal))
                text.Append(key.ToLowerInvariant()).Append('=').Append(System.Text.Json.JsonSerializer.Serialize(value)).Append('\n');
            return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text.ToString()))).ToLowerInvariant();
        }
    }

    public ServiceConnector With(string? name = null, string? type = null, string? authMethod = null, IReadOnlyDictionary<string, object?>? configuration = null,
        string? resourceType = null, string? resourceId = null, bool clearResource = false, DateTimeOffset? expiresAt = null, bool clearExpiry = false,
        int? expirationSeconds = null, IReadOnlyDictionary<string, string>? labels = null, string? description = null, string? path = null) =>
        new(name ?? Name, type ?? Type, authMethod ?? AuthMethod, configuration ?? Configuration,
            clearResource ? resourceType : resourceType ?? ResourceType, clearResource ? resourceId : resourceId ?? ResourceId,
            clearExpiry ? expiresAt : expiresAt ?? ExpiresAt, expirationSeconds ?? ExpirationSeconds, labels ?? Labels,
            description ?? Description, Scope, path ?? Path);

    public override string ToString() => Name;
}

public enum ConnectorScope
{
    /// <summary>No resource type: it reaches every resource type of its connector type.</summary>
    MultiType,
    /// <summary>One resource type, any instance.</summary>
    MultiInstance,
    /// <summary>One resource type and one resource id.</summary>
    SingleInstance,
}
