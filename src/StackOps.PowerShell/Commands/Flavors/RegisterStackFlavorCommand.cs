using System.Management.Automation;
using StackOps.Core.Flavors;
using StackOps.Core.Model;

namespace StackOps.PowerShell.Commands;

/// <summary>Registers custom flavors from a declarative flavor document (YAML, the schema language of the built-in ones).</summary>
[Cmdlet(VerbsLifecycle.Register, "StackFlavor", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = ByYaml)]
[OutputType(typeof(Flavor))]
public sealed class RegisterStackFlavorCommand : StackOpsCmdlet
{
    private const string ByPath = "ByPath", ByYaml = "ByYaml";

    [Parameter(ParameterSetName = ByPath, Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    public string[] Path { get; set; } = [];

    [Parameter(ParameterSetName = ByYaml, Mandatory = true, ValueFromPipeline = true)]
    public string Yaml { get; set; } = "";

    /// <summary>Replaces a custom flavor of the same type and name.</summary>
    [Parameter] public SwitchParameter Force { get; set; }

    [Parameter] public SwitchParameter PassThru { get; set; }

    [Parameter] public StoreScope? Scope { get; set; }

    protected override StoreScope? RequestedScope => Scope;

    protected override void ProcessRecord()
    {
        if (ParameterSetName == ByYaml)
        {
            Register(Yaml, "the YAML given");
            return;
        }
        foreach (var path in Path)
        {
            var files = new List<string>();
            Try(path, () =>
            {
                try { files.AddRange(GetResolvedProviderPathFromPSPath(path, out _)); }
                catch (ItemNotFoundException e)
                {
                    throw new Core.Errors.StackOpsException("FileNotFound", Core.Errors.ErrorKind.NotFound, $"'{path}' does not exist. Give the path of a Flavor document.", path, e);
                }
            });
            foreach (var file in files) Register(File.ReadAllText(file), file);
        }
    }

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
