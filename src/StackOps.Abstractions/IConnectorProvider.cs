namespace StackOps.Abstractions;

/// <summary>
/// The behaviour of a connector type: lists what its credentials reach and issues credentials for one
/// resource. StackOps calls it with the connector's settings, credentials resolved; a provider never
/// stores or logs them.
/// </summary>
public interface IConnectorProvider
{
    /// <summary>The resources of one type that the credentials reach; a failure is <see cref="ResourceListing.Failed"/>, not an exception.</summary>
    Task<ResourceListing> ListAsync(ConnectorContext connector, ResourceTypeDefinition resourceType, CancellationToken cancellation);

    /// <summary>Credentials for one resource (or the connector's own resource when <paramref name="resourceId"/> is null).</summary>
    Task<IssuedCredential> IssueAsync(ConnectorContext connector, ResourceTypeDefinition resourceType, string? resourceId, CancellationToken cancellation);
}

/// <summary>One use of a connector, as a provider sees it: its names, its settings with the credentials resolved, and the means to call out.</summary>
public abstract class ConnectorContext
{
    /// <summary>The connector's name.</summary>
    public abstract string Name { get; }

    /// <summary>Its connector type.</summary>
    public abstract string Type { get; }

    /// <summary>Its authentication method.</summary>
    public abstract string AuthMethod { get; }

    /// <summary>The one resource the connector is bound to, if it is.</summary>
    public abstract string? ResourceId { get; }

    /// <summary>When the credentials it was given expire, for methods whose credentials are themselves temporary.</summary>
    public abstract DateTimeOffset? ExpiresAt { get; }

    /// <summary>The time limit of each call.</summary>
    public abstract TimeSpan Timeout { get; }

    /// <summary>The lifetime of the temporary credentials to issue.</summary>
    public abstract TimeSpan Lifetime { get; }

    /// <summary>A setting as configured, else its schema's default; null when neither is given.</summary>
    public abstract string? Setting(string name);

    /// <summary>A setting that must be given; its absence is an error that says how to set it.</summary>
    public abstract string Required(string name);

    /// <summary>An HTTP handler with the connector's time limit that also trusts its certificate_authority, for private endpoints.</summary>
    public abstract HttpMessageHandler CreateHandler();

    /// <summary>An HTTP client over <see cref="CreateHandler"/>.</summary>
    public HttpClient CreateHttpClient() => new(CreateHandler()) { Timeout = Timeout };

    /// <summary>The reason of a failed call, in words: a time limit, a refused connection, or the exception's message.</summary>
    public string Describe(Exception exception, string endpoint) => exception switch
    {
        OperationCanceledException => $"{endpoint} did not answer within {Timeout.TotalSeconds:0} seconds",
        HttpRequestException { InnerException: { } inner } => $"cannot reach {endpoint}: {inner.Message}",
        HttpRequestException http => $"cannot reach {endpoint}: {http.Message}",
        _ => exception.Message,
    };
}

/// <summary>What a connector reaches of one resource type: the resource ids and what they hold, or why it cannot.</summary>
/// <param name="ResourceIds">The ids, in the resource type's id format.</param>
/// <param name="Contents">What the resources hold, where the service lists it (a registry's repositories).</param>
/// <param name="Error">Why the resources cannot be reached (the service's own reason where it gives one); null when they can.</param>
public sealed record ResourceListing(IReadOnlyList<string> ResourceIds, IReadOnlyList<string>? Contents = null, string? Error = null)
{
    /// <summary>The resources reached.</summary>
    public static ResourceListing Reached(IReadOnlyList<string> resourceIds, IReadOnlyList<string>? contents = null) => new(resourceIds, contents);

    /// <summary>Nothing reached, and why.</summary>
    public static ResourceListing Failed(string reason) => new([], null, reason);
}

/// <summary>
/// Credentials for one resource: settings in clear (endpoint, user name, region), secrets (handed to
/// users as SecureStrings, masked everywhere), and when they expire.
/// </summary>
/// <param name="ResourceId">The resource they are for.</param>
/// <param name="Settings">What may be shown.</param>
/// <param name="Secrets">What must never be shown.</param>
/// <param name="ExpiresAt">When they expire; null for the connector's own expiry, if any.</param>
public sealed record IssuedCredential(string? ResourceId, IReadOnlyDictionary<string, string> Settings, IReadOnlyDictionary<string, string> Secrets, DateTimeOffset? ExpiresAt = null);

/// <summary>A kind of resource a connector type reaches.</summary>
/// <param name="Name">Its name (s3-bucket, docker-registry, kubernetes-cluster...); the same name across connector types means the same kind.</param>
/// <param name="Description">A sentence.</param>
/// <param name="SupportsInstances">Whether there are several, told apart by id (buckets), or one (an account's APIs).</param>
/// <param name="IdFormat">What an id looks like, for messages and help.</param>
public sealed record ResourceTypeDefinition(string Name, string Description, bool SupportsInstances, string IdFormat);

/// <summary>How a connector type authenticates.</summary>
/// <param name="Name">Its name (token, password...).</param>
/// <param name="Description">A sentence.</param>
/// <param name="ConfigurationSchema">Its settings in StackOps's flavor schema language (a YAML map of fields); fields marked <c>secret: true</c> hold credentials.</param>
public sealed record AuthMethodDefinition(string Name, string Description, string ConfigurationSchema)
{
    /// <summary>Whether the credentials given are themselves temporary (the connector then takes -ExpiresAt).</summary>
    public bool Expires { get; init; }

    /// <summary>For methods that issue temporary credentials: their default lifetime (null when they issue what they were given).</summary>
    public TimeSpan? DefaultLifetime { get; init; }
}

/// <summary>A connector type an integration adds: its authentication methods, the resource types it reaches, and its provider.</summary>
/// <param name="Name">The type's name, as New-ServiceConnector -Type takes it.</param>
/// <param name="Description">A sentence.</param>
/// <param name="AuthMethods">Its authentication methods.</param>
/// <param name="ResourceTypes">The resource types it reaches.</param>
/// <param name="Provider">Creates its provider (called when a connector of the type is used, not when it is listed).</param>
public sealed record ConnectorTypeDefinition(string Name, string Description, IReadOnlyList<AuthMethodDefinition> AuthMethods,
    IReadOnlyList<ResourceTypeDefinition> ResourceTypes, Func<IConnectorProvider> Provider);
