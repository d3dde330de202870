using System.Collections;
using System.Management.Automation;
using System.Security;
using StackOps.Abstractions;
using StackOps.Core.Errors;
using StackOps.Core.Secrets;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

/// <summary>A cmdlet that works on secrets: -Backend chooses the backend (else $env:STACKOPS_SECRET_BACKEND, the store's default, local).</summary>
public abstract class SecretCmdlet : StoreCmdlet
{
    [Parameter]
    [ArgumentCompleter(typeof(SecretBackendNameCompleter))]
    public string? Backend { get; set; }

    protected StackSecretInfo ToInfo(Secret secret, bool asPlainText = false) =>
        new(secret, Engine.Secrets.Backend(Backend).Name, asPlainText, Secure);

    /// <summary>
    /// A value given for a key: a SecureString's text, a prompt when none was given; clear text only for a key that is
    /// not a credential (<see cref="SecretNames.IdentityKeys"/>, or one the command was told is not secret).
    /// </summary>
    protected string SecretValue(object? given, string secret, string key) => (given is PSObject wrapped ? wrapped.BaseObject : given) switch
    {
        SecureString secure => Plain(secure),
        null => PromptSecret(secret, SecretNames.ValidateKey(secret, key), ValueHint(secret, key)),
        string text when SecretNames.IsIdentityKey(key) || IsMarkedNotSecret(key) => Plain(Secure(text)),
        _ => throw Fail.PlainTextSecretValue(secret, key, MarkHint(key)),
    };

    /// <summary>Whether the command was told that a key is not secret (New-StackSecret -PlainTextKey).</summary>
    protected virtual bool IsMarkedNotSecret(string key) => false;

    /// <summary>How the command marks a key that is not secret, for the error about a clear-text value; null when it cannot.</summary>
    protected virtual string? MarkHint(string key) => null;

    /// <summary>The command that gives a key's value as a SecureString (for a session that cannot prompt).</summary>
    protected virtual string ValueHint(string secret, string key) => $"{MyInvocation.MyCommand.Name} {secret} -Value @{{ {key} = $secure }}";
}

/// <summary>New-StackSecret and Set-StackSecret: values as a hashtable of SecureStrings, a PSCredential, or keys (with one -SecureValue, or prompted for).</summary>
public abstract class SecretValueCmdlet : SecretCmdlet
{
    protected const string ByValue = "ByValue", ByCredential = "ByCredential", ByKey = "ByKey";

    /// <summary>Key → SecureString: @{ access_key_id = $id; secret_access_key = $key }. A $null value is prompted for.</summary>
    [Parameter(ParameterSetName = ByValue, Position = 1)]
    public IDictionary? Value { get; set; }

    /// <summary>A PSCredential: stored as the keys username and password.</summary>
    [Parameter(ParameterSetName = ByCredential)]
    public PSCredential? Credential { get; set; }

    /// <summary>Keys whose values are prompted for (or, for one key, given with -SecureValue).</summary>
    [Parameter(ParameterSetName = ByKey)]
    public string[]? Key { get; set; }

    [Parameter(ParameterSetName = ByKey)]
    public SecureString? SecureValue { get; set; }

    /// <summary>Keys whose values are not secret (a login name), so that -Value may give them as plain strings.</summary>
    [Parameter(ParameterSetName = ByValue)]
    public string[]? PlainTextKey { get; set; }

    [Parameter] public IDictionary? Label { get; set; }

    protected override bool IsMarkedNotSecret(string key) => PlainTextKey?.Contains(key, StringComparer.OrdinalIgnoreCase) == true;

    protected override string? MarkHint(string key) => $"say so with -PlainTextKey {key}";

    /// <summary>The values given, in clear for the engine (each one registered with the masker on the way).</summary>
    protected Dictionary<string, string> GivenValues(string secret)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Credential is not null)
        {
            values["username"] = Credential.UserName;
            values["password"] = Plain(Credential.Password);
        }
        foreach (DictionaryEntry entry in Value ?? new Hashtable())
        {
            var key = entry.Key.ToString()!;
            values[key] = SecretValue(entry.Value, secret, key);
        }
        if (Key is not null)
        {
            if (SecureValue is not null && Key.Length != 1)
                throw new StackOpsException("SecretValueAmbiguous", ErrorKind.InvalidArgument, $"-SecureValue gives the value of one key; -Key names {Key.Length}. Use -Value @{{ key = $secure; ... }} for several.", secret);
            foreach (var key in Key) values[key] = SecretValue(SecureValue, secret, key);
        }
        return values;
    }
}
