using System.Management.Automation;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

/// <summary>Renames a secret; references to the old name are reported, not rewritten.</summary>
[Cmdlet(VerbsCommon.Rename, "StackSecret", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(StackSecretInfo))]
public sealed class RenameStackSecretCommand : SecretCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(SecretNameCompleter))]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1)]
    public string NewName { get; set; } = "";

    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        if (!ShouldProcess(Name, $"Rename secret as '{NewName}'")) return;
        Try(Name, () =>
        {
            var secret = Engine.Secrets.Rename(Name, NewName, Backend);
            if (PassThru) WriteObject(ToInfo(secret));
        });
    }
}
