using System.Management.Automation;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

/// <summary>Removes secrets; one that a component of this store references only with -Force.</summary>
[Cmdlet(VerbsCommon.Remove, "StackSecret", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(string))]
public sealed class RemoveStackSecretCommand : SecretCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards, ArgumentCompleter(typeof(SecretNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>Removes a secret that components of this store still reference.</summary>
    [Parameter] public SwitchParameter Force { get; set; }

    /// <summary>Writes the name of each removed secret.</summary>
    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        var names = Must(() => Select(Name, () => Engine.Secrets.List(Backend), n => n, Exact).ToList());
        foreach (var name in names)
        {
            Try(name, () =>
            {
                Engine.Secrets.CheckRemove(name, Backend, Force);
                if (!ShouldProcess(name, "Remove secret")) return;
                var removed = Engine.Secrets.Remove(name, Backend, Force);
                if (PassThru) WriteObject(removed);
            });
        }
    }

    /// <summary>Removal takes exact names only (any case): a prefix must never remove a secret the user did not name.</summary>
    private string Exact(string name) =>
        Engine.Secrets.List(Backend).FirstOrDefault(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase))
        ?? throw Core.Errors.Fail.SecretNotFound(name, Engine.Secrets.Backend(Backend).Name);
}
