using System.Collections;
using System.Management.Automation;
using StackOps.Core.Model;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

/// <summary>One parameter per component type, shared by New-Stack and Set-Stack.</summary>
public abstract class StackComponentParameters : StoreCmdlet
{
    [Parameter, ArgumentCompleter(typeof(ComponentNameCompleter))] public string? Orchestrator { get; set; }
    [Parameter, ArgumentCompleter(typeof(ComponentNameCompleter))] public string? ArtifactStore { get; set; }
    [Parameter, ArgumentCompleter(typeof(ComponentNameCompleter))] public string? ContainerRegistry { get; set; }
    [Parameter, ArgumentCompleter(typeof(ComponentNameCompleter))] public string? ExperimentTracker { get; set; }
    [Parameter, ArgumentCompleter(typeof(ComponentNameCompleter))] public string? StepOperator { get; set; }
    [Parameter, ArgumentCompleter(typeof(ComponentNameCompleter))] public string? ModelDeployer { get; set; }
    [Parameter, ArgumentCompleter(typeof(ComponentNameCompleter))] public string? ModelRegistry { get; set; }
    [Parameter, ArgumentCompleter(typeof(ComponentNameCompleter))] public string? FeatureStore { get; set; }
    [Parameter, ArgumentCompleter(typeof(ComponentNameCompleter))] public string? ImageBuilder { get; set; }
    [Parameter, ArgumentCompleter(typeof(ComponentNameCompleter))] public string? Alerter { get; set; }
    [Parameter, ArgumentCompleter(typeof(ComponentNameCompleter))] public string? Annotator { get; set; }
    [Parameter, ArgumentCompleter(typeof(ComponentNameCompleter))] public string? DataValidator { get; set; }
    [Parameter, ArgumentCompleter(typeof(ComponentNameCompleter))] public string? LogStore { get; set; }
    [Parameter, ArgumentCompleter(typeof(ComponentNameCompleter))] public string? Deployer { get; set; }

    /// <summary>Components as type → name: @{ orchestrator = 'k8s'; artifact_store = 's3' }.</summary>
    [Parameter] public Hashtable? Component { get; set; }

    [Parameter] public Hashtable? Label { get; set; }

    [Parameter] public string? Description { get; set; }

    /// <summary>-Component merged with the per-type parameters (which win), keyed by normalized type.</summary>
    protected Dictionary<string, string> RequestedComponents()
    {
        var result = new Dictionary<string, string>();
        foreach (DictionaryEntry entry in Component ?? new Hashtable())
            result[ComponentTypes.Normalize(entry.Key.ToString()!)] = ToPlainValue(entry.Value)?.ToString() ?? "";
        foreach (var type in ComponentTypes.All)
            if (MyInvocation.BoundParameters.TryGetValue(ComponentTypes.ToPascalCase(type), out var name) && name is not null)
                result[type] = name.ToString()!;
        return result;
    }
}
