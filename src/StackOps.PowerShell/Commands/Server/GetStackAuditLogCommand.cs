using System.Management.Automation;
using StackOps.Core.Access;
using StackOps.Core.Store.Remote;

namespace StackOps.PowerShell.Commands;

/// <summary>
/// Reads the team server's append-only audit log, newest first: every change, sign-in, grant and
/// denial, with who, what, when, from where and the error id. Filters combine; -First and -Skip page
/// (the server is asked a page at a time, as entries are read).
/// </summary>
[Cmdlet(VerbsCommon.Get, "StackAuditLog", SupportsPaging = true)]
[OutputType(typeof(AuditEntryBody))]
public sealed class GetStackAuditLogCommand : ServerCmdlet
{
    /// <summary>Only what this user or service account did.</summary>
    [Parameter] public string? Principal { get; set; }

    /// <summary>Only this action (create, update, delete, sign-in, grant, ...).</summary>
    [Parameter] public string? Action { get; set; }

    /// <summary>Only this kind of resource.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ResourceKindCompleter))]
    public string? Kind { get; set; }

    /// <summary>Only this resource (with -Kind for one of a kind).</summary>
    [Parameter] public string? Name { get; set; }

    /// <summary>Only requests that ended so.</summary>
    [Parameter]
    [ValidateSet(AuditOutcomes.Allowed, AuditOutcomes.Denied, AuditOutcomes.Failed)]
    public string? Outcome { get; set; }

    /// <summary>Only entries at or after this time.</summary>
    [Parameter] public DateTimeOffset? Since { get; set; }

    /// <summary>Only entries before this time.</summary>
    [Parameter] public DateTimeOffset? Until { get; set; }

    protected override void Process()
    {
        // The log only grows while it is read: its total is not known, which is what an accuracy of 0 says.
        if (PagingParameters.IncludeTotalCount) WriteObject(PagingParameters.NewTotalCount(0, 0.0));
        var first = PagingParameters.First;
        var pageSize = (int)Math.Clamp(first + PagingParameters.Skip, 1, 500);
        var entries = Server.AuditEntries(Principal, Action, Kind is null ? null : ResourceKinds.Normalize(Kind), Name, Outcome, Since, Until, pageSize);
        foreach (var entry in entries.Skip((int)Math.Min(PagingParameters.Skip, int.MaxValue)))
        {
            if (first-- == 0) return;
            WriteObject(entry);
        }
    }
}
