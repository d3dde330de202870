using System.Management.Automation;
using StackOps.Core.Model;
using StackOps.Core.Validation;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

/// <summary>Validates stacks (the active one by default) and returns one finding per problem.</summary>
[Cmdlet(VerbsDiagnostic.Test, "Stack")]
[OutputType(typeof(StackValidationResult), typeof(bool))]
public sealed class TestStackCommand : StackOpsCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards, ArgumentCompleter(typeof(StackNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Returns only $true or $false per stack.</summary>
    [Parameter] public SwitchParameter Quiet { get; set; }

    [Parameter] public StoreScope? Scope { get; set; }

    protected override StoreScope? RequestedScope => Scope;

    protected override void ProcessRecord()
    {
        var names = Name is { Length: > 0 } ? Name : [Engine.Stacks.ActiveName];
        foreach (var stack in Select(names, () => Engine.Stacks.List().Items, s => s.Name, Engine.Stacks.Get))
        {
            Try(stack, () =>
            {
                var result = Engine.Stacks.Test(stack.Name);
                foreach (var finding in result.Findings)
                    WriteVerbose($"{stack.Name}: {finding.Severity}: {finding.Message}");
                WriteObject(Quiet ? result.IsValid : result);
            });
        }
    }
}
