using StackOps.Core.Errors;
using StackOps.Core.Model;
using StackOps.Core.Yaml;

namespace StackOps.Core.Access;

/// <summary>What a permission is about: a kind of resource (stacks, connectors, ...) and what may be done to it.</summary>
public static class ResourceKinds
{
    public const string Stacks = "stacks", Components = "components", Flavors = "flavors", Connectors = "connectors", Secrets = "secrets",
        SecretBackends = "secret-backends", Pipelines = "pipelines", Stages = "stages", Access = "access", Audit = "audit";

    public static readonly IReadOnlyList<string> All = [Stacks, Components, Flavors, Connectors, Secrets, SecretBackends, Pipelines, Stages, Access, Audit];

    /// <summary>The actions that mean something for a kind: use for connectors and secrets, promote and approve for stages, read alone for the audit log.</summary>
    public static IReadOnlyList<string> ActionsOf(string kind) => kind switch
    {
        Connectors or Secrets => [AccessActions.Read, AccessActions.Create, AccessActions.Update, AccessActions.Delete, AccessActions.Use],
        Stages => [AccessActions.Read, AccessActions.Create, AccessActions.Update, AccessActions.Delete, AccessActions.Promote, AccessActions.Approve],
        Audit => [AccessActions.Read],
        _ => [AccessActions.Read, AccessActions.Create, AccessActions.Update, AccessActions.Delete],
    };

    /// <summary>The resource kind a stored document belongs to: pipeline versions are their pipeline's, promotion records their target stage's.</summary>
    public static string Of(string documentKind) => documentKind switch
    {
        DocumentCodec.StackKind => Stacks,
        DocumentCodec.ComponentKind => Components,
        DocumentCodec.FlavorKind => Flavors,
        DocumentCodec.ConnectorKind => Connectors,
        DocumentCodec.SecretBackendKind => SecretBackends,
        DocumentCodec.PipelineKind or DocumentCodec.PipelineVersionKind => Pipelines,
        DocumentCodec.LifecycleKind or DocumentCodec.PromotionKind => Stages,
        _ => throw new ArgumentException($"unknown document kind {documentKind}", nameof(documentKind)),
    };

    public static string Normalize(string kind) =>
        All.FirstOrDefault(k => string.Equals(k, kind, StringComparison.OrdinalIgnoreCase) || string.Equals(k.TrimEnd('s'), kind, StringComparison.OrdinalIgnoreCase))
        ?? throw new StackOpsException("UnknownResourceKind", ErrorKind.InvalidArgument, $"'{Fail.Printable(kind)}' is not a resource kind; use one of {string.Join(", ", All)}.", kind);
}

public static class AccessActions
{
    public const string Read = "read", Create = "create", Update = "update", Delete = "delete", Use = "use", Promote = "promote", Approve = "approve";

    public static readonly IReadOnlyList<string> All = [Read, Create, Update, Delete, Use, Promote, Approve];

    public static string Normalize(string action) =>
        All.FirstOrDefault(a => string.Equals(a, action, StringComparison.OrdinalIgnoreCase))
        ?? throw new StackOpsException("UnknownAction", ErrorKind.InvalidArgument, $"'{Fail.Printable(action)}' is not an action; use one of {string.Join(", ", All)}.", action);
}

/// <summary>One thing a role allows: an action on a kind of resource.</summary>
public sealed record Permission(string Kind, string Action)
{
    public override string ToString() => $"{Kind}:{Action}";
}

/// <summary>A named set of permissions; the built-in ones cannot be changed.</summary>
public sealed record Role(string Name, IReadOnlyList<Permission> Permissions, string? Description = null, bool IsBuiltIn = false)
{
    public bool Allows(string kind, string action) => Permissions.Any(p => p.Kind == kind && p.Action == action);

    public override string ToString() => Name;
}

/// <summary>
/// A role given to a principal, on everything (no scope), on one kind of resource, or on one named
/// resource of a kind (the stack 'staging', the stage 'production').
/// </summary>
public sealed record Grant(string Id, string Principal, string Role, string? ScopeKind = null, string? ScopeName = null)
{
    public bool Covers(string kind, string? name) =>
        (ScopeKind is null || ScopeKind == kind) && (ScopeName is null || name is not null && string.Equals(ScopeName, name, StringComparison.OrdinalIgnoreCase));

    public string Scope => ScopeKind is null ? "everything" : ScopeName is null ? $"all {ScopeKind}" : $"{ScopeKind}/{ScopeName}";

    public override string ToString() => $"{Role} on {Scope}";
}

/// <summary>Who acts on a team server: people, and the service accounts that CI and tools sign in as.</summary>
public static class PrincipalKinds
{
    public const string User = "user", ServiceAccount = "service-account";

    /// <summary>How a kind reads in a sentence, and the command that lists its principals.</summary>
    public static (string Noun, string Lister) Describe(string kind) =>
        kind == ServiceAccount ? ("service account", "Get-StackServiceAccount") : ("user", "Get-StackUser");
}

/// <summary>How an audited request ended.</summary>
public static class AuditOutcomes
{
    public const string Allowed = "allowed", Denied = "denied", Failed = "failed";
}

/// <summary>
/// The roles StackOps starts with, as ZenML's page recommends them: a few admins; connector admins
/// who create and rotate the connectors everyone uses (and never read credentials back); editors
/// who build stacks and pipelines from them and promote; viewers who read. Approving a stage's
/// promotions is its own permission, given with a custom role (an "approver" of the production stage).
/// </summary>
public static class BuiltInRoles
{
    public const string Admin = "admin", ConnectorAdmin = "connector-admin", Editor = "editor", Viewer = "viewer";

    private static readonly string[] Documents = [ResourceKinds.Stacks, ResourceKinds.Components, ResourceKinds.Flavors, ResourceKinds.Connectors,
        ResourceKinds.Secrets, ResourceKinds.SecretBackends, ResourceKinds.Pipelines, ResourceKinds.Stages];

    public static readonly IReadOnlyList<Role> All =
    [
        new(Admin, [.. from kind in ResourceKinds.All from action in ResourceKinds.ActionsOf(kind) select new Permission(kind, action)],
            "Everything, including principals, keys, roles, grants and the audit log.", IsBuiltIn: true),
        new(ConnectorAdmin, [.. Actions(ResourceKinds.Connectors, AccessActions.Read, AccessActions.Create, AccessActions.Update, AccessActions.Delete),
                .. Documents.Except([ResourceKinds.Connectors]).Select(k => new Permission(k, AccessActions.Read))],
            "Creates, changes, rotates and removes service connectors and their credentials (which it never reads back: using a connector is another permission); reads the rest.", IsBuiltIn: true),
        new(Editor, [.. from kind in new[] { ResourceKinds.Stacks, ResourceKinds.Components, ResourceKinds.Flavors, ResourceKinds.Pipelines }
                from action in new[] { AccessActions.Read, AccessActions.Create, AccessActions.Update, AccessActions.Delete } select new Permission(kind, action),
                .. Actions(ResourceKinds.Connectors, AccessActions.Read, AccessActions.Use), .. Actions(ResourceKinds.Secrets, AccessActions.Use),
                .. Actions(ResourceKinds.SecretBackends, AccessActions.Read), .. Actions(ResourceKinds.Stages, AccessActions.Read, AccessActions.Promote)],
            "Builds stacks, components, flavors and pipelines from the connectors and secrets there are, and promotes.", IsBuiltIn: true),
        new(Viewer, [.. Documents.Select(k => new Permission(k, AccessActions.Read))], "Reads stacks, components, connectors, pipelines and stages.", IsBuiltIn: true),
    ];

    private static IEnumerable<Permission> Actions(string kind, params string[] actions) => actions.Select(a => new Permission(kind, a));

    public static Role? Find(string name) => All.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));
}

/// <summary>What a principal may do: its grants, with the roles they name.</summary>
public sealed class AccessPolicy(string principal, IReadOnlyList<Grant> grants, Func<string, Role?> role)
{
    public string Principal { get; } = principal;
    public IReadOnlyList<Grant> Grants { get; } = grants;

    /// <summary>The grant that allows an action on a resource (a kind, and a name for one resource), or null.</summary>
    public Grant? Allowing(string kind, string? name, string action) =>
        Grants.FirstOrDefault(g => g.Covers(kind, name) && role(g.Role) is { } r && r.Allows(kind, action));

    public bool Allows(string kind, string? name, string action) => Allowing(kind, name, action) is not null;

    /// <summary>The error for an action this policy does not allow, naming what would allow it.</summary>
    public StackOpsException Denied(string kind, string? name, string action)
    {
        var roles = BuiltInRoles.All.Where(r => r.Allows(kind, action) && r.Name != BuiltInRoles.Admin).Select(r => r.Name).ToList();
        var resource = name is null ? $"{kind}" : $"{kind}/{name}";
        var grant = roles.Count == 0 ? $"the {BuiltInRoles.Admin} role or a custom role with {kind}:{action}" : $"a role with {kind}:{action} ({string.Join(", ", roles)}) on {resource} or on all {kind}";
        return new StackOpsException("PermissionDenied", ErrorKind.SecurityError,
            $"'{Principal}' may not {action} {resource}: that needs {grant}. Ask an admin: Grant-StackPermission -Principal {Principal} -Role <role> -Kind {kind}{(name is null ? "" : $" -Name {name}")}. Nothing was changed.", resource);
    }

    /// <summary>Throws PermissionDenied unless the action is allowed.</summary>
    public void Demand(string kind, string? name, string action)
    {
        if (!Allows(kind, name, action)) throw Denied(kind, name, action);
    }
}
