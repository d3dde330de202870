using System.Management.Automation;
using StackOps.Core.Secrets;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

/// <summary>Unregisters secret backends from the store; their secrets stay where they are.</summary>
[Cmdlet(VerbsLifecycle.Unregister, "StackSecretBackend", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(SecretBackendDefinition))]
public sealed class UnregisterStackSecretBackendCommand : StoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(SecretBackendNameCompleter))]
    public string[] Name { get; set; } = [];

    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        foreach (var name in Name)
        {
            if (!ShouldProcess(name, "Unregister secret backend")) continue;
            Try(name, () =>
            {
                var backend = Engine.Secrets.UnregisterBackend(name);
                if (PassThru) WriteObject(backend);
            });
        }
    }
}
