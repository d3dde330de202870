using System.Management.Automation;
using StackOps.Core.Errors;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

/// <summary>Adds or changes keys of a secret, removes keys (-RemoveKey) and merges labels.</summary>
[Cmdlet(VerbsCommon.Set, "StackSecret", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ByValue)]
[OutputType(typeof(StackSecretInfo))]
public sealed class SetStackSecretCommand : SecretValueCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(SecretNameCompleter))]
    public string Name { get; set; } = "";

    [Parameter] public string[]? RemoveKey { get; set; }

    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        if (Value is null && Credential is null && Key is null && RemoveKey is null && Label is null)
        {
            WriteError(ToErrorRecord(new StackOpsException("NothingToChange", ErrorKind.InvalidArgument,
                $"Nothing to change in secret '{Name}': give -Value, -Credential, -Key, -RemoveKey or -Label.", Name), Name));
            return;
        }
        if (!ShouldProcess(Name, "Update secret")) return;
        Try(Name, () =>
        {
            var secret = Engine.Secrets.Update(Name, GivenValues(Name), RemoveKey, ToLabels(Label), Backend);
            if (PassThru) WriteObject(ToInfo(secret));
        });
    }
}
