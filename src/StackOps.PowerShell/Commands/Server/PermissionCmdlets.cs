using System.Management.Automation;
using StackOps.Core.Errors;
using StackOps.Core.Store.Remote;

namespace StackOps.PowerShell.Commands;

/// <summary>
/// Grants a role to a user or service account: on everything, on every resource of a kind (-Kind
/// stacks), or on one resource (-Kind stacks -Name production). Returns the grant.
/// </summary>
[Cmdlet(VerbsSecurity.Grant, "StackPermission")]
[OutputType(typeof(GrantBody))]
public sealed class GrantStackPermissionCommand : ServerCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string Principal { get; set; } = "";

    /// <summary>A built-in role (admin, connector-admin, editor, viewer) or a custom one (New-StackRole).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    public string Role { get; set; } = "";

    /// <summary>The kind of resource the grant covers: stacks, components, flavors, connectors, secrets, secret-backends, pipelines, stages, access, audit. Without it: everything.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ResourceKindCompleter))]
    public string? Kind { get; set; }

    /// <summary>The one resource of -Kind the grant covers (a stack's, a connector's, a stage's name). Without it: every resource of the kind.</summary>
    [Parameter]
    public string? Name { get; set; }

    protected override void Process()
    {
        if (Name is not null && Kind is null)
            throw new StackOpsException("GrantScopeIncomplete", ErrorKind.InvalidArgument,
                $"-Name '{Fail.Printable(Name)}' needs -Kind: say what kind of resource it is (-Kind stacks, connectors, stages, ...).", Name);
        WriteObject(Server.Grant(Principal, Role, Kind, Name));
    }
}

/// <summary>Lists grants: who has which role on what.</summary>
[Cmdlet(VerbsCommon.Get, "StackPermission")]
[OutputType(typeof(GrantBody))]
public sealed class GetStackPermissionCommand : ServerCmdlet
{
    /// <summary>Only this principal's grants.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    public string? Principal { get; set; }

    /// <summary>Only the grants of this role.</summary>
    [Parameter] public string? Role { get; set; }

    protected override void Process()
    {
        foreach (var grant in Server.Grants(Principal, Role)) WriteObject(grant);
    }
}

/// <summary>
/// Revokes grants: by id (Get-StackPermission ... | Revoke-StackPermission), or the one grant of
/// -Principal and -Role on -Kind and -Name.
/// </summary>
[Cmdlet(VerbsSecurity.Revoke, "StackPermission", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = ById)]
[OutputType(typeof(GrantBody))]
public sealed class RevokeStackPermissionCommand : ServerCmdlet
{
    private const string ById = "ById", ByGrant = "ByGrant";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ById, ValueFromPipelineByPropertyName = true)]
    public string[] Id { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = ByGrant)]
    public string Principal { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = ByGrant)]
    public string Role { get; set; } = "";

    /// <summary>The kind the grant covers; without it, the grant on everything.</summary>
    [Parameter(ParameterSetName = ByGrant)]
    [ArgumentCompleter(typeof(ResourceKindCompleter))]
    public string? Kind { get; set; }

    /// <summary>The one resource the grant covers; without it, the grant on all of -Kind.</summary>
    [Parameter(ParameterSetName = ByGrant)]
    public string? Name { get; set; }

    /// <summary>Writes each revoked grant.</summary>
    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        var grants = ParameterSetName == ById ? Id.Select(id => (id, (GrantBody?)null)) : [(null!, Must(FindGrant))];
        foreach (var (id, grant) in grants)
            Try(id ?? grant!.Id, () =>
            {
                if (!ShouldProcess(grant?.ToString() ?? id, $"Revoke the grant{(grant is null ? "" : $" of {grant.Principal}")}")) return;
                var revoked = Server.Revoke(id ?? grant!.Id);
                if (PassThru) WriteObject(revoked);
            });
    }

    private GrantBody FindGrant()
    {
        var kind = Kind is null ? null : Core.Access.ResourceKinds.Normalize(Kind);
        return Server.Grants(Principal, Role).FirstOrDefault(g => g.Kind == kind && string.Equals(g.Name, Name, StringComparison.OrdinalIgnoreCase))
            ?? throw new StackOpsException("GrantNotFound", ErrorKind.NotFound,
                $"'{Fail.Printable(Principal)}' has no grant of role '{Fail.Printable(Role)}' on {(Kind is null ? "everything" : Name is null ? $"all {kind}" : $"{kind}/{Fail.Printable(Name)}")}. Get-StackPermission -Principal {Principal} lists the grants it has.", Principal);
    }
}
