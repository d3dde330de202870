using System.Management.Automation;
using StackOps.Core.Flavors;
using StackOps.Core.Model;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

/// <summary>Lists flavors, built-in and custom, with their configuration schema.</summary>
[Cmdlet(VerbsCommon.Get, "StackFlavor")]
[OutputType(typeof(Flavor))]
public sealed class GetStackFlavorCommand : StoreCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards, ArgumentCompleter(typeof(FlavorNameCompleter))]
    public string[]? Name { get; set; }

    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ComponentTypeCompleter))]
    public string? Type { get; set; }

    protected override void Process()
    {
        var flavors = Must(() => Select(Name, ListAll, f => f.Name, Find).ToList());
        WriteObject(flavors, enumerateCollection: true);
    }

    private IReadOnlyList<Flavor> ListAll() => Reported(Engine.Flavors.List(Type));

    /// <summary>A flavor name is unique per type only: without -Type every type's flavor of that name is returned.</summary>
    private Flavor Find(string name)
    {
        if (Type is not null) return Engine.Flavors.Get(Type, name);
        var matches = Engine.Flavors.List().Items.Where(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase)).ToList();
        return matches.Count switch
        {
            0 => throw new Core.Errors.StackOpsException("FlavorNotFound", Core.Errors.ErrorKind.NotFound,
                $"No component type has a flavor '{name}'. Run Get-StackFlavor to list them, or Register-StackFlavor to add a custom one.", name),
            1 => matches[0],
            _ => throw Core.Errors.Fail.AmbiguousName("Flavor", name, matches.Select(f => $"{f.Type}/{f.Name}")),
        };
    }
}
