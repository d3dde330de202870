using StackOps.Abstractions;
using StackOps.Core.Connectors.Providers;
using StackOps.Core.Errors;
using StackOps.Core.Flavors;
using StackOps.Core.Model;
using StackOps.Core.Secrets;
using StackOps.Core.Store;
using StackOps.Core.Validation;

namespace StackOps.Core.Connectors;

/// <summary>
/// Service connectors: registered by the few who hold cloud access, linked to components by
/// everyone else. Credential fields go to the secret connector-NAME in the secret backend; the
/// connector document holds references. Every use checks expiry and implicit authentication first.
/// </summary>
public sealed class ConnectorService
{
    public const string ImplicitVariable = "STACKOPS_ALLOW_IMPLICIT_AUTH";

    private readonly StackOpsEngine _engine;

    internal ConnectorService(StackOpsEngine engine) => _engine = engine;

    /// <summary>On a team server's store, the server's credential broker: connectors' credentials are saved to it and issued by it.</summary>
    private CredentialBroker? Broker => _engine.Store is Store.Remote.RemoteStore remote ? new CredentialBroker(remote.Client) : null;

    /// <summary>How long before its expiry a connector already counts as expired.</summary>
    public TimeSpan ExpirySkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The time limit of each call to a service (verification, token requests).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The built-in connector types' providers; tests and hosts may replace them. Integrations' types bring their own.</summary>
    internal Dictionary<string, IConnectorProvider> Providers { get; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["docker"] = new DockerProvider(),
        ["github"] = new GitHubProvider(),
        ["kubernetes"] = new KubernetesProvider(),
        ["aws"] = new AwsProvider(),
        ["azure"] = new AzureProvider(),
        ["gcp"] = new GcpProvider(),
    };

    // ---- Types -------------------------------------------------------------------------------

    /// <summary>The connector types StackOps knows: the built-in ones, then those of the registered integrations.</summary>
    public IReadOnlyList<ConnectorType> Types() => [.. ConnectorCatalog.All, .. _engine.Integrations.ConnectorTypes];

    public ConnectorType? FindType(string name) => Types().FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase));

    public ConnectorType Type(string name) => FindType(name) ?? throw new StackOpsException("UnknownConnectorType", ErrorKind.InvalidArgument,
        $"'{name}' is not a service connector type; use one of {string.Join(", ", Types().Select(t => t.Name))} (Get-ServiceConnectorType describes them), or register the integration that adds it (Register-StackIntegration).", name);

    private static ConnectorAuthMethod Method(ConnectorType type, string name) => type.AuthMethod(name) ?? throw new StackOpsException("UnknownAuthMethod", ErrorKind.InvalidArgument,
        $"'{name}' is not an auth method of the {type.Name} connector; use one of {string.Join(", ", type.AuthMethods.Select(m => m.Name))}.", name);

    private static ConnectorResourceType ResourceType(ConnectorType type, string name) => type.ResourceType(name) ?? throw new StackOpsException("UnknownResourceType", ErrorKind.InvalidArgument,
        $"'{name}' is not a resource type of the {type.Name} connector; use one of {string.Join(", ", type.ResourceTypes.Select(r => r.Name))}.", name);

    // ---- Connectors ----------------------------------------------------------------------------

    public Listing<ServiceConnector> List() => _engine.View().Connectors();

    /// <summary>A connector by exact name (any case) or unique prefix.</summary>
    public ServiceConnector Get(string name)
    {
        var view = _engine.View();
        return view.Connector(name) ?? NameMatching.ExactOrUniquePrefix(view.Connectors().Items, c => c.Name, name, "ServiceConnector") ?? throw NotFound(name);
    }

    private static StackOpsException NotFound(string name) =>
        new("ServiceConnectorNotFound", ErrorKind.NotFound, $"Service connector '{name}' was not found. Run Get-ServiceConnector to list them, or New-ServiceConnector to register it.", name);

    /// <summary>
    /// Registers a connector: <paramref name="configuration"/> holds the settings in clear (and any
    /// references), <paramref name="secretValues"/> the credential fields, which go to the secret
    /// connector-NAME. Verified against the service first unless <paramref name="verify"/> is false;
    /// nothing is written when anything fails.
    /// </summary>
    public ServiceConnector Create(string name, string type, string authMethod, IReadOnlyDictionary<string, object?> configuration,
        IReadOnlyDictionary<string, string> secretValues, string? resourceType = null, string? resourceId = null, DateTimeOffset? expiresAt = null,
        int? expirationSeconds = null, IReadOnlyDictionary<string, string?>? labels = null, string? description = null, bool verify = true)
    {
        ValidateName(name);
        if (_engine.View().Connector(name) is not null)
            throw Fail.AlreadyExists("ServiceConnector", name, "Change it with Set-ServiceConnector, or remove it first.");
        var connectorType = Type(type);
        var method = Method(connectorType, authMethod);
        var connector = new ServiceConnector(name, connectorType.Name, method.Name, new Dictionary<string, object?>(), expiresAt: expiresAt,
            expirationSeconds: expirationSeconds, labels: StackOpsEngine.MergeLabels(new Dictionary<string, string>(), labels), description: description,
            scope: _engine.Store.Scope);
        connector = Scoped(connector, connectorType, resourceType, resourceId);
        return Save(connector, connectorType, method, configuration, secretValues, existingSecret: null, verify, isNew: true);
    }

    /// <summary>
    /// Changes a connector: settings and credentials merge (a null setting removes it), labels merge.
    /// A connector that components use keeps its type, auth method, resource type and resource id.
    /// </summary>
    public ServiceConnector Update(string name, IReadOnlyDictionary<string, object?>? configuration = null, IReadOnlyDictionary<string, string>? secretValues = null,
        string? authMethod = null, string? resourceType = null, string? resourceId = null, bool clearResource = false, DateTimeOffset? expiresAt = null,
        int? expirationSeconds = null, IReadOnlyDictionary<string, string?>? labels = null, string? description = null, bool verify = true)
    {
        var existing = _engine.View().Connector(name) ?? throw NotFound(name);
        var connectorType = Type(existing.Type);
        var method = Method(connectorType, authMethod ?? existing.AuthMethod);
        var changed = existing.With(authMethod: method.Name, expiresAt: expiresAt, expirationSeconds: expirationSeconds,
            labels: StackOpsEngine.MergeLabels(existing.Labels, labels), description: description);
        if (clearResource || resourceType is not null || resourceId is not null)
            changed = Scoped(changed, connectorType, clearResource ? resourceType : resourceType ?? existing.ResourceType, clearResource ? resourceId : resourceId ?? existing.ResourceId);
        var identityChanged = changed.AuthMethod != existing.AuthMethod || changed.ResourceType != existing.ResourceType || changed.ResourceId != existing.ResourceId;
        if (identityChanged && Users(existing) is { Count: > 0 } users)
            throw InUse(existing, users, "change its auth method, resource type or resource id");

        // A server keeps the credentials: the references to them stay unless given again; a file store's are re-added below from the secret.
        var merged = existing.AuthMethod == method.Name
            ? existing.Configuration.Where(p => Broker is not null || !IsOwnReference(existing, p.Value)).ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase)
            : new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in configuration ?? new Dictionary<string, object?>())
        {
            if (value is null) merged.Remove(key);
            else merged[key] = value;
        }
        // Keeping the saved credentials for a document edited behind StackOps' back would bind them to the edit (and verification would send them there).
        if (secretValues is not { Count: > 0 }) EnsureBound(existing);
        var existingSecret = existing.AuthMethod == method.Name ? ReadOwnSecret(existing) : null;
        return Save(changed, connectorType, method, merged, secretValues ?? new Dictionary<string, string>(), existingSecret, verify, isNew: false);
    }

    /// <summary>Removes a connector and its secret; one that components use is refused.</summary>
    public ServiceConnector Remove(string name)
    {
        var existing = CheckRemove(name);
        _engine.Change((transaction, _) =>
        {
            transaction.Delete(StackOpsEngine.KeyOf(existing));
            return existing;
        });
        if (_engine.Secrets.Exists(existing.SecretName)) _engine.Secrets.Remove(existing.SecretName, force: true);
        _engine.Messages.Verbose($"Removed service connector '{existing.Name}' and its secret '{existing.SecretName}'.");
        return existing;
    }

    /// <summary>The checks of <see cref="Remove"/>, changing nothing (-WhatIf, -Confirm): the connector as it would be removed.</summary>
    public ServiceConnector CheckRemove(string name)
    {
        var existing = _engine.View().Connector(name) ?? throw NotFound(name);
        return Users(existing) is { Count: > 0 } users ? throw InUse(existing, users, "remove it") : existing;
    }

    private static void ValidateName(string name)
    {
        NameRules.Validate("ServiceConnector", name);
        try { SecretNames.Validate(ServiceConnector.SecretNameFor(name)); }
        catch (StackOpsException e) { throw Fail.InvalidName("ServiceConnector", name, $"its credentials are kept in the secret '{ServiceConnector.SecretNameFor(name)}', and {e.Message.Split(": ", 2)[^1].Split(". Names", 2)[0]}"); }
    }

    /// <summary>The connector scoped to a resource type and id: the id in its canonical form, only for types with instances.</summary>
    private static ServiceConnector Scoped(ServiceConnector connector, ConnectorType type, string? resourceType, string? resourceId)
    {
        if (resourceType is null)
        {
            if (resourceId is not null)
                throw new StackOpsException("ResourceTypeMissing", ErrorKind.InvalidArgument,
                    $"A resource id needs a resource type: give -ResourceType (one of {string.Join(", ", type.ResourceTypes.Select(r => r.Name))}).", connector.Name);
            return connector.With(resourceType: null, resourceId: null, clearResource: true);
        }
        var kind = ResourceType(type, resourceType);
        if (resourceId is not null && !kind.SupportsInstances)
            throw new StackOpsException("ResourceIdNotApplicable", ErrorKind.InvalidArgument,
                $"The {kind.Name} resource type has no instances, so a connector for it takes no -ResourceId.", connector.Name);
        return connector.With(resourceType: kind.Name, resourceId: resourceId is null ? null : kind.Canonicalize(resourceId), clearResource: true);
    }

    /// <summary>Validates, verifies and writes a connector: the secret first, then the document (the secret is restored if the document cannot be written).</summary>
    private ServiceConnector Save(ServiceConnector connector, ConnectorType type, ConnectorAuthMethod method, IReadOnlyDictionary<string, object?> configuration,
        IReadOnlyDictionary<string, string> secretValues, Secret? existingSecret, bool verify, bool isNew)
    {
        if (method.IsImplicit) EnsureImplicitAllowed(connector);
        if (connector.ExpiresAt is not null && !method.Expires)
            throw new StackOpsException("ExpiryNotApplicable", ErrorKind.InvalidArgument,
                $"The {type.Name} '{method.Name}' auth method uses long-lived credentials: it takes no -ExpiresAt.", connector.Name);
        if (connector.ExpirationSeconds is { } seconds)
        {
            if (!method.IssuesTemporaryCredentials)
                throw new StackOpsException("ExpirationNotApplicable", ErrorKind.InvalidArgument,
                    $"The {type.Name} '{method.Name}' auth method issues no temporary credentials: it takes no -ExpirationSeconds.", connector.Name);
            var (minimum, maximum) = (method.MinimumLifetime!.Value.TotalSeconds, method.MaximumLifetime!.Value.TotalSeconds);
            if (seconds < minimum || seconds > maximum)
                throw new StackOpsException("ExpirationOutOfRange", ErrorKind.InvalidArgument,
                    $"-ExpirationSeconds for the {type.Name} '{method.Name}' auth method is between {minimum:0} and {maximum:0}.", connector.Name);
        }

        var schema = method.SchemaFor(type);
        var secretFields = method.Fields.Where(f => f.Secret).Select(f => f.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var key in secretValues.Keys)
            if (schema.Field(key) is { } field && !field.Secret)
                throw new StackOpsException("InvalidConfigurationValue", ErrorKind.InvalidArgument,
                    $"'{field.Name}' of {schema.Owner} is not a credential: give it in clear in -Configuration.", connector.Name);
        foreach (var (key, value) in configuration)
            if (secretFields.Contains(key) && value is string text && !SecretReference.IsReference(text))
                throw Fail.PlainTextSecretValue(connector.Name, key, null);

        // Credentials kept: the existing secret's, unless given again; those given are new.
        var credentials = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in existingSecret?.Values ?? new Dictionary<string, string>())
            if (secretFields.Contains(key) && !configuration.ContainsKey(key)) credentials[key] = value;
        foreach (var (key, value) in secretValues) credentials[schema.Field(key)?.Name ?? key] = value;
        SecretService.Admit([new Secret(connector.SecretName, credentials)]);

        var stored = configuration.ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);
        foreach (var key in credentials.Keys) stored[key] = new SecretReference(connector.SecretName, key).ToString();
        var validated = ConfigurationValidator.Validate(schema, stored, $"service connector '{connector.Name}'", connector.Name);
        connector = connector.With(configuration: validated);

        if (Broker is { } broker)
        {
            // The server merges these with the credentials it keeps, verifies when asked, and saves the document and the credentials together.
            var key = StackOpsEngine.KeyOf(connector);
            broker.Save(connector.Name, Yaml.DocumentCodec.ToYaml(connector), isNew ? 0 : _engine.Store.Read(key)?.Version ?? 0, credentials, verify);
            _engine.Messages.Verbose($"{(isNew ? "Registered" : "Updated")} the {type.Name} service connector '{connector.Name}' ({method.Name}) on the server; its credentials are in the server's vault.");
            return connector.With(path: ((Store.Remote.RemoteStore)_engine.Store).PathOf(key));
        }
        if (verify) VerifyWith(connector, credentials);

        var secretWritten = false;
        if (credentials.Count > 0)
        {
            _engine.Secrets.Create(connector.SecretName, credentials, new Dictionary<string, string?>
            {
                [ConnectorLabel] = connector.Name,
                [BindingLabel] = AsStored(connector).Binding,
            }, force: true);
            secretWritten = true;
        }
        try
        {
            var path = _engine.Change((transaction, view) =>
            {
                if (isNew && view.Connector(connector.Name) is not null) throw Fail.AlreadyExists("ServiceConnector", connector.Name, "Change it with Set-ServiceConnector.");
                return StackOpsEngine.Write(transaction, connector);
            });
            _engine.Messages.Verbose($"{(isNew ? "Registered" : "Updated")} the {type.Name} service connector '{connector.Name}' ({method.Name}) in {path}{(credentials.Count > 0 ? $"; its credentials are in the secret '{connector.SecretName}'" : "")}.");
            return connector.With(path: path);
        }
        catch (StackOpsException) when (secretWritten)
        {
            if (existingSecret is null) _engine.Secrets.Remove(connector.SecretName, force: true);
            else _engine.Secrets.Create(connector.SecretName, existingSecret.Values, existingSecret.Labels.ToDictionary(p => p.Key, p => (string?)p.Value), force: true);
            throw;
        }
    }

    /// <summary>Verifies a connector with the credentials given (before it is saved): every resource type it covers must be reached, else ConnectorVerificationFailed.</summary>
    public void VerifyWith(ServiceConnector connector, IReadOnlyDictionary<string, string> credentials)
    {
        var type = Type(connector.Type);
        var session = new ConnectorSession(connector, type, Method(type, connector.AuthMethod), Merge(connector.Configuration, credentials, connector), Timeout);
        var failures = ListAll(session).Where(r => !r.Success).ToList();
        if (failures.Count > 0)
            throw new StackOpsException("ConnectorVerificationFailed", ErrorKind.InvalidOperation,
                $"Service connector '{connector.Name}' failed verification, so nothing was saved: {string.Join(" ", failures.Select(f => $"{f.ResourceType}: {f.Error}."))} Check the credentials, or pass -SkipVerification to save it anyway.", connector.Name);
    }

    /// <summary>Labels of a connector's secret: whose it is, and what its credentials are bound to (<see cref="ServiceConnector.Binding"/>).</summary>
    public const string ConnectorLabel = "stackops.io/connector", BindingLabel = "stackops.io/binding";

    /// <summary>The connector as it will read back from its document (values as YAML gives them), so its binding is the one a later use computes.</summary>
    private ServiceConnector AsStored(ServiceConnector connector) =>
        Yaml.DocumentCodec.ReadOne<ServiceConnector>(Yaml.DocumentCodec.ToYaml(connector), connector.Name, _engine.Store.Scope, connector.Path ?? connector.Name);

    private static Dictionary<string, object?> Merge(IReadOnlyDictionary<string, object?> configuration, IReadOnlyDictionary<string, string> credentials, ServiceConnector connector)
    {
        var merged = configuration.ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in credentials) merged[key] = value;
        return merged;
    }

    private static bool IsOwnReference(ServiceConnector connector, object? value) =>
        SecretReference.TryParse(value, out var reference) && string.Equals(reference.SecretName, connector.SecretName, StringComparison.OrdinalIgnoreCase);

    private Secret? ReadOwnSecret(ServiceConnector connector) =>
        _engine.Secrets.Exists(connector.SecretName) ? _engine.Secrets.Get(connector.SecretName) : null;

    // ---- Use -----------------------------------------------------------------------------------

    /// <summary>Verifies a connector: one result per resource type it covers (the one asked for, or all), with the reason when it fails.</summary>
    public IReadOnlyList<ConnectorResources> Verify(string name, string? resourceType = null, string? resourceId = null)
    {
        if (Broker is { } broker) return broker.Verify(Get(name).Name, resourceType, resourceId);
        var session = Open(Get(name));
        var types = ResourceTypes(session, resourceType);
        var results = types.Select(t => List(session, t)).ToList();
        if (resourceId is null) return results;
        var kind = types.Single();
        var id = kind.Canonicalize(resourceId);
        return results.Select(r => !r.Success || r.ResourceIds.Contains(id, StringComparer.OrdinalIgnoreCase) || !kind.SupportsInstances ? r
            : new ConnectorResources(r.Connector, r.ConnectorType, r.ResourceType, [], $"the credentials do not reach {id} (they reach {(r.ResourceIds.Count == 0 ? "none" : string.Join(", ", r.ResourceIds))})")).ToList();
    }

    /// <summary>What each connector (all, or those named) reaches, per resource type.</summary>
    public IReadOnlyList<ConnectorResources> Resources(string name, string? resourceType = null)
    {
        if (Broker is { } broker) return broker.Verify(Get(name).Name, resourceType, null);
        var session = Open(Get(name));
        return ResourceTypes(session, resourceType).Select(t => List(session, t)).ToList();
    }

    /// <summary>Credentials for one resource: derived short-lived ones where the provider can, with their expiry.</summary>
    public ConnectorCredential Credential(string name, string? resourceType = null, string? resourceId = null)
    {
        if (Broker is { } broker)
        {
            var issued = broker.Issue(Get(name).Name, resourceType, resourceId);
            _engine.Messages.Verbose($"The server issued {(issued.ExpiresAt is { } until ? $"credentials valid until {until:u}" : "the connector's stored credentials")} for {issued.ResourceType}{(issued.ResourceId is null ? "" : $" {issued.ResourceId}")} from service connector '{issued.Connector}'.");
            return issued;
        }
        var session = Open(Get(name));
        var kind = ResourceTypes(session, resourceType) switch
        {
            [var single] => single,
            var several => throw new StackOpsException("ResourceTypeMissing", ErrorKind.InvalidArgument,
                $"Service connector '{session.Name}' covers several resource types ({string.Join(", ", several.Select(t => t.Name))}): give -ResourceType.", session.Connector),
        };
        var id = ResourceIdFor(session.Connector, kind, resourceId);
        var credential = Issue(session, kind, id);
        _engine.Messages.Verbose($"Issued {(credential.ExpiresAt is { } at ? $"credentials valid until {at:u}" : "credentials")} for {kind.Name}{(id is null ? "" : $" {id}")} from service connector '{session.Name}'.");
        return credential;
    }

    /// <summary>
    /// Configures the local client of a resource from the connector: Docker for registries, kubectl
    /// for clusters. The written file holds the issued credentials, as the client's own login would.
    /// </summary>
    public ClientLogin Login(string name, string? resourceType = null, string? resourceId = null, string? path = null)
    {
        var connector = Get(name);
        var kind = resourceType ?? connector.ResourceType
            ?? Type(connector.Type).ResourceTypes.Select(r => r.Name).FirstOrDefault(r => r is ConnectorCatalog.DockerRegistry or ConnectorCatalog.KubernetesCluster or "container-registry");
        var credential = Credential(name, kind, resourceId);
        var login = credential.ResourceType switch
        {
            ConnectorCatalog.DockerRegistry or "container-registry" => ClientConfiguration.Docker(credential, path),
            ConnectorCatalog.KubernetesCluster => ClientConfiguration.Kubernetes(credential, path),
            _ => throw new StackOpsException("NoClientToConfigure", ErrorKind.InvalidArgument,
                $"There is no local client to log in to for {credential.ResourceType}: logins configure Docker (docker-registry, container-registry) and kubectl (kubernetes-cluster). Use Get-ServiceConnectorCredential for the credentials themselves.", connector),
        };
        _engine.Messages.Verbose($"Configured {login.Client} for {login.Entry} in {login.File} from service connector '{connector.Name}'{(login.ExpiresAt is { } at ? $" (valid until {at:u})" : "")}.");
        return login;
    }

    /// <summary>An HTTP handler for a connector's endpoints: its certificate authority (a setting, never a credential) and its time limit.</summary>
    public HttpMessageHandler Handler(string name)
    {
        var connector = Get(name);
        var type = Type(connector.Type);
        return new ConnectorSession(connector, type, Method(type, connector.AuthMethod), connector.Configuration, Timeout).CreateHandler();
    }

    /// <summary>The resource id a use of a connector is about: its own (single-instance), the one given, or none for types without instances.</summary>
    private static string? ResourceIdFor(ServiceConnector connector, ConnectorResourceType kind, string? requested)
    {
        var id = requested is null ? null : kind.Canonicalize(requested);
        if (connector.ResourceId is { } own)
        {
            if (id is not null && !string.Equals(id, own, StringComparison.OrdinalIgnoreCase))
                throw new StackOpsException("ResourceIdMismatch", ErrorKind.InvalidArgument,
                    $"Service connector '{connector.Name}' is for {kind.Name} {own} only, not {id}.", connector);
            return own;
        }
        if (id is not null && !kind.SupportsInstances)
            throw new StackOpsException("ResourceIdNotApplicable", ErrorKind.InvalidArgument, $"The {kind.Name} resource type has no instances: give no -ResourceId.", connector);
        return id;
    }

    private IReadOnlyList<ConnectorResourceType> ResourceTypes(ConnectorSession session, string? requested)
    {
        var connector = session.Connector;
        if (requested is null)
            return connector.ResourceType is null ? session.ConnectorType.ResourceTypes : [ResourceType(session.ConnectorType, connector.ResourceType)];
        var kind = ResourceType(session.ConnectorType, requested);
        if (connector.ResourceType is not null && !string.Equals(connector.ResourceType, kind.Name, StringComparison.OrdinalIgnoreCase))
            throw new StackOpsException("ResourceTypeMismatch", ErrorKind.InvalidArgument,
                $"Service connector '{connector.Name}' is for {connector.ResourceType} only, not {kind.Name}.", connector);
        return [kind];
    }

    private IEnumerable<ConnectorResources> ListAll(ConnectorSession session) =>
        ResourceTypes(session, null).Select(t => List(session, t));

    /// <summary>A session with the credentials resolved, after the checks every use makes: expiry, and implicit authentication allowed.</summary>
    private ConnectorSession Open(ServiceConnector connector)
    {
        var type = Type(connector.Type);
        var method = Method(type, connector.AuthMethod);
        if (connector.ExpiresAt is { } expires && DateTimeOffset.UtcNow + ExpirySkew >= expires)
            throw new StackOpsException("ConnectorExpired", ErrorKind.InvalidOperation,
                $"Service connector '{connector.Name}' expired at {expires.UtcDateTime:u} ({ExpirySkew.TotalMinutes:0} minutes' tolerance). Renew its credentials with Set-ServiceConnector {connector.Name} -Configuration @{{ ... }} -ExpiresAt <new expiry>.", connector);
        if (method.IsImplicit) EnsureImplicitAllowed(connector);
        EnsureBound(connector);
        var settings = _engine.Secrets.ResolveValues(connector.Configuration, connector.Name, "service connector", connector,
            $"Give its credentials again with Set-ServiceConnector {connector.Name}.");
        return new ConnectorSession(connector, type, method, settings, Timeout);
    }

    /// <summary>
    /// Refuses, before anything is sent, a connector whose document no longer matches the credential
    /// saved with it (its resource id, endpoint or auth method edited in the store), and one that
    /// refers to another connector's credentials. A backend that StackOps writes (local) must hold
    /// the binding; credentials given by CI (env) or a vault carry none and are bound by where they
    /// are given (a GitHub environment's deployment rules).
    /// </summary>
    private void EnsureBound(ServiceConnector connector)
    {
        var references = connector.Configuration.Values.Select(v => SecretReference.TryParse(v, out var reference) ? reference : null).OfType<SecretReference>().ToList();
        if (references.FirstOrDefault(r => r.SecretName.StartsWith(ServiceConnector.SecretPrefix, StringComparison.OrdinalIgnoreCase)
                && !string.Equals(r.SecretName, connector.SecretName, StringComparison.OrdinalIgnoreCase)) is { } foreign)
            throw Tampered(connector, $"its configuration refers to {foreign}, the credentials of another connector");
        if (!references.Any(r => string.Equals(r.SecretName, connector.SecretName, StringComparison.OrdinalIgnoreCase))) return;
        var (secret, writable) = _engine.Secrets.ReadWithCapabilities(connector.SecretName);
        if (secret is null || !writable) return;
        if (!secret.Labels.TryGetValue(BindingLabel, out var binding))
            throw Tampered(connector, $"its credentials in the secret '{connector.SecretName}' are bound to nothing (saved by an earlier StackOps, or replaced by hand)");
        if (!string.Equals(binding, connector.Binding, StringComparison.Ordinal))
            throw Tampered(connector, $"its document ({connector.Path ?? connector.Name}) changed since its credentials were saved: its type, auth method, resource type, resource id or settings differ");
    }

    private static StackOpsException Tampered(ServiceConnector connector, string problem) =>
        new("ConnectorTampered", ErrorKind.SecurityError,
            $"Service connector '{connector.Name}' was refused and nothing was sent: {problem}. If the change is yours, give its credentials again (Set-ServiceConnector {connector.Name} -Configuration @{{ <field> = (Read-Host -AsSecureString) }}), which binds them to the connector as it is now; otherwise restore the document (git checkout).", connector);

    private static void EnsureImplicitAllowed(ServiceConnector connector)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(ImplicitVariable)))
            throw new StackOpsException("ImplicitAuthDisabled", ErrorKind.InvalidOperation,
                $"Service connector '{connector.Name}' uses the machine's ambient credentials (implicit), which are refused unless ${ImplicitVariable} is set: whoever runs it gets that machine's access. Set it where that is intended, or use an explicit auth method.", connector);
    }

    private ConnectorResources List(ConnectorSession session, ConnectorResourceType type)
    {
        var listing = Call(session, provider => provider.ListAsync(session, type.Definition, CancellationToken(session)));
        return new ConnectorResources(session.Name, session.Type, type.Name, listing.ResourceIds?.OfType<string>().ToList() ?? [],
            listing.Error is null ? null : SecretMasker.Shared.Apply(listing.Error), listing.Contents?.OfType<string>().ToList());
    }

    private ConnectorCredential Issue(ConnectorSession session, ConnectorResourceType type, string? resourceId)
    {
        var issued = Call(session, provider => provider.IssueAsync(session, type.Definition, resourceId, CancellationToken(session)));
        return new ConnectorCredential(session.Name, session.Type, session.AuthMethod, type.Name, issued.ResourceId,
            issued.Settings ?? new Dictionary<string, string>(), issued.Secrets ?? new Dictionary<string, string>(), issued.ExpiresAt ?? session.ExpiresAt);
    }

    /// <summary>
    /// Runs a provider call (the module's cmdlets are synchronous, and the PowerShell pipeline has no
    /// synchronization context to deadlock on). What an integration's provider throws becomes a
    /// StackOps error that names it, its text masked.
    /// </summary>
    private T Call<T>(ConnectorSession session, Func<IConnectorProvider, Task<T>> call)
    {
        if (session.ConnectorType.Integration is not { } integration)
            return call(Providers.TryGetValue(session.Type, out var provider) ? provider
                : throw new StackOpsException("ConnectorTypeUnavailable", ErrorKind.InvalidOperation, $"The {session.Type} connector type cannot be used in this build.", session.Connector)).GetAwaiter().GetResult();
        try
        {
            return call(_engine.Integrations.ConnectorProvider(session.ConnectorType)).GetAwaiter().GetResult() ?? throw new InvalidOperationException("the provider returned nothing");
        }
        catch (Exception e) when (e is not StackOpsException)
        {
            throw new StackOpsException("ConnectorProviderFailed", ErrorKind.InvalidOperation,
                $"Service connector '{session.Name}' failed in integration '{integration}': {e.GetType().Name}: {SecretMasker.Shared.Apply(e.Message)}. Fix the connector's settings, or report it to the integration's authors.", session.Connector);
        }
    }

    private static CancellationToken CancellationToken(ConnectorSession session) => new CancellationTokenSource(session.Timeout * 2).Token;

    // ---- Components ----------------------------------------------------------------------------

    /// <summary>The components of this store linked to a connector.</summary>
    private IReadOnlyList<StackComponent> Users(ServiceConnector connector)
    {
        var listing = _engine.Components.List();
        if (listing.Problems.Count > 0) throw Fail.Unreadable($"change service connector '{connector.Name}'", listing.Problems);
        return listing.Items.Where(c => c.Connector is { } link && string.Equals(link.Name, connector.Name, StringComparison.OrdinalIgnoreCase)).ToList();
    }

    private static StackOpsException InUse(ServiceConnector connector, IReadOnlyList<StackComponent> users, string change) =>
        new("ConnectorInUse", ErrorKind.InvalidOperation,
            $"Service connector '{connector.Name}' is used by {string.Join(", ", users.Select(c => $"the {c.Type} '{c.Name}'"))}, so StackOps will not {change}. Unlink them first ({string.Join("; ", users.Select(c => $"Disconnect-StackComponent {c.Type} {c.Name}"))}), or register a new connector.", connector);

    /// <summary>
    /// Links a component to a connector for one resource: the flavor must accept the connector's type
    /// and resource type (the error lists connectors that would fit); the resource id is the
    /// connector's own, the one given, or derived from the component's configuration.
    /// </summary>
    public StackComponent Connect(string componentType, string componentName, string connectorName, string? resourceId = null)
    {
        componentType = ComponentTypes.Normalize(componentType);
        var connector = Get(connectorName);
        return _engine.Change((transaction, view) =>
        {
            var component = view.FindComponent(componentType, componentName) ?? throw Fail.ComponentNotFound(componentType, componentName);
            if (component.IsDefault) throw Fail.DefaultComponentImmutable(component);
            var flavor = new FlavorCatalog(view).Get(componentType, component.Flavor);
            var requirement = flavor.Connector ?? throw new StackOpsException("ConnectorNotSupported", ErrorKind.InvalidOperation,
                $"The {componentType} flavor '{flavor.Name}' takes no service connector.", component);
            var kind = Fits(connector, requirement) ? Type(connector.Type).ResourceType(requirement.ResourceType)! : throw Mismatch(component, flavor, requirement, connector);
            var id = resourceId ?? connector.ResourceId ?? DerivedId(component, requirement, kind);
            id = ResourceIdFor(connector, kind, id);
            if (id is null && kind.SupportsInstances)
                throw new StackOpsException("ResourceIdMissing", ErrorKind.InvalidArgument,
                    $"Which {kind.Name} should the {componentType} '{component.Name}' use? Give -ResourceId ({kind.IdFormat}).", component);
            var linked = component.WithConnector(new ConnectorLink(connector.Name, id));
            StackOpsEngine.Write(transaction, linked);
            return linked;
        });
    }

    public StackComponent Disconnect(string componentType, string componentName)
    {
        componentType = ComponentTypes.Normalize(componentType);
        return _engine.Change((transaction, view) =>
        {
            var component = view.FindComponent(componentType, componentName) ?? throw Fail.ComponentNotFound(componentType, componentName);
            if (component.Connector is null) return component;
            var unlinked = component.WithConnector(null);
            StackOpsEngine.Write(transaction, unlinked);
            return unlinked;
        });
    }

    private bool Fits(ServiceConnector connector, ConnectorRequirement requirement) =>
        (requirement.ConnectorType is null || string.Equals(requirement.ConnectorType, connector.Type, StringComparison.OrdinalIgnoreCase))
        && (connector.ResourceType is null ? FindType(connector.Type)?.ResourceType(requirement.ResourceType) is not null
            : string.Equals(connector.ResourceType, requirement.ResourceType, StringComparison.OrdinalIgnoreCase));

    private StackOpsException Mismatch(StackComponent component, Flavor flavor, ConnectorRequirement requirement, ServiceConnector connector)
    {
        var fitting = List().Items.Where(c => Fits(c, requirement)).Select(c => c.Name).ToList();
        return new StackOpsException("ConnectorMismatch", ErrorKind.InvalidArgument,
            $"The {component.Type} flavor '{flavor.Name}' needs a {requirement.ResourceType} resource{(requirement.ConnectorType is null ? "" : $" from a {requirement.ConnectorType} connector")}, which service connector '{connector.Name}' ({connector.Type}{(connector.ResourceType is null ? "" : $", {connector.ResourceType}")}) does not give. {(fitting.Count == 0 ? "No registered connector fits; register one with New-ServiceConnector." : $"Connectors that fit: {string.Join(", ", fitting)}.")}", component);
    }

    private static string? DerivedId(StackComponent component, ConnectorRequirement requirement, ConnectorResourceType kind) =>
        requirement.ResourceIdField is { } field && component.Configuration.FirstOrDefault(p => string.Equals(p.Key, field, StringComparison.OrdinalIgnoreCase)).Value is string value
            && !SecretReference.IsReference(value) && kind.SupportsInstances
            ? kind.Canonicalize(value)
            : null;
}
