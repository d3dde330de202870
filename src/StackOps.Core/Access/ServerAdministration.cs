using StackOps.Core.Errors;
using StackOps.Core.Store.Remote;

namespace StackOps.Core.Access;

/// <summary>
/// The team server's management API, for the cmdlets: who am I, principals, API keys, roles,
/// grants and the audit log. Every rule (who may do what, the last admin, keys shown once) is the
/// server's; this only carries the calls and their errors.
/// </summary>
public sealed class ServerAdministration(ServerClient client) : IDisposable
{
    public ServerClient Client { get; } = client;

    public MeBody Me() => Client.Get<MeBody>(ServerRoutes.Me);

    public IReadOnlyList<PrincipalBody> Principals(string? kind = null) =>
        Client.Get<List<PrincipalBody>>(ServerRoutes.Principals + (kind is null ? "" : $"?kind={ServerClient.Escape(kind)}"));

    /// <summary>One principal of a kind by its name (any case).</summary>
    public PrincipalBody Principal(string name, string kind)
    {
        if (Principals(kind).FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)) is { } found) return found;
        var (noun, lister) = PrincipalKinds.Describe(kind);
        throw new StackOpsException("PrincipalNotFound", ErrorKind.NotFound, $"No {noun} is named '{Fail.Printable(name)}' on this server. {lister} lists them.", name);
    }

    public PrincipalBody CreatePrincipal(string name, string kind, string? description) =>
        Client.Post<PrincipalBody>(ServerRoutes.Principals, new NewPrincipalBody(name, kind, description));

    public PrincipalBody RemovePrincipal(string name) => Client.DeleteReturning<PrincipalBody>($"{ServerRoutes.Principals}/{ServerClient.Escape(name)}");

    public IReadOnlyList<ApiKeyBody> Keys(string? principal = null) =>
        Client.Get<List<ApiKeyBody>>(ServerRoutes.Keys + (principal is null ? "" : $"?principal={ServerClient.Escape(principal)}"));

    public CreatedApiKeyBody CreateKey(string principal, string? description, DateTimeOffset? expiresAt) =>
        Client.Post<CreatedApiKeyBody>(ServerRoutes.Keys, new NewApiKeyBody(principal, description, expiresAt));

    public ApiKeyBody RevokeKey(string id) => Client.DeleteReturning<ApiKeyBody>($"{ServerRoutes.Keys}/{ServerClient.Escape(id)}");

    public IReadOnlyList<RoleBody> Roles() => Client.Get<List<RoleBody>>(ServerRoutes.Roles);

    /// <summary>A custom role: permissions as KIND:ACTION (stacks:read, stages:approve).</summary>
    public RoleBody CreateRole(string name, IReadOnlyList<string> permissions, string? description) =>
        Client.Post<RoleBody>(ServerRoutes.Roles, new RoleBody(name, permissions, description, false));

    public RoleBody Role(string name) =>
        Roles().FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new StackOpsException("RoleNotFound", ErrorKind.NotFound, $"No role is named '{Fail.Printable(name)}' on this server. Get-StackRole lists them.", name);

    public RoleBody RemoveRole(string name) => Client.DeleteReturning<RoleBody>($"{ServerRoutes.Roles}/{ServerClient.Escape(name)}");

    public IReadOnlyList<GrantBody> Grants(string? principal = null, string? role = null)
    {
        var query = new List<string>();
        if (principal is not null) query.Add($"principal={ServerClient.Escape(principal)}");
        if (role is not null) query.Add($"role={ServerClient.Escape(role)}");
        return Client.Get<List<GrantBody>>(ServerRoutes.Grants + (query.Count == 0 ? "" : "?" + string.Join("&", query)));
    }

    public GrantBody Grant(string principal, string role, string? kind, string? name) =>
        Client.Post<GrantBody>(ServerRoutes.Grants, new NewGrantBody(principal, role, kind, name));

    public GrantBody Revoke(string id) => Client.DeleteReturning<GrantBody>($"{ServerRoutes.Grants}/{ServerClient.Escape(id)}");

    public IReadOnlyList<TrustPolicyBody> TrustPolicies() => Client.Get<List<TrustPolicyBody>>(ServerRoutes.TrustPolicies);

    public TrustPolicyBody TrustPolicy(string name) =>
        TrustPolicies().FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new StackOpsException("TrustPolicyNotFound", ErrorKind.NotFound, $"No trust policy is named '{Fail.Printable(name)}' on this server. Get-StackTrustPolicy lists them.", name);

    public TrustPolicyBody CreateTrustPolicy(TrustPolicyBody policy) => Client.Post<TrustPolicyBody>(ServerRoutes.TrustPolicies, policy);

    public TrustPolicyBody RemoveTrustPolicy(string name) => Client.DeleteReturning<TrustPolicyBody>($"{ServerRoutes.TrustPolicies}/{ServerClient.Escape(name)}");

    /// <summary>The audit log, newest first, filtered; a page at a time (Next: the id to ask for the following page with).</summary>
    public AuditPageBody Audit(string? principal = null, string? action = null, string? kind = null, string? name = null, string? outcome = null,
        DateTimeOffset? since = null, DateTimeOffset? until = null, long? before = null, int limit = 100)
    {
        var query = new List<string> { $"limit={limit}" };
        void Add(string key, object? value)
        {
            if (value is not null) query.Add($"{key}={ServerClient.Escape(value is DateTimeOffset at ? at.ToUniversalTime().ToString("o") : value.ToString()!)}");
        }
        Add("principal", principal);
        Add("action", action);
        Add("kind", kind);
        Add("name", name);
        Add("outcome", outcome);
        Add("since", since);
        Add("until", until);
        Add("before", before);
        return Client.Get<AuditPageBody>($"{ServerRoutes.Audit}?{string.Join("&", query)}");
    }

    /// <summary>Every entry the filter selects, newest first, asking the server a page at a time as they are read.</summary>
    public IEnumerable<AuditEntryBody> AuditEntries(string? principal = null, string? action = null, string? kind = null, string? name = null,
        string? outcome = null, DateTimeOffset? since = null, DateTimeOffset? until = null, int pageSize = 100)
    {
        long? before = null;
        do
        {
            var page = Audit(principal, action, kind, name, outcome, since, until, before, pageSize);
            foreach (var entry in page.Entries) yield return entry;
            before = page.Next;
        }
        while (before is not null);
    }

    public void Dispose() => Client.Dispose();
}
