using StackOps.Core.Access;
using StackOps.Core.Errors;
using StackOps.Core.Store.Remote;
using StackOps.Server.Data;

namespace StackOps.Server.Api;

/// <summary>
/// Who the caller is (a login, in the audit log), and the management of principals, API keys,
/// roles and grants (each needs a permission on the "access" resource kind: admins have it) and
/// the audit log (read on "audit"). Every change and every denial is recorded.
/// </summary>
public static class AccessEndpoints
{
    public static void MapAccess(this WebApplication app)
    {
        var json = ServerJson.Options;

        app.MapGet($"/{ServerRoutes.Me}", (HttpContext context, AccessData access, AuditLog audit) =>
        {
            var caller = context.Caller();
            audit.Append(new AuditEvent(caller.Name, "login", null, null, AuditLog.Allowed, Source: caller.Source, Detail: caller.How));
            var grants = access.Grants(caller.Name);
            var roles = access.Roles().Where(r => grants.Any(g => string.Equals(g.Role, r.Name, StringComparison.OrdinalIgnoreCase))).Select(RoleBody).ToList();
            return Results.Json(new MeBody(caller.Name, caller.Kind, grants.Select(GrantBody).ToList(), roles, ServerApp.Version), json);
        }).WithName("Me").WithSummary("Who the caller is, and what it may do.");

        // Principals.
        app.MapGet($"/{ServerRoutes.Principals}", (HttpContext context, Guard guard, AccessData access, string? kind) =>
        {
            guard.Demand(context, ResourceKinds.Access, null, AccessActions.Read, "list principals");
            return Results.Json(access.Principals(kind), json);
        }).WithName("ListPrincipals");
        app.MapPost($"/{ServerRoutes.Principals}", (HttpContext context, Guard guard, AccessData access, NewPrincipalBody body) =>
            guard.Change(context, ResourceKinds.Access, body.Name, AccessActions.Create, $"create {body.Kind}",
                caller => Results.Json(access.CreatePrincipal(body.Name, body.Kind, body.Description, caller.Name), json, statusCode: StatusCodes.Status201Created)))
            .WithName("CreatePrincipal");
        app.MapDelete($"/{ServerRoutes.Principals}/{{name}}", (HttpContext context, Guard guard, AccessData access, string name) =>
            guard.Change(context, ResourceKinds.Access, name, AccessActions.Delete, "remove principal", caller => Results.Json(access.RemovePrincipal(name, caller.Name), json)))
            .WithName("RemovePrincipal");

        // API keys.
        app.MapGet($"/{ServerRoutes.Keys}", (HttpContext context, Guard guard, AccessData access, string? principal) =>
        {
            var caller = context.Caller();
            // Everyone may list their own keys; others' need access:read.
            if (principal is null || !string.Equals(principal, caller.Name, StringComparison.OrdinalIgnoreCase))
                guard.Demand(context, ResourceKinds.Access, principal, AccessActions.Read, "list API keys");
            return Results.Json(access.Keys(principal), json);
        }).WithName("ListApiKeys");
        app.MapPost($"/{ServerRoutes.Keys}", (HttpContext context, Guard guard, AccessData access, NewApiKeyBody body) =>
            guard.Change(context, ResourceKinds.Access, body.Principal, AccessActions.Create, "create API key",
                caller => Results.Json(access.CreateKey(body.Principal, body.Description, body.ExpiresAt, caller.Name), json, statusCode: StatusCodes.Status201Created)))
            .WithName("CreateApiKey").WithSummary("A new key: its text is in this answer only; the server keeps its hash.");
        app.MapDelete($"/{ServerRoutes.Keys}/{{id}}", (HttpContext context, Guard guard, AccessData access, string id) =>
        {
            var owner = access.Keys(null).FirstOrDefault(k => k.Id == id)?.Principal;
            var own = owner is not null && string.Equals(owner, context.Caller().Name, StringComparison.OrdinalIgnoreCase);
            return own
                ? guard.Record(context, ResourceKinds.Access, owner, "revoke own API key", _ => Results.Json(access.RevokeKey(id), json))
                : guard.Change(context, ResourceKinds.Access, owner, AccessActions.Update, "revoke API key", _ => Results.Json(access.RevokeKey(id), json));
        }).WithName("RevokeApiKey");

        // Roles.
        app.MapGet($"/{ServerRoutes.Roles}", (AccessData access) => Results.Json(access.Roles().Select(RoleBody).ToList(), json)).WithName("ListRoles");
        app.MapPost($"/{ServerRoutes.Roles}", (HttpContext context, Guard guard, AccessData access, RoleBody body) =>
            guard.Change(context, ResourceKinds.Access, body.Name, AccessActions.Create, "create role",
                caller => Results.Json(RoleBody(access.CreateRole(body.Name, body.Permissions.Select(ParsePermission).ToList(), body.Description, caller.Name)), json,
                    statusCode: StatusCodes.Status201Created)))
            .WithName("CreateRole");
        app.MapDelete($"/{ServerRoutes.Roles}/{{name}}", (HttpContext context, Guard guard, AccessData access, string name) =>
            guard.Change(context, ResourceKinds.Access, name, AccessActions.Delete, "remove role", _ => Results.Json(RoleBody(access.RemoveRole(name)), json)))
            .WithName("RemoveRole");

        // Grants.
        app.MapGet($"/{ServerRoutes.Grants}", (HttpContext context, Guard guard, AccessData access, string? principal, string? role) =>
        {
            if (principal is null || !string.Equals(principal, context.Caller().Name, StringComparison.OrdinalIgnoreCase))
                guard.Demand(context, ResourceKinds.Access, principal, AccessActions.Read, "list grants");
            return Results.Json(access.Grants(principal, role).Select(GrantBody).ToList(), json);
        }).WithName("ListGrants");
        app.MapPost($"/{ServerRoutes.Grants}", (HttpContext context, Guard guard, AccessData access, NewGrantBody body) =>
            guard.Change(context, ResourceKinds.Access, body.Principal, AccessActions.Create, $"grant {body.Role}",
                caller => Results.Json(GrantBody(access.CreateGrant(body.Principal, body.Role, body.Kind, body.Name, caller.Name)), json, statusCode: StatusCodes.Status201Created)))
            .WithName("Grant");
        app.MapDelete($"/{ServerRoutes.Grants}/{{id}}", (HttpContext context, Guard guard, AccessData access, string id) =>
            guard.Change(context, ResourceKinds.Access, null, AccessActions.Delete, "revoke grant", _ => Results.Json(GrantBody(access.RevokeGrant(id)), json)))
            .WithName("Revoke");

        // Trust policies: which CI jobs may act as which principal, by their OIDC token.
        app.MapGet($"/{ServerRoutes.TrustPolicies}", (HttpContext context, Guard guard, AccessData access) =>
        {
            guard.Demand(context, ResourceKinds.Access, null, AccessActions.Read, "list trust policies");
            return Results.Json(access.TrustPolicies().Select(TrustPolicyBody).ToList(), json);
        }).WithName("ListTrustPolicies");
        app.MapPost($"/{ServerRoutes.TrustPolicies}", (HttpContext context, Guard guard, AccessData access, OidcAuthenticator oidc, TrustPolicyBody body) =>
            guard.Change(context, ResourceKinds.Access, body.Name, AccessActions.Create, "create trust policy",
                caller => Results.Json(TrustPolicyBody(access.CreateTrustPolicy(new TrustPolicy(body.Name, body.Issuer, body.Principal, body.Repository, body.Environment, body.Refs, body.Workflow),
                    oidc.TrustedIssuers, caller.Name)), json, statusCode: StatusCodes.Status201Created)))
            .WithName("CreateTrustPolicy").WithSummary("Lets CI jobs whose OIDC token has these claims act as a principal.");
        app.MapDelete($"/{ServerRoutes.TrustPolicies}/{{name}}", (HttpContext context, Guard guard, AccessData access, string name) =>
            guard.Change(context, ResourceKinds.Access, name, AccessActions.Delete, "remove trust policy", _ => Results.Json(TrustPolicyBody(access.RemoveTrustPolicy(name)), json)))
            .WithName("RemoveTrustPolicy");

        // The audit log.
        app.MapGet($"/{ServerRoutes.Audit}", (HttpContext context, Guard guard, AuditLog audit, string? principal, string? action, string? kind, string? name,
            string? outcome, DateTimeOffset? since, DateTimeOffset? until, long? before, int? limit) =>
        {
            guard.Demand(context, ResourceKinds.Audit, null, AccessActions.Read, "read the audit log");
            return Results.Json(audit.Read(principal, action, kind, name, outcome, since, until, before, limit ?? 100), json);
        }).WithName("ReadAuditLog").WithSummary("Entries newest first; page with before=<next>.");
    }

    private static Permission ParsePermission(string text) =>
        text.Split(':') is [var kind, var action] ? new Permission(kind, action)
            : throw new StackOpsException("InvalidPermission", ErrorKind.InvalidArgument, $"'{Fail.Printable(text)}' is not a permission: write KIND:ACTION, such as stacks:read.", text);

    public static RoleBody RoleBody(Role role) => new(role.Name, role.Permissions.Select(p => p.ToString()).ToList(), role.Description, role.IsBuiltIn);

    public static TrustPolicyBody TrustPolicyBody(TrustPolicy policy) =>
        new(policy.Name, policy.Issuer, policy.Principal, policy.Repository, policy.Environment, policy.Refs, policy.Workflow);

    public static GrantBody GrantBody(Grant grant) => new(grant.Id, grant.Principal, grant.Role, grant.ScopeKind, grant.ScopeName);
}

/// <summary>Checks the caller's permission for a management action, and records the outcome in the audit log.</summary>
public sealed class Guard(AccessData access, AuditLog audit)
{
    public void Demand(HttpContext context, string kind, string? name, string action, string what)
    {
        var caller = context.Caller();
        var policy = access.Policy(caller.Name);
        if (policy.Allows(kind, name, action)) return;
        var error = policy.Denied(kind, name, action);
        audit.Append(new AuditEvent(caller.Name, what, kind, name, AuditLog.Denied, error.ErrorId, caller.Source));
        throw error;
    }

    /// <summary>A change that needs a permission: checked, made, and recorded (allowed, or failed with its error id).</summary>
    public IResult Change(HttpContext context, string kind, string? name, string action, string what, Func<Caller, IResult> change)
    {
        Demand(context, kind, name, action, what);
        return Record(context, kind, name, what, change);
    }

    /// <summary>A change anyone may make to what is their own: made and recorded.</summary>
    public IResult Record(HttpContext context, string kind, string? name, string what, Func<Caller, IResult> change)
    {
        var caller = context.Caller();
        try
        {
            var result = change(caller);
            audit.Append(new AuditEvent(caller.Name, what, kind, name, AuditLog.Allowed, Source: caller.Source));
            return result;
        }
        catch (StackOpsException error)
        {
            audit.Append(new AuditEvent(caller.Name, what, kind, name, AuditLog.Failed, error.ErrorId, caller.Source));
            throw;
        }
    }
}
