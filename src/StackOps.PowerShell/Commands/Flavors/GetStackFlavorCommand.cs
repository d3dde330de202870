using System.Management.Automation;
using StackOps.Core.Flavors;
using StackOps.Core.Model;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

/// <summary>Lists flavors, built-in and custom, with their configuration schema.</summary>
[Cmdlet(VerbsCommon.Get, "StackFlavor", DefaultParameterSetName = ByName)]
[OutputType(typeof(Flavor))]
public sealed class GetStackFlavorCommand : StoreCmdlet
{
    private const string ByName = "ByName", ByComponent = "ByComponent";

    [Parameter(ParameterSetName = ByName, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards, ArgumentCompleter(typeof(FlavorNameCompleter))]
    public string[]? Name { get; set; }

    [Parameter(ParameterSetName = ByName, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ComponentTypeCompleter))]
    public string? Type { get; set; }

    /// <summary>Components (Get-StackComponent k8s | Get-StackFlavor): the flavor of each.</summary>
    [Parameter(ParameterSetName = ByComponent, Mandatory = true, ValueFromPipeline = true)]
    public StackComponent[] InputObject { get; set; } = [];

    protected override void Process()
    {
        if (ParameterSetName == ByComponent)
        {
            foreach (var component in InputObject) Try(component, () => WriteObject(Engine.Flavors.Get(component.Type, component.Flavor)));
            return;
        }
        var flavors = Must(() => Select(Name, ListAll, f => f.Name, name => Type is null ? Engine.Flavors.Get(name) : Engine.Flavors.Get(Type, name)).ToList());
        WriteObject(flavors, enumerateCollection: true);
    }

    private IReadOnlyList<Flavor> ListAll() => Reported(Engine.Flavors.List(Type));
}
