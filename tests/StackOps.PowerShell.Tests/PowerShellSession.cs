using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace StackOps.PowerShell.Tests;

[AttributeUsage(AttributeTargets.Assembly)]
public sealed class RepositoryRootAttribute(string path) : Attribute
{
    public string Path { get; } = path;
}

[AttributeUsage(AttributeTargets.Assembly)]
public sealed class ModuleFolderAttribute(string path) : Attribute
{
    public string Path { get; } = path;
}

[AttributeUsage(AttributeTargets.Assembly)]
public sealed class ServerAssemblyAttribute(string path) : Attribute
{
    public string Path { get; } = path;
}

[AttributeUsage(AttributeTargets.Assembly)]
public sealed class PesterModuleAttribute(string path) : Attribute
{
    public string Path { get; } = path;
}

[AttributeUsage(AttributeTargets.Assembly)]
public sealed class OtherYamlDotNetAttribute(string path) : Attribute
{
    public string Path { get; } = path;
}

/// <summary>What a script produced: its output objects, the errors it wrote, and the text of every stream.</summary>
public sealed record ScriptResult(IReadOnlyList<PSObject> Output, IReadOnlyList<ErrorRecord> Errors, IReadOnlyList<string> Warnings)
{
    public IReadOnlyList<string> ErrorIds => Errors.Select(e => e.FullyQualifiedErrorId).ToList();

    /// <summary>The text of all six streams and the progress records: output objects (deeply), errors (exceptions, details, targets), warnings, verbose, debug, information.</summary>
    public IReadOnlyList<string> AllText { get; init; } = [];

    public PSObject Single() => Assert.Single(Output);
}

/// <summary>
/// The built module (out/StackOps) imported into the real PowerShell engine, with a temporary user
/// home ($env:STACKOPS_HOME) and a temporary working folder, both deleted on dispose.
/// </summary>
public sealed class PowerShellSession : IDisposable
{
    public static readonly string RepositoryRoot =
        typeof(PowerShellSession).Assembly.GetCustomAttributes(typeof(RepositoryRootAttribute), false).Cast<RepositoryRootAttribute>().Single().Path;

    /// <summary>The module built with this test assembly's configuration (out/StackOps for Release, out/Debug/StackOps for Debug).</summary>
    public static readonly string ModuleFolder =
        typeof(PowerShellSession).Assembly.GetCustomAttributes(typeof(ModuleFolderAttribute), false).Cast<ModuleFolderAttribute>().Single().Path;

    public static readonly string ModuleManifest = System.IO.Path.Combine(ModuleFolder, "StackOps.psd1");

    /// <summary>
    /// Sessions play a user at a console, as README's examples do, also when the tests themselves run in
    /// CI (which sets $env:CI and so would forbid every prompt); a test of non-interactive behaviour sets it itself,
    /// and the session's end clears it again, so that the order the tests run in cannot matter.
    /// </summary>
    [System.Runtime.CompilerServices.ModuleInitializer]
    internal static void PlayAnInteractiveUser() => Environment.SetEnvironmentVariable("CI", null);

    private readonly Runspace _runspace;

    public PowerShellSession(bool importModule = true, System.Management.Automation.Host.PSHost? host = null)
    {
        Root = Directory.CreateTempSubdirectory("stackops-ps-").FullName;
        Home = Directory.CreateDirectory(System.IO.Path.Combine(Root, "home")).FullName;
        WorkingDirectory = Directory.CreateDirectory(System.IO.Path.Combine(Root, "work")).FullName;
        var state = InitialSessionState.CreateDefault2();
        if (importModule) state.ImportPSModule(ModuleManifest);
        _runspace = host is null ? RunspaceFactory.CreateRunspace(state) : RunspaceFactory.CreateRunspace(host, state);
        _runspace.Open();
        Environment.SetEnvironmentVariable("STACKOPS_HOME", Home);
        Environment.SetEnvironmentVariable("STACKOPS_ACTIVE_STACK", null);
        // The hosted engine has no Microsoft.PowerShell.Management module (no Set-Location): use the session state.
        _runspace.SessionStateProxy.Path.SetLocation(WorkingDirectory);
    }

    public string Root { get; }
    public string Home { get; }
    public string WorkingDirectory { get; }

    public ScriptResult Run(string script, params (string Name, object? Value)[] variables)
    {
        // The environment is the process's: another session may have changed it since this one began.
        Environment.SetEnvironmentVariable("STACKOPS_HOME", Home);
        using var shell = System.Management.Automation.PowerShell.Create();
        shell.Runspace = _runspace;
        foreach (var (name, value) in variables) _runspace.SessionStateProxy.SetVariable(name, value);
        shell.AddScript(script);
        Collection<PSObject> output;
        var errors = new List<ErrorRecord>();
        try
        {
            output = shell.Invoke();
        }
        catch (RuntimeException e)
        {
            output = [];
            errors.Add(e.ErrorRecord);
        }
        errors.InsertRange(0, shell.Streams.Error);
        var outputs = output.Where(o => o is not null).ToList();
        return new ScriptResult(outputs, errors, shell.Streams.Warning.Select(w => w.Message).ToList())
        {
            AllText = outputs.SelectMany(o => StreamText.Of(o))
                .Concat(errors.SelectMany(e => new[] { e.ToString(), e.Exception.ToString(), e.ErrorDetails?.Message ?? "", e.FullyQualifiedErrorId }.Concat(StreamText.Of(e.TargetObject))))
                .Concat(shell.Streams.Warning.Select(w => w.Message))
                .Concat(shell.Streams.Verbose.Select(v => v.Message))
                .Concat(shell.Streams.Debug.Select(d => d.Message))
                .Concat(shell.Streams.Information.Select(i => i.MessageData?.ToString() ?? ""))
                .Concat(shell.Streams.Progress.SelectMany(p => new[] { p.Activity, p.StatusDescription, p.CurrentOperation ?? "" }))
                .ToList(),
        };
    }

    /// <summary>Runs a script that must succeed without errors and returns its output.</summary>
    public IReadOnlyList<PSObject> Ok(string script)
    {
        var result = Run(script);
        Assert.True(result.Errors.Count == 0, $"Unexpected errors:\n{string.Join("\n", result.Errors.Select(e => $"{e.FullyQualifiedErrorId}: {e}"))}");
        return result.Output;
    }

    /// <summary>Runs a script that must fail with exactly this error id (Id,StackOps.PowerShell.Commands.XCommand).</summary>
    public ErrorRecord Fails(string script, string fullyQualifiedErrorId)
    {
        var result = Run(script);
        var error = Assert.Single(result.Errors);
        Assert.Equal(fullyQualifiedErrorId, error.FullyQualifiedErrorId);
        return error;
    }

    /// <summary>Every file of the store folders with its content, to prove that a failed command changed nothing.</summary>
    public IReadOnlyDictionary<string, string> Snapshot() =>
        Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".lock"))
            .ToDictionary(f => System.IO.Path.GetRelativePath(Root, f), File.ReadAllText);

    public void Dispose()
    {
        _runspace.Dispose();
        Environment.SetEnvironmentVariable("STACKOPS_HOME", null);
        PlayAnInteractiveUser();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Everything an object would show: its properties' values, deeply (a SecureString shows as itself, never its text).</summary>
public static class StreamText
{
    public static IEnumerable<string> Of(object? value, int depth = 4)
    {
        if (value is PSObject wrapped) value = wrapped.BaseObject;
        switch (value)
        {
            case null:
                yield break;
            case string text:
                yield return text;
                yield break;
            case System.Security.SecureString:
                yield return "<SecureString>";
                yield break;
            case System.Collections.IDictionary map when depth > 0:
                foreach (System.Collections.DictionaryEntry entry in map)
                    foreach (var text in Of(entry.Key, depth - 1).Concat(Of(entry.Value, depth - 1))) yield return text;
                yield break;
            case System.Collections.IEnumerable items when depth > 0:
                foreach (var item in items)
                    foreach (var text in Of(item, depth - 1)) yield return text;
                yield break;
        }
        yield return value.ToString() ?? "";
        if (depth == 0 || value.GetType().IsPrimitive || value is Enum or DateTime or DateTimeOffset) yield break;
        foreach (var property in value.GetType().GetProperties().Where(p => p.GetIndexParameters().Length == 0))
        {
            object? propertyValue;
            try { propertyValue = property.GetValue(value); }
            catch (System.Reflection.TargetInvocationException) { continue; }
            foreach (var text in Of(propertyValue, depth - 1)) yield return text;
        }
    }
}
