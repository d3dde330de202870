using System.Management.Automation;
using StackOps.Core;
using StackOps.Core.Errors;
using StackOps.Core.Model;
using StackOps.Core.Store;

namespace StackOps.PowerShell.Commands;

/// <summary>
/// Copies every document of one store into another — a repository or user store to the team server,
/// or back — all or nothing: a document the target holds with other content stops the copy unless
/// -Force replaces it, and nothing is written then. Secrets' values stay where they are: a connector
/// on a server needs its credentials given again (Set-ServiceConnector).
/// </summary>
[Cmdlet(VerbsCommon.Copy, "StackStore", SupportsShouldProcess = true)]
[OutputType(typeof(StoreCopyResult))]
public sealed class CopyStackStoreCommand : StackOpsCmdlet
{
    /// <summary>The store to copy: Repository (the nearest .stackops), User, or Server.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    public StoreScope From { get => (StoreScope)_from; set => _from = value; }

    // Boxed, as StoreCmdlet.Scope is.
    private object _from = default(StoreScope), _to = default(StoreScope);

    /// <summary>The store to copy into.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    public StoreScope To { get => (StoreScope)_to; set => _to = value; }

    /// <summary>Replaces the target's documents that differ from the source's.</summary>
    [Parameter] public SwitchParameter Force { get; set; }

    /// <summary>Writes what was copied and what was already there.</summary>
    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void Begin()
    {
        if (From == To)
            throw new StackOpsException("SameStore", ErrorKind.InvalidArgument, $"-From and -To are both the {From} store: name two different stores.", To);
    }

    protected override void Process()
    {
        var source = Attach(StackOpsEngine.Open(From, CurrentDirectory));
        var target = Attach(StackOpsEngine.Open(To, CurrentDirectory));
        if (!ShouldProcess($"{To} store ({target.Location.Root})", $"Copy every document of the {From} store ({source.Location.Root})")) return;
        var result = StoreCopy.Copy(source.Store, target.Store, Force);
        WriteVerbose($"Copied {result.Written.Count} document(s) from the {From} store to the {To} store; {result.Unchanged.Count} were already there.");
        if (PassThru) WriteObject(result);
    }
}
