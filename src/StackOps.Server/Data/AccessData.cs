using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using StackOps.Core.Access;
using StackOps.Core.Errors;
using StackOps.Core.Model;
using StackOps.Core.Store.Remote;

namespace StackOps.Server.Data;

/// <summary>A principal an API key (or an OIDC token, by a trust policy: How says which) authenticated.</summary>
public sealed record Caller(string Name, string Kind, string KeyId, string? Source, string? How = null);

/// <summary>
/// Principals (users and service accounts), their API keys, roles and grants. A key is random text
/// shown once; the server keeps its SHA-256 only, finds it by an id derived from it, and compares
/// in constant time. Built-in roles come from the engine and are not stored; custom ones are.
/// </summary>
public sealed class AccessData(ServerDatabase database, TimeProvider clock)
{
    public const string UserKind = PrincipalKinds.User, ServiceAccountKind = PrincipalKinds.ServiceAccount;
    private const string KeyPrefix = "sok_";

    private string Now => clock.GetUtcNow().UtcDateTime.ToString(Migrations.TimeFormat);

    private static DateTimeOffset Time(string text) => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture).ToUniversalTime();

    private static DateTimeOffset? Time(object? text) => text is string value ? Time(value) : null;

    // ---- Keys ---------------------------------------------------------------------------------

    /// <summary>The id a key is filed under: derived from the key itself, so any key text (an operator's bootstrap key too) can be found.</summary>
    public static string KeyIdOf(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes("stackops-key-id\n" + key)))[..20].ToLowerInvariant();

    private static string HashOf(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key))).ToLowerInvariant();

    public static string NewKeyText() => KeyPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The caller a key authenticates, or the reason it does not (Unauthenticated, ApiKeyExpired, ApiKeyRevoked): never the key.</summary>
    public Caller Authenticate(string key, string? source)
    {
        using var connection = database.Open();
        var id = KeyIdOf(key);
        var row = connection.QuerySingleOrDefault("""
            SELECT k.hash AS hash, k.expires_at AS expires_at, k.revoked_at AS revoked_at, p.name AS name, p.kind AS kind
            FROM api_keys k JOIN principals p ON p.name_key = k.principal_key WHERE k.id = @id
            """, new { id });
        if (row is null || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes((string)row.hash), Encoding.ASCII.GetBytes(HashOf(key))))
            throw new StackOpsException("Unauthenticated", ErrorKind.SecurityError,
                "The API key is not one this server knows. Check $env:STACKOPS_API_KEY or run Connect-StackServer with a current key; an admin creates keys with New-StackApiKey.");
        if (row.revoked_at is string revoked)
            throw new StackOpsException("ApiKeyRevoked", ErrorKind.SecurityError,
                $"This API key of '{row.name}' was revoked at {revoked}. Ask an admin for a new one (New-StackApiKey), then run Connect-StackServer with it.");
        if (Time((object?)row.expires_at) is { } expires && expires <= clock.GetUtcNow())
            throw new StackOpsException("ApiKeyExpired", ErrorKind.SecurityError,
                $"This API key of '{row.name}' expired at {expires:u}. Ask an admin for a new one (New-StackApiKey), then run Connect-StackServer with it.");
        return new Caller((string)row.name, (string)row.kind, id, source);
    }

    /// <summary>Records a key's use, at most once a minute (no write on every request).</summary>
    public void Touch(string keyId)
    {
        using var connection = database.Open();
        var now = clock.GetUtcNow();
        connection.Execute("UPDATE api_keys SET last_used_at = @now WHERE id = @keyId AND (last_used_at IS NULL OR last_used_at < @since)",
            new { keyId, now = now.UtcDateTime.ToString(Migrations.TimeFormat), since = now.AddMinutes(-1).UtcDateTime.ToString(Migrations.TimeFormat) });
    }

    public CreatedApiKeyBody CreateKey(string principal, string? description, DateTimeOffset? expiresAt, string createdBy, string? keyText = null)
    {
        var owner = FindPrincipal(principal) ?? throw PrincipalNotFound(principal);
        if (expiresAt is { } expiry && expiry <= clock.GetUtcNow())
            throw new StackOpsException("InvalidExpiry", ErrorKind.InvalidArgument, $"-ExpiresAt {expiry:u} is in the past: give a time to come.", principal);
        var key = keyText ?? NewKeyText();
        var id = KeyIdOf(key);
        var now = Now;
        using var connection = database.Open();
        connection.Execute("""
            INSERT INTO api_keys (id, principal_key, hash, description, created_at, created_by, expires_at)
            VALUES (@id, @principal, @hash, @description, @now, @createdBy, @expires)
            """, new { id, principal = owner.Name.ToLowerInvariant(), hash = HashOf(key), description, now, createdBy,
            expires = expiresAt?.UtcDateTime.ToString(Migrations.TimeFormat) });
        return new CreatedApiKeyBody(new ApiKeyBody(id, owner.Name, description, Time(now), createdBy, expiresAt?.ToUniversalTime(), null, null), key);
    }

    public IReadOnlyList<ApiKeyBody> Keys(string? principal)
    {
        using var connection = database.Open();
        return connection.Query($"""
            SELECT k.id AS id, p.name AS principal, k.description AS description, k.created_at AS created_at, k.created_by AS created_by,
                   k.expires_at AS expires_at, k.revoked_at AS revoked_at, k.last_used_at AS last_used_at
            FROM api_keys k JOIN principals p ON p.name_key = k.principal_key
            {(principal is null ? "" : "WHERE k.principal_key = @principal")} ORDER BY k.created_at
            """, new { principal = principal?.ToLowerInvariant() })
            .Select(r => new ApiKeyBody((string)r.id, (string)r.principal, (string?)r.description, Time((string)r.created_at), (string)r.created_by,
                Time((object?)r.expires_at), Time((object?)r.revoked_at), Time((object?)r.last_used_at))).ToList();
    }

    /// <summary>Revokes a key (at once, for every server instance); revoking a revoked key changes nothing.</summary>
    public ApiKeyBody RevokeKey(string id)
    {
        var key = Keys(null).FirstOrDefault(k => k.Id == id) ?? throw new StackOpsException("ApiKeyNotFound", ErrorKind.NotFound,
            $"No API key has the id '{Fail.Printable(id)}'. Get-StackApiKey lists them.", id);
        if (key.RevokedAt is not null) return key;
        var now = Now;
        using var connection = database.Open();
        connection.Execute("UPDATE api_keys SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL", new { id, now });
        return key with { RevokedAt = Time(now) };
    }

    // ---- Principals ---------------------------------------------------------------------------

    public bool AnyPrincipal()
    {
        using var connection = database.Open();
        return connection.ExecuteScalar<long>("SELECT COUNT(*) FROM principals") > 0;
    }

    public PrincipalBody? FindPrincipal(string name)
    {
        using var connection = database.Open();
        return (PrincipalBody?)Principal(connection.QuerySingleOrDefault("SELECT name, kind, description, created_at, created_by FROM principals WHERE name_key = @key",
            new { key = name.ToLowerInvariant() }));
    }

    public IReadOnlyList<PrincipalBody> Principals(string? kind)
    {
        using var connection = database.Open();
        return connection.Query($"SELECT name, kind, description, created_at, created_by FROM principals {(kind is null ? "" : "WHERE kind = @kind")} ORDER BY name_key",
            new { kind }).Select(r => (PrincipalBody)Principal(r)!).ToList();
    }

    private static PrincipalBody? Principal(dynamic? row) =>
        row is null ? null : new PrincipalBody((string)row.name, (string)row.kind, (string?)row.description, Time((string)row.created_at), (string)row.created_by);

    public PrincipalBody CreatePrincipal(string name, string kind, string? description, string createdBy)
    {
        NameRules.Validate(kind == UserKind ? "User" : "ServiceAccount", name);
        if (kind is not (UserKind or ServiceAccountKind))
            throw new StackOpsException("InvalidPrincipalKind", ErrorKind.InvalidArgument, $"'{Fail.Printable(kind)}' is not a kind of principal: {UserKind} or {ServiceAccountKind}.", name);
        using var connection = database.Open();
        using var transaction = database.BeginWrite(connection);
        if (connection.ExecuteScalar<long>("SELECT COUNT(*) FROM principals WHERE name_key = @key", new { key = name.ToLowerInvariant() }, transaction) > 0)
            throw Fail.AlreadyExists("Principal", name, "Choose another name, or remove the existing one first.");
        var now = Now;
        connection.Execute("INSERT INTO principals (name_key, name, kind, description, created_at, created_by) VALUES (@key, @name, @kind, @description, @now, @createdBy)",
            new { key = name.ToLowerInvariant(), name, kind, description, now, createdBy }, transaction);
        transaction.Commit();
        return new PrincipalBody(name, kind, description, Time(now), createdBy);
    }

    /// <summary>Removes a principal with its keys and grants; the documents it owns stay.</summary>
    public PrincipalBody RemovePrincipal(string name, string caller)
    {
        var principal = FindPrincipal(name) ?? throw PrincipalNotFound(name);
        if (string.Equals(principal.Name, caller, StringComparison.OrdinalIgnoreCase))
            throw new StackOpsException("CannotRemoveSelf", ErrorKind.InvalidOperation, $"'{caller}' cannot remove itself: another admin must.", name);
        using var connection = database.Open();
        using var transaction = database.BeginWrite(connection);
        var key = principal.Name.ToLowerInvariant();
        connection.Execute("DELETE FROM grants WHERE principal_key = @key", new { key }, transaction);
        connection.Execute("DELETE FROM api_keys WHERE principal_key = @key", new { key }, transaction);
        connection.Execute("DELETE FROM principals WHERE name_key = @key", new { key }, transaction);
        EnsureAnAdminRemains(connection, transaction, $"remove '{principal.Name}'");
        transaction.Commit();
        return principal;
    }

    public static StackOpsException PrincipalNotFound(string name) =>
        new("PrincipalNotFound", ErrorKind.NotFound, $"No user or service account is named '{Fail.Printable(name)}'. Get-StackUser and Get-StackServiceAccount list them.", name);

    // ---- Roles --------------------------------------------------------------------------------

    public IReadOnlyList<Role> Roles()
    {
        using var connection = database.Open();
        var custom = connection.Query("SELECT name, permissions, description FROM roles ORDER BY name_key")
            .Select(r => new Role((string)r.name, ParsePermissions((string)r.permissions), (string?)r.description));
        return [.. BuiltInRoles.All, .. custom];
    }

    public Role? FindRole(string name) => Roles().FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));

    private static IReadOnlyList<Permission> ParsePermissions(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split(':')).Select(p => new Permission(p[0], p[1])).ToList();

    public Role CreateRole(string name, IReadOnlyList<Permission> permissions, string? description, string createdBy)
    {
        NameRules.Validate("Role", name);
        if (BuiltInRoles.Find(name) is not null)
            throw new StackOpsException("BuiltInRole", ErrorKind.InvalidOperation, $"'{name}' is a built-in role; give yours another name.", name);
        if (permissions.Count == 0)
            throw new StackOpsException("RolePermissionsMissing", ErrorKind.InvalidArgument, $"Role '{name}' allows nothing: give -Permission, such as @{{ stacks = 'read', 'update' }}.", name);
        var normalized = permissions.Select(p => new Permission(ResourceKinds.Normalize(p.Kind), AccessActions.Normalize(p.Action))).Distinct().ToList();
        if (normalized.FirstOrDefault(p => !ResourceKinds.ActionsOf(p.Kind).Contains(p.Action)) is { } meaningless)
            throw new StackOpsException("InvalidPermission", ErrorKind.InvalidArgument,
                $"'{meaningless}' means nothing: the actions on {meaningless.Kind} are {string.Join(", ", ResourceKinds.ActionsOf(meaningless.Kind))}.", name);
        using var connection = database.Open();
        using var transaction = database.BeginWrite(connection);
        if (connection.ExecuteScalar<long>("SELECT COUNT(*) FROM roles WHERE name_key = @key", new { key = name.ToLowerInvariant() }, transaction) > 0)
            throw Fail.AlreadyExists("Role", name, "Choose another name, or remove the existing one first.");
        connection.Execute("INSERT INTO roles (name_key, name, permissions, description, created_at, created_by) VALUES (@key, @name, @permissions, @description, @now, @createdBy)",
            new { key = name.ToLowerInvariant(), name, permissions = string.Join(",", normalized), description, now = Now, createdBy }, transaction);
        transaction.Commit();
        return new Role(name, normalized, description);
    }

    public Role RemoveRole(string name)
    {
        if (BuiltInRoles.Find(name) is not null)
            throw new StackOpsException("BuiltInRole", ErrorKind.InvalidOperation, $"'{name}' is a built-in role and cannot be removed.", name);
        var role = FindRole(name) ?? throw RoleNotFound(name);
        using var connection = database.Open();
        using var transaction = database.BeginWrite(connection);
        var granted = connection.Query<string>("SELECT DISTINCT p.name FROM grants g JOIN principals p ON p.name_key = g.principal_key WHERE g.role_key = @key",
            new { key = role.Name.ToLowerInvariant() }, transaction).ToList();
        if (granted.Count > 0)
            throw new StackOpsException("RoleInUse", ErrorKind.InvalidOperation,
                $"Role '{role.Name}' is granted to {string.Join(", ", granted)}. Revoke those grants first (Get-StackPermission -Role {role.Name} | Revoke-StackPermission).", name);
        connection.Execute("DELETE FROM roles WHERE name_key = @key", new { key = role.Name.ToLowerInvariant() }, transaction);
        transaction.Commit();
        return role;
    }

    private static StackOpsException RoleNotFound(string name) =>
        new("RoleNotFound", ErrorKind.NotFound, $"No role is named '{Fail.Printable(name)}'. Get-StackRole lists them.", name);

    // ---- Grants -------------------------------------------------------------------------------

    public IReadOnlyList<Grant> Grants(string? principal = null, string? role = null)
    {
        using var connection = database.Open();
        return Grants(connection, null, principal, role);
    }

    private static IReadOnlyList<Grant> Grants(DbConnection connection, DbTransaction? transaction, string? principal, string? role) =>
        connection.Query($"""
            SELECT g.id AS id, p.name AS principal, g.role_key AS role, g.scope_kind AS scope_kind, g.scope_name AS scope_name
            FROM grants g JOIN principals p ON p.name_key = g.principal_key
            WHERE 1 = 1 {(principal is null ? "" : "AND g.principal_key = @principal")} {(role is null ? "" : "AND g.role_key = @role")} ORDER BY g.created_at
            """, new { principal = principal?.ToLowerInvariant(), role = role?.ToLowerInvariant() }, transaction)
            .Select(r => new Grant((string)r.id, (string)r.principal, (string)r.role, (string?)r.scope_kind, (string?)r.scope_name)).ToList();

    public AccessPolicy Policy(string principal)
    {
        var roles = Roles();
        return new AccessPolicy(principal, Grants(principal), name => roles.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase)));
    }

    public Grant CreateGrant(string principal, string role, string? kind, string? name, string createdBy)
    {
        var owner = FindPrincipal(principal) ?? throw PrincipalNotFound(principal);
        var granted = FindRole(role) ?? throw RoleNotFound(role);
        var scopeKind = kind is null ? null : ResourceKinds.Normalize(kind);
        if (name is not null && scopeKind is null)
            throw new StackOpsException("GrantScopeInvalid", ErrorKind.InvalidArgument, $"A grant on the resource '{Fail.Printable(name)}' names its kind too: give -Kind (one of {string.Join(", ", ResourceKinds.All)}).", name);
        if (name is not null) NameRules.Validate("Resource", name);
        var grant = new Grant(Guid.NewGuid().ToString("N")[..16], owner.Name, granted.Name.ToLowerInvariant(), scopeKind, name);
        using var connection = database.Open();
        using var transaction = database.BeginWrite(connection);
        connection.Execute("""
            INSERT INTO grants (id, principal_key, role_key, scope_kind, scope_name, created_at, created_by)
            VALUES (@Id, @PrincipalKey, @Role, @ScopeKind, @ScopeName, @Now, @CreatedBy)
            """, new { grant.Id, PrincipalKey = owner.Name.ToLowerInvariant(), grant.Role, grant.ScopeKind, grant.ScopeName, Now, CreatedBy = createdBy }, transaction);
        transaction.Commit();
        return grant;
    }

    public Grant RevokeGrant(string id)
    {
        using var connection = database.Open();
        using var transaction = database.BeginWrite(connection);
        var grant = Grants(connection, transaction, null, null).FirstOrDefault(g => g.Id == id) ?? throw new StackOpsException("GrantNotFound", ErrorKind.NotFound,
            $"No grant has the id '{Fail.Printable(id)}'. Get-StackPermission lists them.", id);
        connection.Execute("DELETE FROM grants WHERE id = @id", new { id }, transaction);
        EnsureAnAdminRemains(connection, transaction, $"revoke {grant}");
        transaction.Commit();
        return grant;
    }

    // ---- Trust policies ----------------------------------------------------------------------

    public IReadOnlyList<TrustPolicy> TrustPolicies()
    {
        using var connection = database.Open();
        return connection.Query("SELECT t.name AS name, t.issuer AS issuer, p.name AS principal, t.repository AS repository, t.environment AS environment, t.refs AS refs, t.workflow AS workflow " +
                                "FROM trust_policies t JOIN principals p ON p.name_key = t.principal_key ORDER BY t.name_key")
            .Select(r => new TrustPolicy((string)r.name, (string)r.issuer, (string)r.principal, (string)r.repository, (string?)r.environment,
                ((string)r.refs).Split(',', StringSplitOptions.RemoveEmptyEntries), (string?)r.workflow)).ToList();
    }

    public TrustPolicy CreateTrustPolicy(TrustPolicy policy, IReadOnlyList<string> trustedIssuers, string createdBy)
    {
        TrustPolicy.Validate(policy);
        var owner = FindPrincipal(policy.Principal) ?? throw PrincipalNotFound(policy.Principal);
        if (!trustedIssuers.Contains(policy.Issuer.TrimEnd('/'), StringComparer.Ordinal))
            throw new StackOpsException("OidcIssuerUntrusted", ErrorKind.InvalidArgument,
                $"This server does not trust the issuer {policy.Issuer} (it trusts {string.Join(", ", trustedIssuers)}). Its operator adds it to the OidcIssuers setting.", policy.Name);
        using var connection = database.Open();
        using var transaction = database.BeginWrite(connection);
        if (connection.ExecuteScalar<long>("SELECT COUNT(*) FROM trust_policies WHERE name_key = @key", new { key = policy.Name.ToLowerInvariant() }, transaction) > 0)
            throw Fail.AlreadyExists("TrustPolicy", policy.Name, "Choose another name, or remove the existing one first.");
        connection.Execute("""
            INSERT INTO trust_policies (name_key, name, issuer, principal_key, repository, environment, refs, workflow, created_at, created_by)
            VALUES (@key, @Name, @Issuer, @principal, @Repository, @Environment, @refs, @Workflow, @now, @createdBy)
            """, new { key = policy.Name.ToLowerInvariant(), policy.Name, Issuer = policy.Issuer.TrimEnd('/'), principal = owner.Name.ToLowerInvariant(), policy.Repository,
            policy.Environment, refs = string.Join(",", policy.Refs), policy.Workflow, now = Now, createdBy }, transaction);
        transaction.Commit();
        return policy with { Principal = owner.Name, Issuer = policy.Issuer.TrimEnd('/') };
    }

    public TrustPolicy RemoveTrustPolicy(string name)
    {
        var policy = TrustPolicies().FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
                     ?? throw new StackOpsException("TrustPolicyNotFound", ErrorKind.NotFound, $"No trust policy is named '{Fail.Printable(name)}'. Get-StackTrustPolicy lists them.", name);
        using var connection = database.Open();
        connection.Execute("DELETE FROM trust_policies WHERE name_key = @key", new { key = policy.Name.ToLowerInvariant() });
        return policy;
    }

    /// <summary>A server always keeps someone who can manage it: the last unscoped admin grant cannot go.</summary>
    private static void EnsureAnAdminRemains(DbConnection connection, DbTransaction transaction, string change)
    {
        if (connection.ExecuteScalar<long>("SELECT COUNT(*) FROM grants WHERE role_key = @admin AND scope_kind IS NULL", new { admin = BuiltInRoles.Admin }, transaction) == 0)
            throw new StackOpsException("LastAdmin", ErrorKind.InvalidOperation,
                $"Cannot {change}: no one would be left with the {BuiltInRoles.Admin} role on everything. Grant it to another principal first.", change);
    }
}
