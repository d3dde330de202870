using StackOps.Abstractions;
using StackOps.Core;
using StackOps.Core.Access;
using StackOps.Core.Connectors;
using StackOps.Core.Errors;
using StackOps.Core.Model;
using StackOps.Core.Secrets;
using StackOps.Core.Store;
using StackOps.Core.Store.Remote;
using StackOps.Core.Yaml;
using StackOps.Server.Data;

namespace StackOps.Server.Api;

/// <summary>
/// The credential broker. Connector admins save a connector with its credentials (create or update
/// on the connector); the credentials go to the vault and are never answered back. Whoever may use
/// a connector asks the broker to verify it or to issue credentials for one resource: the engine's
/// connector code runs here, over the vault, and gives out short-lived credentials where the auth
/// method has them (STS, registry and cluster tokens, GitHub installation tokens), else the stored
/// credential itself, only to principals with use. Every issue and denial is audited, never a value.
/// </summary>
public sealed class CredentialBrokerService(ServerDatabase database, DocumentService documents, AccessData access, AuditLog audit, CredentialVault vault, ServerEngines engines)
{
    private StackOpsEngine Engine(Caller caller) => engines.For(caller.Name);

    public CommitResultBody Save(Caller caller, string name, SaveCredentialsBody body)
    {
        var source = DatabaseStore.PathOf(new DocumentKey(DocumentCodec.ConnectorKind, name));
        var connector = DocumentCodec.ReadOne<ServiceConnector>(body.Document, source, StoreScope.Server, source);
        if (!string.Equals(connector.Name, name, StringComparison.OrdinalIgnoreCase))
            throw new StackOpsException("InvalidDocument", ErrorKind.InvalidData, $"{source}: the document is the connector '{connector.Name}', not '{name}'.", name);
        SecretService.Admit([new Secret(connector.SecretName, body.Credentials)]);
        var credentials = Merged(connector, body.Credentials, Stored(connector.Name));
        // Verified before the write turn is taken: a slow cloud must not hold every other writer.
        if (body.Verify) Engine(caller).Connectors.VerifyWith(connector, credentials);
        return documents.Commit(caller, new CommitBody([new ChangeBody(DocumentCodec.ConnectorKind, null, connector.Name, body.Document, body.BaseVersion)]),
            (connection, transaction) =>
            {
                var current = Merged(connector, body.Credentials, vault.Read(connection, transaction, connector.Name)?.Values);
                if (current.Count > 0) vault.Put(connection, transaction, connector.Name, current, connector.Binding, caller.Name);
                else vault.Delete(connection, transaction, connector.Name);
                audit.Append(connection, transaction, new AuditEvent(caller.Name, "save credentials", ResourceKinds.Connectors, connector.Name, AuditLog.Allowed, Source: caller.Source,
                    Detail: $"fields {string.Join(", ", current.Keys.Order())}"));
            });
    }

    public CredentialBody Issue(Caller caller, string name, IssueBody body)
    {
        var engine = Usable(caller, name, "issue credentials");
        var connector = engine.Connectors.Get(name);
        var credential = engine.Connectors.Credential(connector.Name, body.ResourceType, body.ResourceId);
        var type = engine.Connectors.Type(connector.Type);
        var shortLived = type.AuthMethod(connector.AuthMethod)?.IssuesTemporaryCredentials == true;
        audit.Append(new AuditEvent(caller.Name, "issue credentials", ResourceKinds.Connectors, connector.Name, AuditLog.Allowed, Source: caller.Source,
            Detail: $"{credential.ResourceType}{(credential.ResourceId is null ? "" : $" {credential.ResourceId}")}, {(shortLived ? $"short-lived until {credential.ExpiresAt:u}" : "the stored credential")}"));
        return new CredentialBody(credential.Connector, credential.ConnectorType, credential.AuthMethod, credential.ResourceType, credential.ResourceId,
            credential.Settings, credential.Secrets, credential.ExpiresAt, shortLived);
    }

    public IReadOnlyList<ResourcesBody> Verify(Caller caller, string name, IssueBody body)
    {
        var engine = Usable(caller, name, "verify");
        return engine.Connectors.Verify(name, body.ResourceType, body.ResourceId)
            .Select(r => new ResourcesBody(r.Connector, r.ConnectorType, r.ResourceType, r.ResourceIds, r.Error, r.Contents)).ToList();
    }

    /// <summary>The engine for a caller who may use the connector, whose document still matches the credentials saved for it.</summary>
    private StackOpsEngine Usable(Caller caller, string name, string what)
    {
        var policy = access.Policy(caller.Name);
        if (!policy.Allows(ResourceKinds.Connectors, name, AccessActions.Use))
        {
            var denied = policy.Denied(ResourceKinds.Connectors, name, AccessActions.Use);
            audit.Append(new AuditEvent(caller.Name, what, ResourceKinds.Connectors, name, AuditLog.Denied, denied.ErrorId, caller.Source));
            throw denied;
        }
        var engine = Engine(caller);
        var connector = engine.Connectors.Get(name);
        using var connection = database.Open();
        if (vault.Read(connection, null, connector.Name) is { } stored && stored.Binding != connector.Binding)
            throw new StackOpsException("ConnectorTampered", ErrorKind.SecurityError,
                $"Service connector '{connector.Name}' was refused and nothing was sent: its document changed since its credentials were saved (by {stored.UpdatedBy} at {stored.UpdatedAt}). A connector admin gives the credentials again (Set-ServiceConnector), which binds them to the connector as it now is.", connector.Name);
        return engine;
    }

    private IReadOnlyDictionary<string, string>? Stored(string connector)
    {
        using var connection = database.Open();
        return vault.Read(connection, null, connector)?.Values;
    }

    /// <summary>The credentials the connector's document refers to: those given now, else those kept; one neither given nor kept is an error.</summary>
    private static Dictionary<string, string> Merged(ServiceConnector connector, IReadOnlyDictionary<string, string> given, IReadOnlyDictionary<string, string>? stored)
    {
        var fields = connector.Configuration.Values.Select(v => SecretReference.TryParse(v, out var reference) ? reference : null)
            .Where(r => r is not null && string.Equals(r.SecretName, connector.SecretName, StringComparison.OrdinalIgnoreCase)).Select(r => r!.Key);
        var merged = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in fields)
        {
            var value = given.FirstOrDefault(p => string.Equals(p.Key, field, StringComparison.OrdinalIgnoreCase)).Value
                        ?? stored?.FirstOrDefault(p => string.Equals(p.Key, field, StringComparison.OrdinalIgnoreCase)).Value
                        ?? throw new StackOpsException("ConnectorCredentialMissing", ErrorKind.InvalidArgument,
                            $"Service connector '{connector.Name}' refers to its credential '{field}', which was neither given nor kept. Give it: Set-ServiceConnector {connector.Name} -Configuration @{{ {field} = (Read-Host -AsSecureString) }}.", connector.Name);
            merged[field] = value;
        }
        return merged;
    }
}

public static class ConnectorEndpoints
{
    public static void MapConnectors(this WebApplication app)
    {
        var json = ServerJson.Options;
        app.MapPost($"/{ServerRoutes.Connectors}/{{name}}/credentials", (HttpContext context, CredentialBrokerService broker, string name, SaveCredentialsBody body) =>
            Results.Json(broker.Save(context.Caller(), name, body), json))
            .WithName("SaveConnectorCredentials").WithSummary("Saves a connector's document and credentials together; the credentials are never answered back.");
        app.MapPost($"/{ServerRoutes.Connectors}/{{name}}/issue", (HttpContext context, CredentialBrokerService broker, string name, IssueBody body) =>
            Results.Json(broker.Issue(context.Caller(), name, body), json))
            .WithName("IssueConnectorCredentials").WithSummary("Credentials for one resource, to a caller with use on the connector: short-lived where the auth method allows.");
        app.MapPost($"/{ServerRoutes.Connectors}/{{name}}/verify", (HttpContext context, CredentialBrokerService broker, string name, IssueBody body) =>
            Results.Json(broker.Verify(context.Caller(), name, body), json))
            .WithName("VerifyConnector").WithSummary("What the connector reaches, checked by the server with the credentials it keeps.");
    }
}
