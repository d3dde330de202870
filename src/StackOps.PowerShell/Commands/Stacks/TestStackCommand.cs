using System.Management.Automation;
using StackOps.Core.Model;
using StackOps.Core.Secrets;
using StackOps.Core.Validation;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

/// <summary>Validates stacks (the active one by default) and returns one finding per problem.</summary>
[Cmdlet(VerbsDiagnostic.Test, "Stack")]
[OutputType(typeof(StackValidationResult), typeof(bool))]
public sealed class TestStackCommand : StoreCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards, ArgumentCompleter(typeof(StackNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Returns only $true or $false per stack.</summary>
    [Parameter] public SwitchParameter Quiet { get; set; }

    /// <summary>How far secret references are checked: None, SecretExists, or SecretAndKeyExists (the default).</summary>
    [Parameter] public SecretValidation SecretValidation { get => (SecretValidation)_secretValidation; set => _secretValidation = value; }

    // Boxed, as StoreCmdlet.Scope is.
    private object _secretValidation = SecretValidation.SecretAndKeyExists;

    /// <summary>Counts warnings (a credential in clear text) as errors.</summary>
    [Parameter] public SwitchParameter Strict { get; set; }

    /// <summary>The secret backend to check references against; the one in effect by default.</summary>
    [Parameter, ArgumentCompleter(typeof(SecretBackendNameCompleter))]
    public string? Backend { get; set; }

    protected override void Process()
    {
        foreach (var stack in StacksOrActive(Name))
        {
            Try(stack, () =>
            {
                var result = Engine.Stacks.Test(stack.Name, SecretValidation, Strict, Backend);
                foreach (var finding in result.Findings)
                    WriteVerbose($"{stack.Name}: {finding.Severity}: {finding.Message}");
                WriteObject(Quiet ? result.IsValid : result);
            });
        }
    }
}
