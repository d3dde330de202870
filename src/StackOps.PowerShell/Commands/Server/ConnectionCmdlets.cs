using System.Management.Automation;
using System.Security;
using StackOps.Core.Access;
using StackOps.Core.Errors;
using StackOps.Core.Store;

namespace StackOps.PowerShell.Commands;

/// <summary>
/// Connects this user to a StackOps team server: checks the address and API key with the server,
/// then keeps them in the user's StackOps home (the key encrypted, never in a repository). From then
/// on every StackOps command works on the server's store, as the key's principal.
/// </summary>
[Cmdlet(VerbsCommunications.Connect, "StackServer")]
[OutputType(typeof(ServerStatus))]
public sealed class ConnectStackServerCommand : StackOpsCmdlet
{
    /// <summary>The server's address: https://..., or http:// on this machine only.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [Alias("Url", "Uri")]
    public string Server { get; set; } = "";

    /// <summary>The API key an admin created for you (New-StackApiKey); prompted for when not given.</summary>
    [Parameter(Position = 1)]
    public SecureString? ApiKey { get; set; }

    protected override void Begin() { }

    protected override void Process()
    {
        var key = ApiKey is not null ? Plain(ApiKey) : PromptKey();
        if (Environment.GetEnvironmentVariable(ServerConnection.ServerVariable) is { Length: > 0 } variable)
            WriteWarning($"$env:{ServerConnection.ServerVariable} is set ({variable}) and takes precedence over the saved connection while it is set. Remove it to use this one: Remove-Item env:{ServerConnection.ServerVariable}.");
        WriteObject(ServerConnection.Connect(StoreLocator.UserHome(), Server, key));
    }

    private string PromptKey()
    {
        var missing = new StackOpsException("ServerApiKeyMissing", ErrorKind.InvalidArgument,
            "No API key was given. Give one with -ApiKey (a SecureString: Read-Host -AsSecureString); an admin creates keys with New-StackApiKey.", Server);
        if (IsNonInteractive) throw missing;
        try
        {
            Host.UI.Write($"API key for {Server}: ");
            return Plain(Host.UI.ReadLineAsSecureString()) is { Length: > 0 } key ? key : throw missing;
        }
        catch (Exception e) when (e is System.Management.Automation.Host.HostException or PSInvalidOperationException or NotImplementedException or PSNotImplementedException)
        {
            throw missing;
        }
    }
}

/// <summary>Forgets the saved server connection: commands work on local stores again.</summary>
[Cmdlet(VerbsCommunications.Disconnect, "StackServer", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class DisconnectStackServerCommand : StackOpsCmdlet
{
    protected override void Begin() { }

    protected override void Process()
    {
        var home = StoreLocator.UserHome();
        if (ServerConnection.Saved(home) is not { } saved)
            WriteWarning("No saved server connection to forget.");
        else if (ShouldProcess(saved.Server.ToString(), "Forget the server connection and its API key"))
            ServerConnection.Disconnect(home);
        if (Environment.GetEnvironmentVariable(ServerConnection.ServerVariable) is { Length: > 0 } variable)
            WriteWarning($"$env:{ServerConnection.ServerVariable} is set ({variable}): commands keep using that server until it is removed (Remove-Item env:{ServerConnection.ServerVariable}).");
    }
}

/// <summary>The server this session works with, the principal it acts as, and what that principal may do there.</summary>
[Cmdlet(VerbsCommon.Get, "StackServer")]
[OutputType(typeof(ServerStatus))]
public sealed class GetStackServerCommand : StackOpsCmdlet
{
    protected override void Begin() { }

    protected override void Process() => WriteObject(ServerConnection.Required(StoreLocator.UserHome()).Status());
}
