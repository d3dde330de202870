using System.Management.Automation;
using StackOps.Core.Access;
using StackOps.Core.Store;

namespace StackOps.PowerShell.Commands;

/// <summary>
/// A cmdlet of the team server's management API (principals, keys, roles, grants, trust policies,
/// the audit log): it works on the server the session is connected to (Connect-StackServer, or
/// $env:STACKOPS_SERVER), never on a local store. The server decides who may do what.
/// </summary>
public abstract class ServerCmdlet : StackOpsCmdlet, IDisposable
{
    private ServerAdministration? _server;

    protected ServerAdministration Server => _server!;

    protected override void Begin() => _server = new ServerAdministration(ServerConnection.Required(StoreLocator.UserHome()).OpenClient());

    public void Dispose() => _server?.Dispose();
}

/// <summary>Lists named objects of the server; -Name takes wildcards.</summary>
public abstract class ServerGetCmdlet<T> : ServerCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    public string[]? Name { get; set; }

    protected abstract IReadOnlyList<T> All();

    protected abstract T Find(string name);

    protected abstract string NameOf(T item);

    protected override void Process()
    {
        foreach (var item in Select(Name, All, NameOf, Find)) WriteObject(item);
    }
}

/// <summary>
/// Removes named objects of the server: exact names (any case), so a pattern never removes what nobody
/// named; each one confirmed (-WhatIf, -Confirm), and written with -PassThru.
/// </summary>
public abstract class ServerRemoveCmdlet<T> : ServerCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public string[] Name { get; set; } = [];

    /// <summary>Writes each removed object.</summary>
    [Parameter] public SwitchParameter PassThru { get; set; }

    protected abstract T Find(string name);

    /// <summary>What ShouldProcess names: the object as found, and what removing it does.</summary>
    protected abstract (string Target, string Action) Describe(T item);

    protected abstract T Remove(T item);

    protected override void Process()
    {
        foreach (var name in Name)
            Try(name, () =>
            {
                var item = Find(name);
                var (target, action) = Describe(item);
                if (!ShouldProcess(target, action)) return;
                var removed = Remove(item);
                if (PassThru) WriteObject(removed);
            });
    }
}

/// <summary>Completes resource kinds (-Kind of the permission and audit cmdlets).</summary>
public sealed class ResourceKindCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        System.Management.Automation.Language.CommandAst commandAst, System.Collections.IDictionary fakeBoundParameters) =>
        ResourceKinds.All.Where(k => k.StartsWith(wordToComplete.Trim('\'', '"'), StringComparison.OrdinalIgnoreCase))
            .Select(k => new CompletionResult(k, k, CompletionResultType.ParameterValue, k));
}
