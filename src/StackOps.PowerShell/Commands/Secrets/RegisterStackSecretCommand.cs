using System.Collections;
using System.Management.Automation;
using StackOps.Core.Secrets;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

/// <summary>
/// ZenML's stack register-secrets: creates the secrets and keys a stack references but the backend
/// lacks, with values from -Value or prompted for (never prompted when not interactive).
/// </summary>
[Cmdlet(VerbsLifecycle.Register, "StackSecret", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(StackSecretInfo))]
public sealed class RegisterStackSecretCommand : SecretCmdlet
{
    /// <summary>The stacks; the active stack by default.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [SupportsWildcards, ArgumentCompleter(typeof(StackNameCompleter))]
    public string[]? Stack { get; set; }

    /// <summary>Values by reference, as SecureStrings: @{ 'aws.access_key_id' = $id }. Missing ones are prompted for.</summary>
    [Parameter] public IDictionary? Value { get; set; }

    /// <summary>Leaves existing secrets alone, even when they lack a referenced key.</summary>
    [Parameter] public SwitchParameter SkipExisting { get; set; }

    [Parameter] public SwitchParameter PassThru { get; set; }

    private string? _stack;

    protected override void Process()
    {
        foreach (var stack in StacksOrActive(Stack))
            Try(stack, () =>
            {
                _stack = stack.Name;
                var missing = Engine.Secrets.Missing(stack.Name, Backend).Where(m => !(SkipExisting && m.SecretExists)).ToList();
                if (missing.Count == 0)
                {
                    WriteVerbose($"Every secret reference of stack '{stack.Name}' already resolves.");
                    return;
                }
                if (!ShouldProcess(stack.Name, $"Create secret keys {string.Join(", ", missing.Select(m => $"{m.Secret}.{m.Key}"))}")) return;
                foreach (var secret in Engine.Secrets.RegisterMissing(stack.Name, ValueFor, SkipExisting, Backend))
                    if (PassThru) WriteObject(ToInfo(secret));
            });
    }

    protected override string ValueHint(string secret, string key) => $"Register-StackSecret {_stack} -Value @{{ '{secret}.{key}' = $secure }}";

    private string ValueFor(MissingSecretKey missing) =>
        SecretValue(Value?.Cast<DictionaryEntry>().FirstOrDefault(e => string.Equals(e.Key.ToString(), $"{missing.Secret}.{missing.Key}", StringComparison.OrdinalIgnoreCase)).Value,
            missing.Secret, missing.Key);
}
