using System.Text.Json;
using System.Text.Json.Serialization;

namespace StackOps.Core.Store.Remote;

/// <summary>
/// The team server's HTTP API, as both sides see it: one definition of the routes and bodies, used
/// by the server's endpoints and by the client (RemoteStore, ServerClient). Version 1 lives under
/// /api/v1; errors are JSON bodies with the StackOps error id.
/// </summary>
public static class ServerRoutes
{
    public const string Documents = "api/v1/documents";
    public const string Commit = "api/v1/commit";
    public const string Me = "api/v1/me";
    public const string Principals = "api/v1/principals";
    public const string Keys = "api/v1/keys";
    public const string Roles = "api/v1/roles";
    public const string Grants = "api/v1/grants";
    public const string Audit = "api/v1/audit";
    /// <summary>api/v1/connectors/NAME/credentials (save, never read back), /issue, /verify: the credential broker.</summary>
    public const string Connectors = "api/v1/connectors";
    public const string TrustPolicies = "api/v1/trust-policies";
    public const string Health = "healthz";
    public const string Ready = "readyz";
    public const string OpenApi = "openapi/v1.json";
}

public static class ServerJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>For answers read as they arrive: a reader fills its whole buffer before it gives anything, so a small one gives the first element sooner.</summary>
    public static readonly JsonSerializerOptions Streamed = new(Options) { DefaultBufferSize = 1024 };
}

/// <summary>A stored document with its version and who changed it last.</summary>
public sealed record DocumentBody(string Kind, string? Type, string Name, string Text, long Version, string UpdatedBy, DateTimeOffset UpdatedAt);

/// <summary>
/// One change of a commit: the document's new text (null removes it) and the version the client
/// based it on (0: the client saw no such document). A change made on any other version than the
/// stored one is ConcurrentChange.
/// </summary>
public sealed record ChangeBody(string Kind, string? Type, string Name, string? Text, long BaseVersion);

public sealed record CommitBody(IReadOnlyList<ChangeBody> Changes);

public sealed record CommitResultBody(IReadOnlyList<DocumentBody> Written);

/// <summary>Every error the server answers: the StackOps error id and kind, the message that says what to do, and what it is about.</summary>
public sealed record ProblemBody(string ErrorId, string Kind, string Message, string? Target);

/// <summary>A user or service account.</summary>
public sealed record PrincipalBody(string Name, string Kind, string? Description, DateTimeOffset CreatedAt, string CreatedBy);

public sealed record NewPrincipalBody(string Name, string Kind, string? Description);

/// <summary>An API key as listed: never the key itself, which is shown once, when it is created.</summary>
public sealed record ApiKeyBody(string Id, string Principal, string? Description, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? ExpiresAt,
    DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt);

public sealed record NewApiKeyBody(string Principal, string? Description, DateTimeOffset? ExpiresAt);

/// <summary>A key just created: its secret text, which the server keeps only as a hash.</summary>
public sealed record CreatedApiKeyBody(ApiKeyBody Key, string Secret);

public sealed record RoleBody(string Name, IReadOnlyList<string> Permissions, string? Description, bool IsBuiltIn)
{
    public override string ToString() => Name;
}

public sealed record GrantBody(string Id, string Principal, string Role, string? Kind, string? Name)
{
    /// <summary>What the grant covers: everything, all of a kind, or one resource.</summary>
    public string Scope => AsGrant().Scope;

    public Access.Grant AsGrant() => new(Id, Principal, Role, Kind, Name);

    public override string ToString() => AsGrant().ToString();
}

public sealed record NewGrantBody(string Principal, string Role, string? Kind, string? Name);

/// <summary>Who the caller is, and what it may do.</summary>
public sealed record MeBody(string Principal, string Kind, IReadOnlyList<GrantBody> Grants, IReadOnlyList<RoleBody> Roles, string ServerVersion);

/// <summary>One entry of the append-only audit log.</summary>
public sealed record AuditEntryBody(long Id, DateTimeOffset At, string Principal, string Action, string? Kind, string? Name, string Outcome, string? ErrorId,
    string? From, string? Detail);

public sealed record AuditPageBody(IReadOnlyList<AuditEntryBody> Entries, long? Next);

/// <summary>
/// A connector's document and credentials, saved together (one transaction): the credentials go to
/// the server's vault and never come back; the document holds references to them.
/// </summary>
public sealed record SaveCredentialsBody(string Document, long BaseVersion, IReadOnlyDictionary<string, string> Credentials, bool Verify);

/// <summary>What a use of a connector is for: a resource type and, for types with instances, one resource.</summary>
public sealed record IssueBody(string? ResourceType, string? ResourceId);

/// <summary>
/// Credentials the broker issued for one resource: short-lived where the auth method has a
/// short-lived form (ShortLived, with ExpiresAt), else the stored credential itself.
/// </summary>
public sealed record CredentialBody(string Connector, string ConnectorType, string AuthMethod, string ResourceType, string? ResourceId,
    IReadOnlyDictionary<string, string> Settings, IReadOnlyDictionary<string, string> Secrets, DateTimeOffset? ExpiresAt, bool ShortLived);

/// <summary>What a connector reaches for one resource type, or why it does not.</summary>
public sealed record ResourcesBody(string Connector, string ConnectorType, string ResourceType, IReadOnlyList<string> ResourceIds, string? Error, IReadOnlyList<string> Contents);

/// <summary>Which CI jobs (by their OIDC token's claims) may act as a principal without a stored key.</summary>
public sealed record TrustPolicyBody(string Name, string Issuer, string Principal, string Repository, string? Environment, IReadOnlyList<string> Refs, string? Workflow)
{
    public override string ToString() => new Access.TrustPolicy(Name, Issuer, Principal, Repository, Environment, Refs, Workflow).ToString();
}
