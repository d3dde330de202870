using System.Collections;
using System.Management.Automation;
using StackOps.Core.Pipelines;
using StackOps.Core.Yaml;

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
            var document = new Dictionary<string, object?>
            {
                ["apiVersion"] = DocumentCodec.ApiVersion, ["kind"] = DocumentCodec.LifecycleKind,
                ["metadata"] = new Dictionary<string, object?> { ["name"] = Name },
                ["spec"] = new Dictionary<string, object?> { ["stages"] = Stage.Select(s => CamelKeys(ToConfiguration(s))).ToList() },
            };
            Set(YamlText.Write(document), "the stages given");
            return;
        }
        ForEachInput(Set);
    }

    /// <summary>The document's keys are camelCase (soakTime); PowerShell users write PascalCase (SoakTime): both are taken.</summary>
    private static object? CamelKeys(object? value) => value switch
    {
        IDictionary<string, object?> map => map.ToDictionary(p => p.Key.Length == 0 ? p.Key : char.ToLowerInvariant(p.Key[0]) + p.Key[1..], p => CamelKeys(p.Value), StringComparer.Ordinal),
        IList<object?> list => list.Select(CamelKeys).ToList(),
        _ => value,
    };

    private void Set(string yaml, string source)
    {
        if (!ShouldProcess(source, "Set the store's lifecycle")) return;
        Try(source, () =>
        {
            var lifecycle = Engine.Pipelines.SetLifecycle(yaml, source);
            WriteVerbose($"The lifecycle is now {lifecycle} ({lifecycle.Path}).");
            if (PassThru) WriteObject(lifecycle.Stages, enumerateCollection: true);
        });
    }
}
