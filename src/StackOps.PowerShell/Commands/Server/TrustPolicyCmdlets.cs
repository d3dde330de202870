using System.Management.Automation;
using StackOps.Core.Access;
using StackOps.Core.Store.Remote;

namespace StackOps.PowerShell.Commands;

/// <summary>
/// Lets GitHub Actions jobs act as a service account without a stored key: a job of -Repository
/// (in -Environment, on one of -Ref, from -Workflow, where given) that signs in with its OIDC token
/// (permissions: id-token: write) is -Principal on this server.
/// </summary>
[Cmdlet(VerbsCommon.New, "StackTrustPolicy")]
[OutputType(typeof(TrustPolicyBody))]
public sealed class NewStackTrustPolicyCommand : ServerCmdlet
{
    /// <summary>The policy's name; by default the repository and environment (octo-org-ml-production).</summary>
    [Parameter(Position = 0)]
    public string? Name { get; set; }

    /// <summary>The service account (or user) the jobs act as, with its grants.</summary>
    [Parameter(Mandatory = true)]
    public string Principal { get; set; } = "";

    /// <summary>OWNER/NAME of the repository whose jobs are trusted.</summary>
    [Parameter(Mandatory = true)]
    public string Repository { get; set; } = "";

    /// <summary>Only jobs of this GitHub environment (its protection rules then apply first).</summary>
    [Parameter] public string? Environment { get; set; }

    /// <summary>Only jobs run for these refs (refs/heads/main, refs/tags/v*).</summary>
    [Parameter] public string[] Ref { get; set; } = [];

    /// <summary>Only jobs of this workflow (its job_workflow_ref, such as octo-org/ml/.github/workflows/promote.yml@refs/heads/main).</summary>
    [Parameter] public string? Workflow { get; set; }

    /// <summary>The token issuer; GitHub Actions' by default.</summary>
    [Parameter] public string Issuer { get; set; } = TrustPolicy.GitHubActionsIssuer;

    protected override void Process()
    {
        var name = Name ?? string.Join('-', new[] { Repository.Replace('/', '-'), Environment }.Where(p => !string.IsNullOrEmpty(p)));
        WriteObject(Server.CreateTrustPolicy(new TrustPolicyBody(name, Issuer, Principal, Repository, Environment, Ref, Workflow)));
    }
}

/// <summary>Lists the trust policies: which CI jobs act as which principal.</summary>
[Cmdlet(VerbsCommon.Get, "StackTrustPolicy")]
[OutputType(typeof(TrustPolicyBody))]
public sealed class GetStackTrustPolicyCommand : ServerGetCmdlet
{
    protected override IEnumerable<object> Selected(string[]? names) => Select(names, Server.TrustPolicies, policy => policy.Name, Server.TrustPolicy);
}

/// <summary>Removes trust policies: those jobs no longer sign in without a key.</summary>
[Cmdlet(VerbsCommon.Remove, "StackTrustPolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(TrustPolicyBody))]
public sealed class RemoveStackTrustPolicyCommand : ServerRemoveCmdlet
{
    protected override void RemoveNamed(string name) =>
        Remove(name, Server.TrustPolicy, policy => (policy.ToString(), "Remove the trust policy"), policy => Server.RemoveTrustPolicy(policy.Name));
}
