using System.Management.Automation;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

/// <summary>Creates a secret in a writable backend (local by default).</summary>
[Cmdlet(VerbsCommon.New, "StackSecret", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = ByValue)]
[OutputType(typeof(StackSecretInfo))]
public sealed class NewStackSecretCommand : SecretValueCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(SecretNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>Replaces an existing secret of the same name.</summary>
    [Parameter] public SwitchParameter Force { get; set; }

    protected override void Process()
    {
        if (!ShouldProcess(Name, "Create secret")) return;
        Try(Name, () =>
        {
            var secret = Engine.Secrets.Create(Name, GivenValues(Name), ToLabels(Label), Backend, Force);
            WriteObject(ToInfo(secret));
        });
    }
}
