using System.Management.Automation;
using StackOps.Core.Interop;
using StackOps.Core.Model;
using StackOps.Core.IO;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

/// <summary>Writes a stack, its components and its custom flavors as one YAML document set, to -Path or the pipeline.</summary>
[Cmdlet(VerbsData.Export, "Stack", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(string), typeof(FileInfo))]
public sealed class ExportStackCommand : StoreCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards, ArgumentCompleter(typeof(StackNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>A file, or an existing folder that receives NAME.yaml per stack. Without it the YAML goes to the pipeline.</summary>
    [Parameter(Position = 1)]
    public string? Path { get; set; }

    [Parameter] public ExportFormat Format { get => (ExportFormat)_format; set => _format = value; }

    // Boxed, as StoreCmdlet.Scope is.
    private object _format = ExportFormat.StackOps;

    /// <summary>Overwrites an existing file.</summary>
    [Parameter] public SwitchParameter Force { get; set; }

    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        foreach (var stack in StacksOrActive(Name))
        {
            Try(stack, () =>
            {
                var yaml = Engine.Interchange.Export(stack.Name, Format);
                if (Path is null)
                {
                    WriteObject(yaml);
                    return;
                }
                var target = FileSystemPath(Path);
                if (Directory.Exists(target)) target = System.IO.Path.Combine(target, stack.Name + ".yaml");
                if (!ShouldProcess(target, $"Export stack '{stack.Name}'")) return;
                if (File.Exists(target) && !Force)
                    throw new Core.Errors.StackOpsException("FileExists", Core.Errors.ErrorKind.AlreadyExists,
                        $"'{target}' already exists. Pass -Force to overwrite it, or choose another -Path.", target);
                SafeFiles.WriteAtomically(target, yaml);
                if (PassThru) WriteObject(new FileInfo(target));
            });
        }
    }
}
