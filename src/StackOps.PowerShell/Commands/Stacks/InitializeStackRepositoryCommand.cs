using System.Management.Automation;
using StackOps.Core;
using StackOps.Core.Store;

namespace StackOps.PowerShell.Commands;

/// <summary>Creates a repository store (.stackops/) so that stacks live in git next to the pipeline code.</summary>
[Cmdlet(VerbsData.Initialize, "StackRepository", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(StoreLocation))]
public sealed class InitializeStackRepositoryCommand : StackOpsCmdlet
{
    /// <summary>The repository's root folder; the current location by default.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    public string? Path { get; set; }

    /// <summary>Completes an existing .stackops folder instead of failing.</summary>
    [Parameter] public SwitchParameter Force { get; set; }

    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void Begin() { }

    protected override void Process()
    {
        string? folder = null;
        Try(Path, () => folder = Path is null ? CurrentDirectory : FileSystemPath(Path));
        if (folder is null || !ShouldProcess(folder, "Initialize StackOps repository")) return;
        Try(folder, () =>
        {
            var location = StackOpsEngine.InitializeRepository(folder, Force);
            WriteVerbose($"Initialized the StackOps repository store in {location.Root}.");
            if (PassThru) WriteObject(location);
        });
    }
}
