using System.Management.Automation;
using StackOps.Core.Model;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

[Cmdlet(VerbsCommon.Get, "StackComponent")]
[OutputType(typeof(StackComponent))]
public sealed class GetStackComponentCommand : StoreCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards, ArgumentCompleter(typeof(ComponentNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>The component type (artifact_store or ArtifactStore); all types when omitted.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ComponentTypeCompleter))]
    public string? Type { get; set; }

    [Parameter, SupportsWildcards, ArgumentCompleter(typeof(FlavorNameCompleter))]
    public string? Flavor { get; set; }

    protected override void Process()
    {
        var flavor = Flavor is null ? null : Pattern(Flavor);
        if (Flavor is not null && flavor is null) return;
        var components = Must(() => Select(Name, ListAll, c => c.Name, name => Engine.Components.Get(Type, name)).ToList());
        foreach (var component in components)
            if (flavor is null || flavor.IsMatch(component.Flavor)) WriteObject(component);
    }

    private IReadOnlyList<StackComponent> ListAll() => Reported(Engine.Components.List(Type));
}
