using System.Management.Automation;
using StackOps.Core.Secrets;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

/// <summary>Registers a secret backend in the store (a SecretBackend document), optionally as the store's default.</summary>
[Cmdlet(VerbsLifecycle.Register, "StackSecretBackend", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(SecretBackendDefinition))]
public sealed class RegisterStackSecretBackendCommand : StoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string Name { get; set; } = "";

    /// <summary>local, env, secretmanagement, or a type a registered integration adds.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(SecretBackendTypeCompleter))]
    public string Type { get; set; } = "";

    /// <summary>The SecretManagement vault (Get-SecretVault), for the secretmanagement type; what an integration's type makes of it, for one that takes a vault.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Vault { get; set; }

    /// <summary>Makes it the store's default backend, through which references resolve.</summary>
    [Parameter] public SwitchParameter Default { get; set; }

    [Parameter] public string? Description { get; set; }

    /// <summary>Replaces a registered backend of the same name.</summary>
    [Parameter] public SwitchParameter Force { get; set; }

    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        if (!ShouldProcess(Name, $"Register {Type} secret backend{(Default ? " as the store's default" : "")}")) return;
        Try(Name, () =>
        {
            var backend = Engine.Secrets.RegisterBackend(Name, Type, Vault, Default, Description, Force);
            if (PassThru) WriteObject(backend);
        });
    }
}
