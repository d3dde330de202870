using System.Management.Automation;
using StackOps.Core.Errors;
using StackOps.Core.Secrets;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

/// <summary>Lists the secret backends of the store (built-in and registered), the one in effect marked as default.</summary>
[Cmdlet(VerbsCommon.Get, "StackSecretBackend")]
[OutputType(typeof(SecretBackendDefinition))]
public sealed class GetStackSecretBackendCommand : StoreCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards, ArgumentCompleter(typeof(SecretBackendNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Only the backend in effect ($env:STACKOPS_SECRET_BACKEND, else the store's default, else local).</summary>
    [Parameter] public SwitchParameter Default { get; set; }

    protected override void Process()
    {
        if (Default)
        {
            Try(null, () => WriteObject(Engine.Secrets.Backend(null)));
            return;
        }
        foreach (var backend in Select(Name, ListAll, b => b.Name, Engine.Secrets.Backend)) WriteObject(backend);
    }

    private IReadOnlyList<SecretBackendDefinition> ListAll() => Reported(Engine.Secrets.Backends());
}
