using System.Collections;
using System.Management.Automation;
using StackOps.Core;
using StackOps.Core.Errors;
using StackOps.Core.Model;
using StackOps.Core.Secrets;
using StackOps.Core.Store;
using StackOps.Core.Yaml;

namespace StackOps.PowerShell;

/// <summary>
/// The base of every StackOps cmdlet: opens the engine on the store of the current location (or
/// -Scope), turns engine errors into ErrorRecords with stable ids, converts PowerShell values
/// (hashtables, PSObjects, SecureStrings) into the engine's plain values, and passes every
/// message it writes (verbose, debug, warning, error, progress) through the secret masker:
/// the Write* methods below hide the Cmdlet ones, so a cmdlet cannot write around the masker.
/// </summary>
public abstract class StackOpsCmdlet : PSCmdlet
{
    private StackOpsEngine? _engine;

    /// <summary>The store the cmdlet works on; null means the repository around the current location, else the user store.</summary>
    protected virtual StoreScope? RequestedScope => null;

    protected StackOpsEngine Engine => _engine ??= OpenEngine();

    private StackOpsEngine OpenEngine() => Attach(StackOpsEngine.Open(RequestedScope, CurrentDirectory));

    /// <summary>Connects an engine to this cmdlet: its messages to the cmdlet's streams, SecretManagement vaults through this runspace.</summary>
    protected StackOpsEngine Attach(StackOpsEngine engine)
    {
        engine.Log = new CmdletLog(this);
        engine.Secrets.Types.Register(Secrets.SecretManagementBackend.Type);
        return engine;
    }

    /// <summary>The GitHub API with the token given, else $env:GITHUB_TOKEN, else $env:GH_TOKEN.</summary>
    protected static Core.GitHub.GitHubApi GitHubApiFor(System.Security.SecureString? token) =>
        new((token is not null ? Plain(token) : Core.GitHub.GitHubApi.TokenFromEnvironment()) is { Length: > 0 } given ? given
            : throw new StackOpsException("GitHubTokenMissing", ErrorKind.InvalidArgument, "No GitHub token: give -GitHubToken, or set $env:GITHUB_TOKEN (gh auth token gives yours)."));

    protected string CurrentDirectory => SessionState.Path.CurrentFileSystemLocation.ProviderPath;

    /// <summary>A -Path the cmdlet writes or creates, as a file-system path; one that cannot be (another provider's, a NUL in it) is InvalidPath.</summary>
    protected string FileSystemPath(string path)
    {
        string resolved;
        ProviderInfo provider;
        try { resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out provider, out _); }
        catch (Exception e) when (e is SessionStateException or PSNotSupportedException or NotSupportedException or ArgumentException)
        {
            throw InvalidPath(path, e.Message.TrimEnd('.'));
        }
        if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider)) throw InvalidPath(path, $"it is a {provider.Name} path, not a file system one");
        if (resolved.Contains('\0')) throw InvalidPath(path, "it contains a NUL character");
        return resolved;
    }

    private static StackOpsException InvalidPath(string path, string problem) =>
        new("InvalidPath", ErrorKind.InvalidArgument, $"'{Fail.Printable(path)}' cannot be used as a path: {problem}. Give a file system path.", path);

    protected sealed override void BeginProcessing() => Guarded(Begin);

    protected sealed override void ProcessRecord() => Guarded(Process);

    /// <summary>Before the first input: opens the engine on the store (cmdlets that need none override it).</summary>
    protected virtual void Begin() => _ = Engine;

    /// <summary>Once per input: the cmdlet's work.</summary>
    protected abstract void Process();

    /// <summary>
    /// Runs a step of the cmdlet: an engine error that no item-level Try caught (a bad argument
    /// converted before the first item, a store that cannot be opened) ends the cmdlet as a
    /// terminating error with its id, never as a raw exception.
    /// </summary>
    private void Guarded(Action step)
    {
        try { step(); }
        catch (StackOpsException e) { ThrowTerminatingError(ToErrorRecord(e, e.Target)); }
    }

    /// <summary>Runs one item's work; an engine error becomes a non-terminating error about that item.</summary>
    protected void Try(object? target, Action action)
    {
        try { action(); }
        catch (StackOpsException e) { WriteError(ToErrorRecord(e, target ?? e.Target)); }
    }

    /// <summary>Runs work that nothing can go on without; an engine error terminates the cmdlet.</summary>
    protected T Must<T>(Func<T> action)
    {
        try { return action(); }
        catch (StackOpsException e)
        {
            ThrowTerminatingError(ToErrorRecord(e, e.Target));
            throw; // not reached: ThrowTerminatingError always throws
        }
    }

    /// <summary>The error about the engine's object (a stack, a component) when it names one, else about the given target.</summary>
    protected static ErrorRecord ToErrorRecord(StackOpsException e, object? target)
    {
        var record = new ErrorRecord(e, e.ErrorId, Category(e.Kind), e.Target is null or string ? target ?? e.Target : e.Target);
        record.ErrorDetails = new ErrorDetails(e.Message);
        return record;
    }

    protected new void WriteVerbose(string text) => base.WriteVerbose(Mask(text));

    protected new void WriteDebug(string text) => base.WriteDebug(Mask(text));

    protected new void WriteWarning(string text) => base.WriteWarning(Mask(text));

    protected new void WriteError(ErrorRecord errorRecord) => base.WriteError(Masked(errorRecord));

    protected new void ThrowTerminatingError(ErrorRecord errorRecord) => base.ThrowTerminatingError(Masked(errorRecord));

    protected new void WriteProgress(ProgressRecord progressRecord)
    {
        progressRecord.Activity = Mask(progressRecord.Activity);
        progressRecord.StatusDescription = Mask(progressRecord.StatusDescription);
        progressRecord.CurrentOperation = Mask(progressRecord.CurrentOperation);
        base.WriteProgress(progressRecord);
    }

    private static string Mask(string text) => SecretMasker.Shared.Apply(text);

    /// <summary>The record itself, or (when its text would reveal a secret value) a copy whose exception and details are masked.</summary>
    private static ErrorRecord Masked(ErrorRecord record)
    {
        var masker = SecretMasker.Shared;
        if (!masker.Reveals(record.Exception.Message) && !masker.Reveals(record.ErrorDetails?.Message)) return record;
        var masked = new ErrorRecord(record, new StackOpsException(record.FullyQualifiedErrorId.Split(',')[0], ErrorKind.InvalidOperation, Mask(record.Exception.Message)));
        masked.ErrorDetails = new ErrorDetails(Mask(record.ErrorDetails?.Message ?? record.Exception.Message));
        return masked;
    }

    /// <summary>
    /// Whether the session must not prompt: $env:CI is set (GitHub Actions and most CI set it), or the
    /// console's input is redirected. Hosts that cannot prompt fail the prompt itself, which is then treated the same.
    /// </summary>
    protected bool IsNonInteractive =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")) || (Host.Name == "ConsoleHost" && Console.IsInputRedirected);

    /// <summary>
    /// Asks the user for one secret value without echoing it; a missing value is an error when the session is not
    /// interactive, which says how the command takes the value instead (<paramref name="giveIt"/>).
    /// </summary>
    protected string PromptSecret(string secret, string key, string giveIt)
    {
        if (IsNonInteractive) throw Fail.SecretValueMissing(secret, key, giveIt);
        try
        {
            Host.UI.Write($"Value for key '{key}' of secret '{secret}': ");
            return Plain(Host.UI.ReadLineAsSecureString());
        }
        catch (Exception e) when (e is System.Management.Automation.Host.HostException or PSInvalidOperationException or NotImplementedException or PSNotImplementedException)
        {
            throw Fail.SecretValueMissing(secret, key, giveIt);
        }
    }

    /// <summary>A SecureString's text, registered with the masker before anything can print it.</summary>
    protected static string Plain(System.Security.SecureString secure)
    {
        var text = new System.Net.NetworkCredential(string.Empty, secure).Password;
        SecretMasker.Shared.Register(text);
        return text;
    }

    protected static System.Security.SecureString Secure(string text)
    {
        var secure = new System.Security.SecureString();
        foreach (var c in text) secure.AppendChar(c);
        secure.MakeReadOnly();
        return secure;
    }

    /// <summary>The engine's messages, into this cmdlet's streams (which mask them again, harmlessly).</summary>
    private sealed class CmdletLog(StackOpsCmdlet cmdlet) : IEngineLog
    {
        public void Warning(string message) => cmdlet.WriteWarning(message);
        public void Verbose(string message) => cmdlet.WriteVerbose(message);
        public void Debug(string message) => cmdlet.WriteDebug(message);
        public bool WantsDebug => _wantsDebug ??= cmdlet.MyInvocation.BoundParameters.ContainsKey("Debug")
            || cmdlet.GetVariableValue("DebugPreference") is not (ActionPreference.SilentlyContinue or ActionPreference.Ignore);
        private bool? _wantsDebug;
        public void Progress(string activity, string status, int percent) =>
            cmdlet.WriteProgress(new ProgressRecord(1, activity, status) { PercentComplete = percent, RecordType = percent >= 100 ? ProgressRecordType.Completed : ProgressRecordType.Processing });
    }

    protected void WriteProblems<T>(Listing<T> listing)
    {
        foreach (var problem in listing.Problems) WriteError(ToErrorRecord(problem, problem.Target));
    }

    /// <summary>A listing's items, after one error for each document it could not read: nothing is dropped silently.</summary>
    protected IReadOnlyList<T> Reported<T>(Listing<T> listing)
    {
        WriteProblems(listing);
        return listing.Items;
    }

    private static ErrorCategory Category(ErrorKind kind) => kind switch
    {
        ErrorKind.NotFound => ErrorCategory.ObjectNotFound,
        ErrorKind.AlreadyExists => ErrorCategory.ResourceExists,
        ErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
        ErrorKind.InvalidData => ErrorCategory.InvalidData,
        ErrorKind.InvalidOperation => ErrorCategory.InvalidOperation,
        ErrorKind.ResourceBusy => ErrorCategory.ResourceBusy,
        ErrorKind.SecurityError => ErrorCategory.SecurityError,
        _ => ErrorCategory.NotSpecified,
    };

    /// <summary>
    /// Resolves -Name values: a wildcard selects every match (none is no error); a plain name is
    /// looked up (exact, then unique prefix) and a miss is an ObjectNotFound error for that name.
    /// </summary>
    protected IEnumerable<T> Select<T>(string[]? names, Func<IReadOnlyList<T>> all, Func<T, string> nameOf, Func<string, T> get)
    {
        if (names is null || names.Length == 0)
        {
            foreach (var item in all()) yield return item;
            yield break;
        }
        IReadOnlyList<T>? cached = null;
        foreach (var name in names)
        {
            if (WildcardPattern.ContainsWildcardCharacters(name))
            {
                if (Pattern(name) is not { } pattern) continue;
                foreach (var item in cached ??= all())
                    if (pattern.IsMatch(nameOf(item))) yield return item;
                continue;
            }
            T? found = default;
            var ok = false;
            Try(name, () => { found = get(name); ok = true; });
            if (ok) yield return found!;
        }
    }

    /// <summary>A -Name wildcard, checked: one PowerShell cannot read ('[abc') is an error about that name, and null.</summary>
    protected WildcardPattern? Pattern(string name)
    {
        var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
        try
        {
            pattern.IsMatch("");
            return pattern;
        }
        catch (WildcardPatternException)
        {
            WriteError(ToErrorRecord(new StackOpsException("InvalidWildcardPattern", ErrorKind.InvalidArgument,
                $"'{Fail.Printable(name)}' is not a wildcard pattern PowerShell can read (an unclosed '['?). Escape literal brackets with a backtick (`[), or use -LiteralPath style names without them.", name), name));
            return null;
        }
    }

    protected static Dictionary<string, object?> ToConfiguration(IDictionary? table) =>
        table is null ? new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase) : new PlainValues().Map(table, "");

    protected static Dictionary<string, string?>? ToLabels(IDictionary? table)
    {
        if (table is null) return null;
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, value) in new PlainValues().Map(table, ""))
            result[key] = value is null ? null : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture);
        return result;
    }

    /// <summary>PowerShell values as the engine's: hashtables become maps, arrays lists, ints longs, PSObjects their base object.</summary>
    protected static object? ToPlainValue(object? value) => new PlainValues().Convert(value, "");

    /// <summary>
    /// Turns what a user typed into data the engine stores: text, numbers, booleans, lists and maps,
    /// within <see cref="YamlLimits"/> (what could not be read back is not written). Anything else
    /// (a script block, a SecureString, a file object, a hashtable that contains itself) is
    /// InvalidConfigurationValue, naming the key.
    /// </summary>
    private sealed class PlainValues
    {
        private readonly HashSet<object> _open = new(ReferenceEqualityComparer.Instance);
        private int _count;

        /// <summary>A hashtable as a map: the top level's keys are matched regardless of case (PowerShell's hashtables are), nested ones as given.</summary>
        public Dictionary<string, object?> Map(IDictionary table, string path)
        {
            var result = new Dictionary<string, object?>(path.Length == 0 ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
            Enter(table, path);
            foreach (DictionaryEntry entry in table)
            {
                var key = entry.Key is PSObject wrapped ? wrapped.BaseObject : entry.Key;
                if (key is not (string or char or int or long or Enum)) throw NotData(path, $"a key is a {key.GetType().Name}; keys are text");
                var name = System.Convert.ToString(key, System.Globalization.CultureInfo.InvariantCulture)!;
                result[name] = Convert(entry.Value, path.Length == 0 ? name : $"{path}.{name}");
            }
            _open.Remove(table);
            return result;
        }

        public object? Convert(object? value, string path)
        {
            if (++_count > YamlLimits.MaxNodes) throw NotData(path, $"it holds more than {YamlLimits.MaxNodes:N0} values");
            if (value is PSObject wrapped) value = wrapped.BaseObject is PSCustomObject ? wrapped : wrapped.BaseObject;
            switch (value)
            {
                case null: return null;
                case string or bool or long or double: return value;
                case int or short or byte or sbyte or ushort or uint: return System.Convert.ToInt64(value);
                case float or decimal: return System.Convert.ToDouble(value);
                case ulong big: return big <= long.MaxValue ? (long)big : throw NotData(path, "the number is too large");
                case Enum or char or Guid or Uri or Version: return value.ToString();
                case DateTime time: return time.ToString("o", System.Globalization.CultureInfo.InvariantCulture);
                case DateTimeOffset time: return time.ToString("o", System.Globalization.CultureInfo.InvariantCulture);
                case TimeSpan span: return span.ToString("c", System.Globalization.CultureInfo.InvariantCulture);
                case System.Security.SecureString or PSCredential:
                    throw NotData(path, "a SecureString or a credential cannot be stored in a configuration. Store it as a secret (New-StackSecret) and reference it as '{{ secret.key }}'");
                case ScriptBlock: throw NotData(path, "a script block is code, not a value");
                case IDictionary map: return Map(map, path);
                case PSObject custom:
                {
                    Enter(custom, path);
                    var result = new Dictionary<string, object?>(StringComparer.Ordinal);
                    foreach (var property in custom.Properties) result[property.Name] = Convert(property.Value, path.Length == 0 ? property.Name : $"{path}.{property.Name}");
                    _open.Remove(custom);
                    return result;
                }
                case IList or Array:
                {
                    var items = (IEnumerable)value;
                    Enter(items, path);
                    var result = new List<object?>();
                    foreach (var item in items) result.Add(Convert(item, path));
                    _open.Remove(items);
                    return result;
                }
                default:
                    throw NotData(path, $"a {value.GetType().Name} is not a value StackOps stores; give text, a number, a boolean, a list or a hashtable (for this object, perhaps its .ToString())");
            }
        }

        private void Enter(object container, string path)
        {
            if (!_open.Add(container)) throw NotData(path, "it contains itself");
            if (_open.Count > YamlLimits.MaxDepth) throw NotData(path, $"it nests more than {YamlLimits.MaxDepth} levels deep");
        }

        private static StackOpsException NotData(string path, string problem) =>
            new(Core.Validation.ConfigurationValidator.InvalidValue, ErrorKind.InvalidArgument,
                path.Length == 0 ? $"The value given is not data: {problem}." : $"The value of '{path}' is not data: {problem}.", path);
    }
}
