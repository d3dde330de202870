using System.Management.Automation;
using StackOps.Core.Flavors;
using StackOps.Core.Model;

namespace StackOps.PowerShell.Commands;

/// <summary>Registers custom flavors from a declarative flavor document (YAML, the schema language of the built-in ones).</summary>
[Cmdlet(VerbsLifecycle.Register, "StackFlavor", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = ByYaml)]
[OutputType(typeof(Flavor))]
public sealed class RegisterStackFlavorCommand : YamlInputCmdlet
{
    /// <summary>Replaces a custom flavor of the same type and name.</summary>
    [Parameter] public SwitchParameter Force { get; set; }

    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void Process() => ForEachInput(Register);

    private void Register(string yaml, string source)
    {
        if (!ShouldProcess(source, "Register flavor")) return;
        Try(source, () =>
        {
            foreach (var flavor in Engine.Flavors.Register(yaml, source, Force))
            {
                WriteVerbose($"Registered the {flavor.Type} flavor '{flavor.Name}' in {flavor.Path}.");
                if (PassThru) WriteObject(flavor);
            }
        });
    }
}
