using System.Management.Automation;
using StackOps.Core.Access;
using StackOps.Core.Store.Remote;

namespace StackOps.PowerShell.Commands;

public abstract class NewPrincipalCommand : ServerCmdlet
{
    protected abstract string Kind { get; }

    /// <summary>The name the principal signs in as and grants name: letters, digits, '.', '_', '-' (an e-mail's local part, a bot's name).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public string[] Name { get; set; } = [];

    /// <summary>Who or what it is, for the admins who read the list.</summary>
    [Parameter] public string? Description { get; set; }

    protected override void Process()
    {
        foreach (var name in Name) Try(name, () => WriteObject(Server.CreatePrincipal(name, Kind, Description)));
    }
}

public abstract class GetPrincipalCommand : ServerGetCmdlet
{
    protected abstract string Kind { get; }

    protected override IEnumerable<object> Selected(string[]? names) =>
        Select(names, () => Server.Principals(Kind), principal => principal.Name, name => Server.Principal(name, Kind));
}

public abstract class RemovePrincipalCommand : ServerRemoveCmdlet
{
    protected abstract string Kind { get; }

    protected override void RemoveNamed(string name) =>
        Remove(name, found => Server.Principal(found, Kind),
            principal => (principal.Name, $"Remove the {PrincipalKinds.Describe(Kind).Noun}, its API keys and its grants"),
            principal => Server.RemovePrincipal(principal.Name));
}

/// <summary>Creates users on the team server: people, who then get an API key (New-StackApiKey) and grants (Grant-StackPermission).</summary>
[Cmdlet(VerbsCommon.New, "StackUser")]
[OutputType(typeof(PrincipalBody))]
public sealed class NewStackUserCommand : NewPrincipalCommand
{
    protected override string Kind => PrincipalKinds.User;
}

/// <summary>Lists the team server's users.</summary>
[Cmdlet(VerbsCommon.Get, "StackUser")]
[OutputType(typeof(PrincipalBody))]
public sealed class GetStackUserCommand : GetPrincipalCommand
{
    protected override string Kind => PrincipalKinds.User;
}

/// <summary>Removes users from the team server, with their API keys and grants; the audit log keeps what they did.</summary>
[Cmdlet(VerbsCommon.Remove, "StackUser", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(PrincipalBody))]
public sealed class RemoveStackUserCommand : RemovePrincipalCommand
{
    protected override string Kind => PrincipalKinds.User;
}

/// <summary>Creates service accounts: the principals CI jobs and tools act as, with an API key or a trust policy (New-StackTrustPolicy) instead of a person's.</summary>
[Cmdlet(VerbsCommon.New, "StackServiceAccount")]
[OutputType(typeof(PrincipalBody))]
public sealed class NewStackServiceAccountCommand : NewPrincipalCommand
{
    protected override string Kind => PrincipalKinds.ServiceAccount;
}

/// <summary>Lists the team server's service accounts.</summary>
[Cmdlet(VerbsCommon.Get, "StackServiceAccount")]
[OutputType(typeof(PrincipalBody))]
public sealed class GetStackServiceAccountCommand : GetPrincipalCommand
{
    protected override string Kind => PrincipalKinds.ServiceAccount;
}

/// <summary>Removes service accounts, with their API keys and grants.</summary>
[Cmdlet(VerbsCommon.Remove, "StackServiceAccount", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(PrincipalBody))]
public sealed class RemoveStackServiceAccountCommand : RemovePrincipalCommand
{
    protected override string Kind => PrincipalKinds.ServiceAccount;
}
