using System.Management.Automation;
using StackOps.Core.Components;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

/// <summary>Checks that artifact stores and container registries answer with their credentials: one result per component.</summary>
[Cmdlet(VerbsDiagnostic.Test, "StackComponent")]
[OutputType(typeof(ComponentTestResult), typeof(bool))]
public sealed class TestStackComponentCommand : StoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ComponentNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>The component type (artifact_store or container_registry), when a name is used by several types.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ComponentTypeCompleter))]
    public string? Type { get; set; }

    /// <summary>Returns only $true or $false per component.</summary>
    [Parameter] public SwitchParameter Quiet { get; set; }

    protected override void Process()
    {
        foreach (var name in Name)
            Try(name, () =>
            {
                var result = Engine.Behaviour.Test(Type, name);
                WriteVerbose($"{result.Type} '{result.Name}': {result.Message}");
                WriteObject(Quiet ? result.Reachable : result);
            });
    }
}

/// <summary>Lists what a component holds: an artifact store's files and folders under a path, a container registry's repositories.</summary>
[Cmdlet(VerbsCommon.Get, "StackComponentItem")]
[OutputType(typeof(ComponentItem))]
public sealed class GetStackComponentItemCommand : StoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ComponentNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>A folder of the artifact store, relative to its root ('models/2026'); its root when omitted.</summary>
    [Parameter(Position = 1)]
    public string? Path { get; set; }

    /// <summary>The component type (artifact_store or container_registry), when a name is used by several types.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ComponentTypeCompleter))]
    public string? Type { get; set; }

    protected override void Process()
    {
        foreach (var item in Must(() => Engine.Behaviour.Items(Type, Name, Path))) WriteObject(item);
    }
}
