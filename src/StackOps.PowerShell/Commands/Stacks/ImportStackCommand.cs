using System.Management.Automation;
using StackOps.Core.Model;

namespace StackOps.PowerShell.Commands;

/// <summary>Imports a stack from StackOps' export format or ZenML's (stack_name, components, zenml_version).</summary>
[Cmdlet(VerbsData.Import, "Stack", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ByYaml)]
[OutputType(typeof(Stack))]
public sealed class ImportStackCommand : YamlInputCmdlet
{
    /// <summary>Imports the stack under this name instead of the one in the file.</summary>
    [Parameter] public string? Name { get; set; }

    /// <summary>Prefixes the names of the file's components, to import them next to different ones of the same name.</summary>
    [Parameter] public string? ComponentNamePrefix { get; set; }

    /// <summary>Replaces a stored stack, components or flavors of the same names that differ from the file.</summary>
    [Parameter] public SwitchParameter Force { get; set; }

    /// <summary>Refuses a credential given in clear text (a field the flavor marks secret) instead of warning.</summary>
    [Parameter] public SwitchParameter Strict { get; set; }

    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void Process() => ForEachInput(Import);

    private void Import(string yaml, string source)
    {
        if (!ShouldProcess(source, "Import stack")) return;
        Try(source, () =>
        {
            var imported = Engine.Interchange.Import(yaml, source, Name, ComponentNamePrefix, Force, Strict);
            foreach (var c in imported.Created) WriteVerbose($"Created the {c.Type} '{c.Name}'.");
            foreach (var c in imported.Reused) WriteVerbose($"Reused the identical {c.Type} '{c.Name}'.");
            foreach (var c in imported.Replaced) WriteVerbose($"Replaced the {c.Type} '{c.Name}'.");
            foreach (var f in imported.Flavors) WriteVerbose($"Registered the {f.Type} flavor '{f.Name}'.");
            if (PassThru) WriteObject(imported.Stack);
        });
    }
}
