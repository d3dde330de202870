using System.Management.Automation;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

/// <summary>The effective configuration of each component of a stack with its secret references resolved; the stored documents keep the references.</summary>
[Cmdlet(VerbsDiagnostic.Resolve, "StackConfiguration")]
[OutputType(typeof(StackComponentConfiguration))]
public sealed class ResolveStackConfigurationCommand : SecretCmdlet
{
    /// <summary>The stacks; the active stack by default.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [SupportsWildcards, ArgumentCompleter(typeof(StackNameCompleter))]
    public string[]? Stack { get; set; }

    /// <summary>Returns secret values as clear text instead of SecureStrings.</summary>
    [Parameter] public SwitchParameter AsPlainText { get; set; }

    protected override void Process()
    {
        foreach (var stack in StacksOrActive(Stack))
            Try(stack, () =>
            {
                foreach (var component in Engine.Secrets.Resolve(stack.Name, Backend))
                    WriteObject(new StackComponentConfiguration(component, AsPlainText, Secure));
            });
    }
}
