using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using StackOps.Abstractions;
using StackOps.Core.Errors;
using StackOps.Core.Secrets;

namespace StackOps.Core.Connectors;

/// <summary>What a connector reaches of one resource type: the resource ids, or why it cannot.</summary>
public sealed class ConnectorResources
{
    public ConnectorResources(string connector, string connectorType, string resourceType, IReadOnlyList<string> resourceIds,
        string? error = null, IReadOnlyList<string>? contents = null)
    {
        Connector = connector;
        ConnectorType = connectorType;
        ResourceType = resourceType;
        ResourceIds = resourceIds;
        Error = error;
        Contents = contents ?? [];
    }

    public string Connector { get; }
    public string ConnectorType { get; }
    public string ResourceType { get; }
    public IReadOnlyList<string> ResourceIds { get; }
    /// <summary>Why the resources cannot be reached (the service's own reason where it gives one); null when they can.</summary>
    public string? Error { get; }
    public bool Success => Error is null;
    /// <summary>What the resources hold, where the service lists it (a registry's repositories).</summary>
    public IReadOnlyList<string> Contents { get; }

    public override string ToString() => $"{Connector}: {ResourceType}";
}

/// <summary>
/// Credentials for one resource, as a connector issues them: <see cref="Settings"/> in clear (endpoint,
/// user name, region), <see cref="Secrets"/> for the adapters to hand over as SecureStrings, and
/// their expiry. <see cref="ToString"/> never shows a secret.
/// </summary>
public sealed class ConnectorCredential
{
    public ConnectorCredential(string connector, string connectorType, string authMethod, string resourceType, string? resourceId,
        IReadOnlyDictionary<string, string> settings, IReadOnlyDictionary<string, string> secrets, DateTimeOffset? expiresAt)
    {
        Connector = connector;
        ConnectorType = connectorType;
        AuthMethod = authMethod;
        ResourceType = resourceType;
        ResourceId = resourceId;
        Settings = settings;
        Secrets = secrets;
        ExpiresAt = expiresAt;
        foreach (var value in secrets.Values) SecretMasker.Shared.Register(value);
    }

    public string Connector { get; }
    public string ConnectorType { get; }
    public string AuthMethod { get; }
    public string ResourceType { get; }
    public string? ResourceId { get; }
    public IReadOnlyDictionary<string, string> Settings { get; }
    public IReadOnlyDictionary<string, string> Secrets { get; }
    public DateTimeOffset? ExpiresAt { get; }

    public override string ToString() => $"{Connector}: {ResourceType}{(ResourceId is null ? "" : $" {ResourceId}")}";
}

/// <summary>
/// One use of a connector: its definition, its settings with the credentials resolved, the time
/// limit of its calls and an HTTP client that trusts the connector's certificate authority.
/// </summary>
public sealed class ConnectorSession : ConnectorContext
{
    private readonly IReadOnlyDictionary<string, object?> _settings;

    internal ConnectorSession(ServiceConnector connector, ConnectorType type, ConnectorAuthMethod method, IReadOnlyDictionary<string, object?> settings, TimeSpan timeout)
    {
        Connector = connector;
        ConnectorType = type;
        Method = method;
        _settings = settings;
        Timeout = timeout;
    }

    public ServiceConnector Connector { get; }
    public ConnectorType ConnectorType { get; }
    public ConnectorAuthMethod Method { get; }
    public override string Name => Connector.Name;
    public override string Type => ConnectorType.Name;
    public override string AuthMethod => Method.Name;
    public override string? ResourceId => Connector.ResourceId;
    public override DateTimeOffset? ExpiresAt => Connector.ExpiresAt;
    public override TimeSpan Timeout { get; }

    /// <summary>The lifetime of the temporary credentials to issue: the connector's, else the method's default.</summary>
    public override TimeSpan Lifetime => Connector.ExpirationSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : Method.DefaultLifetime ?? TimeSpan.FromHours(1);

    /// <summary>A setting as configured, else its field's default; null when neither is given.</summary>
    public override string? Setting(string name) =>
        (_settings.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value
         ?? Method.Fields.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase))?.Default) is { } value
            ? Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) : null;

    public override string Required(string name) => Setting(name) ?? throw new StackOpsException("MissingConfigurationKey", ErrorKind.InvalidArgument,
        $"Service connector '{Connector.Name}' has no '{name}'. Give it with Set-ServiceConnector {Connector.Name} -Configuration @{{ {name} = ... }}.", Connector);

    /// <summary>An HTTP handler that also trusts the connector's certificate_authority, for private endpoints.</summary>
    public override HttpMessageHandler CreateHandler()
    {
        var handler = new SocketsHttpHandler { ConnectTimeout = Timeout };
        if (Setting("certificate_authority") is { Length: > 0 } pem)
        {
            var authorities = new X509Certificate2Collection();
            authorities.ImportFromPem(pem);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => TrustedBy(authorities, certificate, errors);
        }
        return handler;
    }

    internal static bool TrustedBy(X509Certificate2Collection authorities, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None) return true;
        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is null) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(new X509Certificate2(certificate));
    }
}
