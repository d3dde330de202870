using System.Collections;
using System.Management.Automation;
using System.Security;
using StackOps.Core.Connectors;

namespace StackOps.PowerShell.Commands;

/// <summary>A cmdlet that talks to the services behind connectors: -TimeoutSec bounds each call.</summary>
public abstract class ConnectorCmdlet : StoreCmdlet
{
    /// <summary>The time limit of each call to a service, in seconds.</summary>
    [Parameter, ValidateRange(1, 600)]
    public int TimeoutSec { get; set; } = 15;

    protected override void Begin()
    {
        base.Begin();
        Engine.Connectors.Timeout = TimeSpan.FromSeconds(TimeoutSec);
    }

    /// <summary>The connectors named (wildcards allowed), or all of them.</summary>
    protected IEnumerable<ServiceConnector> Connectors(string[]? names) =>
        Select(names, () => Reported(Engine.Connectors.List()), c => c.Name, Engine.Connectors.Get);
}

/// <summary>Get-ServiceConnectorCredential and Connect-ServiceConnector: one connector and the resource it is used for.</summary>
public abstract class ConnectorResourceCmdlet : ConnectorCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.ServiceConnectorNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>The resource type; needed when the connector covers several.</summary>
    [Parameter(Position = 1), ArgumentCompleter(typeof(Completion.ResourceTypeCompleter))]
    public string? ResourceType { get; set; }

    /// <summary>The resource; the connector's own for a single-instance connector.</summary>
    [Parameter(Position = 2)]
    public string? ResourceId { get; set; }
}

/// <summary>
/// New-ServiceConnector and Set-ServiceConnector: -Configuration takes settings in clear and
/// credentials as SecureStrings; a required credential not given is prompted for (never in CI).
/// </summary>
public abstract class ConnectorConfigurationCmdlet : ConnectorCmdlet
{
    /// <summary>Settings by the auth method's fields; credential fields as SecureStrings: @{ region = 'eu-west-1'; aws_secret_access_key = $key }.</summary>
    [Parameter]
    public IDictionary? Configuration { get; set; }

    [Parameter] public string? ResourceType { get; set; }

    [Parameter] public string? ResourceId { get; set; }

    /// <summary>When the credentials given expire (auth methods with temporary credentials: sts-token, access-token, oauth2-token, token).</summary>
    [Parameter] public DateTimeOffset? ExpiresAt { get; set; }

    /// <summary>The lifetime of the temporary credentials the connector issues (iam-role, session-token, service-principal, ...).</summary>
    [Parameter] public int? ExpirationSeconds { get; set; }

    [Parameter] public IDictionary? Label { get; set; }

    [Parameter] public string? Description { get; set; }

    /// <summary>Saves without checking the credentials against the service.</summary>
    [Parameter] public SwitchParameter SkipVerification { get; set; }

    /// <summary>Splits -Configuration: SecureStrings are credentials, the rest settings; the required credentials of <paramref name="promptFor"/> not given are prompted for.</summary>
    protected (Dictionary<string, object?> Settings, Dictionary<string, string> Credentials) Split(string connector, ConnectorAuthMethod? promptFor)
    {
        var settings = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        var credentials = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in Configuration ?? new Hashtable())
        {
            var key = entry.Key.ToString()!;
            switch (entry.Value is PSObject wrapped ? wrapped.BaseObject : entry.Value)
            {
                case SecureString secure:
                    credentials[key] = Plain(secure);
                    break;
                default:
                    settings[key] = ToPlainValue(entry.Value);
                    break;
            }
        }
        foreach (var field in promptFor?.Fields.Where(f => f.Secret && f.Required && !credentials.ContainsKey(f.Name) && !settings.ContainsKey(f.Name)) ?? [])
                credentials[field.Name] = PromptSecret(ServiceConnector.SecretNameFor(connector), field.Name, $"add it to -Configuration, as in -Configuration @{{ {field.Name} = $secure }}");
        return (settings, credentials);
    }
}
