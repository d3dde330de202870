using System.Management.Automation;
using StackOps.Core.Model;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

[Cmdlet(VerbsCommon.Remove, "StackComponent", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(StackComponent))]
public sealed class RemoveStackComponentCommand : StoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ComponentTypeCompleter))]
    public string Type { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards, ArgumentCompleter(typeof(ComponentNameCompleter))]
    public string[] Name { get; set; } = [];

    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        var components = Must(() => Select(Name, () => Reported(Engine.Components.List(Type)), c => c.Name, Exact).ToList());
        foreach (var component in components)
        {
            Try(component, () =>
            {
                Engine.Components.CheckRemove(component.Type, component.Name);
                if (!ShouldProcess($"{component.Type}/{component.Name}", "Remove component")) return;
                var removed = Engine.Components.Remove(component.Type, component.Name);
                if (PassThru) WriteObject(removed);
            });
        }
    }

    /// <summary>Removal takes exact names only: a prefix must never remove a component the user did not name.</summary>
    private StackComponent Exact(string name)
    {
        var component = Engine.Components.Get(Type, name);
        return string.Equals(component.Name, name, StringComparison.OrdinalIgnoreCase) ? component : throw Core.Errors.Fail.ComponentNotFound(component.Type, name);
    }
}
