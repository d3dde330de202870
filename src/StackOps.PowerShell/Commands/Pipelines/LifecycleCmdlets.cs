using System.Collections;
using System.Management.Automation;
using StackOps.Core.Pipelines;

namespace StackOps.PowerShell.Commands;

/// <summary>Gets the store's lifecycle: its stages in order, each with its stack, GitHub environment and gates.</summary>
[Cmdlet(VerbsCommon.Get, "StackLifecycle")]
[OutputType(typeof(LifecycleStage))]
public sealed class GetStackLifecycleCommand : StoreCmdlet
{
    protected override void Process() => Try(null, () => WriteObject(Engine.Pipelines.Lifecycle().Stages, enumerateCollection: true));
}

/// <summary>Sets the store's lifecycle from a Lifecycle document (-Path, -Yaml) or from stage hashtables (-Stage).</summary>
[Cmdlet(VerbsCommon.Set, "StackLifecycle", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ByStage)]
[OutputType(typeof(LifecycleStage))]
public sealed class SetStackLifecycleCommand : YamlInputCmdlet
{
    private const string ByStage = "ByStage";

    /// <summary>The stages in order: @{ name = 'production'; stack = 'prod'; environment = 'production'; gates = @{ approvals = @{ count = 2 }; soakTime = '24h' } }.</summary>
    [Parameter(ParameterSetName = ByStage, Mandatory = true, Position = 0)]
    public IDictionary[] Stage { get; set; } = [];

    /// <summary>The lifecycle's name, with -Stage.</summary>
    [Parameter(ParameterSetName = ByStage)]
    public string Name { get; set; } = "lifecycle";

    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        if (ParameterSetName == ByStage)
        {
            var stages = Stage.Select(s => (IReadOnlyDictionary<string, object?>)ToConfiguration(s)).ToList();
            Set("the stages given", () => Engine.Pipelines.SetLifecycle(Name, stages, "-Stage"));
            return;
        }
        ForEachInput((yaml, source) => Set(source, () => Engine.Pipelines.SetLifecycle(yaml, source)));
    }

    private void Set(string source, Func<Lifecycle> set)
    {
        if (!ShouldProcess(source, "Set the store's lifecycle")) return;
        Try(source, () =>
        {
            var lifecycle = set();
            WriteVerbose($"The lifecycle is now {lifecycle} ({lifecycle.Path}).");
            if (PassThru) WriteObject(lifecycle.Stages, enumerateCollection: true);
        });
    }
}
