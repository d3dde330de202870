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

// The Get and Remove bases are not generic over the server's types (they live in StackOps.Core):
// Import-Module loads every exported cmdlet type, and a base type naming an engine type would load
// the engine at import instead of at the first command.

/// <summary>Lists named objects of the server; -Name takes wildcards.</summary>
public abstract class ServerGetCmdlet : ServerCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    public string[]? Name { get; set; }

    /// <summary>The objects <paramref name="names"/> select, by <see cref="StackOpsCmdlet.Select{T}"/> over this kind's listing and lookup.</summary>
    protected abstract IEnumerable<object> Selected(string[]? names);

    protected override void Process()
    {
        foreach (var item in Selected(Name)) WriteObject(item);
    }
}

/// <summary>
/// Removes named objects of the server: exact names (any case), so a pattern never removes what nobody
/// named; each one confirmed (-WhatIf, -Confirm), and written with -PassThru.
/// </summary>
public abstract class ServerRemoveCmdlet : ServerCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public string[] Name { get; set; } = [];

    /// <summary>Writes each removed object.</summary>
    [Parameter] public SwitchParameter PassThru { get; set; }

    /// <summary>Removes the object named <paramref name="name"/>, by <see cref="Remove{T}"/>.</summary>
    protected abstract void RemoveNamed(string name);

    /// <param name="describe">What ShouldProcess names: the object as found, and what removing it does.</param>
    protected void Remove<T>(string name, Func<string, T> find, Func<T, (string Target, string Action)> describe, Func<T, T> remove)
    {
        var item = find(name);
        var (target, action) = describe(item);
        if (!ShouldProcess(target, action)) return;
        var removed = remove(item);
        if (PassThru) WriteObject(removed);
    }

    protected override void Process()
    {
        foreach (var name in Name) Try(name, () => RemoveNamed(name));
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
