using System.Management.Automation;
using StackOps.Core.Model;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

[Cmdlet(VerbsCommon.Get, "Stack", DefaultParameterSetName = ByName)]
[OutputType(typeof(Stack))]
public sealed class GetStackCommand : StoreCmdlet
{
    private const string ByName = "ByName", ActiveSet = "Active";

    [Parameter(ParameterSetName = ByName, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards, ArgumentCompleter(typeof(StackNameCompleter))]
    public string[]? Name { get; set; }

    [Parameter(ParameterSetName = ActiveSet, Mandatory = true)]
    [Alias("ActiveStack")]
    public SwitchParameter Active { get; set; }

    protected override void Process()
    {
        if (Active)
        {
            Try(Engine.Stacks.ActiveName, () => WriteObject(Engine.Stacks.GetActive()));
            return;
        }
        if (Name is not { Length: > 0 })
        {
            // Every stack: written as each is read, so the first shows at once in a store of thousands.
            foreach (var (stack, problem) in Engine.Stacks.Each())
                if (stack is not null) WriteObject(stack);
                else WriteError(ToErrorRecord(problem!, problem!.Target));
            return;
        }
        foreach (var stack in Select(Name, ListAll, s => s.Name, Engine.Stacks.Get)) WriteObject(stack);
    }

    private IReadOnlyList<Stack> ListAll() => Reported(Engine.Stacks.List());
}
