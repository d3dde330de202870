using System.Management.Automation;
using System.Security;
using StackOps.Core.Secrets;
using StackOps.Core.Store.Remote;

namespace StackOps.PowerShell.Commands;

/// <summary>An API key just created: Key is its text, as a SecureString, shown this once (the server keeps only its hash).</summary>
public sealed record CreatedApiKey(string Id, string Principal, string? Description, DateTimeOffset? ExpiresAt, SecureString Key)
{
    public override string ToString() => $"{Id} ({Principal})";
}

/// <summary>
/// Creates an API key for a user or service account. The key is returned once, as a SecureString in
/// the Key property: hand it to its owner (Connect-StackServer -ApiKey) or store it as a CI secret now.
/// </summary>
[Cmdlet(VerbsCommon.New, "StackApiKey", DefaultParameterSetName = Never)]
[OutputType(typeof(CreatedApiKey))]
public sealed class NewStackApiKeyCommand : ServerCmdlet
{
    private const string Never = "Never", At = "ExpiresAt", For = "ValidFor";

    /// <summary>The user or service account the key signs in as.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    public string Principal { get; set; } = "";

    /// <summary>What the key is for (a laptop, a workflow), to tell keys apart when revoking one.</summary>
    [Parameter] public string? Description { get; set; }

    /// <summary>When the key stops working.</summary>
    [Parameter(Mandatory = true, ParameterSetName = At)]
    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>How long the key works from now (90.00:00:00, or (New-TimeSpan -Days 90)).</summary>
    [Parameter(Mandatory = true, ParameterSetName = For)]
    public TimeSpan ValidFor { get; set; }

    protected override void Process()
    {
        DateTimeOffset? expires = ParameterSetName switch { At => ExpiresAt, For => DateTimeOffset.UtcNow + ValidFor, _ => null };
        var created = Server.CreateKey(Principal, Description, expires);
        SecretMasker.Shared.Register(created.Secret);
        WriteObject(new CreatedApiKey(created.Key.Id, created.Key.Principal, created.Key.Description, created.Key.ExpiresAt, Secure(created.Secret)));
    }
}

/// <summary>Lists API keys (never the keys themselves): whose, when made and last used, when they expire or were revoked.</summary>
[Cmdlet(VerbsCommon.Get, "StackApiKey")]
[OutputType(typeof(ApiKeyBody))]
public sealed class GetStackApiKeyCommand : ServerCmdlet
{
    /// <summary>Only this principal's keys.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    public string? Principal { get; set; }

    protected override void Process()
    {
        foreach (var key in Server.Keys(Principal)) WriteObject(key);
    }
}

/// <summary>Revokes API keys by id: a revoked key is refused from then on, and stays listed with when it was revoked.</summary>
[Cmdlet("Revoke", "StackApiKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(ApiKeyBody))]
public sealed class RevokeStackApiKeyCommand : ServerCmdlet
{
    /// <summary>The keys' ids (Get-StackApiKey shows them; they are not the keys).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string[] Id { get; set; } = [];

    /// <summary>Writes each revoked key.</summary>
    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        foreach (var id in Id)
            Try(id, () =>
            {
                if (!ShouldProcess(id, "Revoke the API key")) return;
                var revoked = Server.RevokeKey(id);
                if (PassThru) WriteObject(revoked);
            });
    }
}
