using System.Management.Automation;
using StackOps.Core.Store.Remote;

namespace StackOps.PowerShell.Commands;

/// <summary>
/// Creates a custom role: a name for a set of permissions, each KIND:ACTION (stacks:read,
/// stages:approve, connectors:use). Grant it on everything, a kind, or one resource with Grant-StackPermission.
/// </summary>
[Cmdlet(VerbsCommon.New, "StackRole")]
[OutputType(typeof(RoleBody))]
public sealed class NewStackRoleCommand : ServerCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    public string Name { get; set; } = "";

    /// <summary>The permissions, as KIND:ACTION: kinds stacks, components, flavors, connectors, secrets, secret-backends, pipelines, stages, access, audit; actions read, create, update, delete, use, promote, approve.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    public string[] Permission { get; set; } = [];

    [Parameter] public string? Description { get; set; }

    protected override void Process() => WriteObject(Server.CreateRole(Name, Permission, Description));
}

/// <summary>Lists the roles: the built-in admin, connector-admin, editor and viewer, and the custom ones, with their permissions.</summary>
[Cmdlet(VerbsCommon.Get, "StackRole")]
[OutputType(typeof(RoleBody))]
public sealed class GetStackRoleCommand : ServerGetCmdlet
{
    protected override IEnumerable<object> Selected(string[]? names) => Select(names, Server.Roles, role => role.Name, Server.Role);
}

/// <summary>Removes custom roles that no grant uses (built-in roles stay).</summary>
[Cmdlet(VerbsCommon.Remove, "StackRole", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(RoleBody))]
public sealed class RemoveStackRoleCommand : ServerRemoveCmdlet
{
    protected override void RemoveNamed(string name) =>
        Remove(name, Server.Role, role => (role.Name, "Remove the role"), role => Server.RemoveRole(role.Name));
}
