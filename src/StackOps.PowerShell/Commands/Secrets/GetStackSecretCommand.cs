using System.Management.Automation;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

/// <summary>Gets secrets: keys, labels and values as SecureStrings (clear text only with -AsPlainText).</summary>
[Cmdlet(VerbsCommon.Get, "StackSecret")]
[OutputType(typeof(StackSecretInfo))]
public sealed class GetStackSecretCommand : SecretCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards, ArgumentCompleter(typeof(SecretNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Returns the values as clear text instead of SecureStrings.</summary>
    [Parameter] public SwitchParameter AsPlainText { get; set; }

    protected override void Process()
    {
        var names = Must(() => Select(Name, () => Engine.Secrets.List(Backend), n => n, n => n).ToList());
        foreach (var name in names) Try(name, () => WriteObject(ToInfo(Engine.Secrets.Get(name, Backend), AsPlainText)));
    }
}
