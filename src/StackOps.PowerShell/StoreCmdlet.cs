using System.Collections.ObjectModel;
using System.Management.Automation;
using StackOps.Core.IO;
using StackOps.Core.Yaml;
using StackOps.Core.Errors;
using StackOps.Core.Model;

namespace StackOps.PowerShell;

/// <summary>A cmdlet that works on a store: -Scope chooses the repository's or the user's.</summary>
public abstract class StoreCmdlet : StackOpsCmdlet
{
    /// <summary>Repository: the nearest .stackops folder; User: $env:STACKOPS_HOME. Default: the repository's when there is one.</summary>
    [Parameter]
    public StoreScope? Scope { get => (StoreScope?)_scope; set => _scope = value; }

    // Parameters of the engine's enum types keep their value boxed: a field of such a type would make
    // loading the cmdlet's type (Import-Module loads every exported one) load StackOps.Core, which
    // can wait for the first command.
    private object? _scope;

    protected override StoreScope? RequestedScope => Scope;

    /// <summary>The stacks named (wildcards allowed), or the active stack when none is.</summary>
    protected IEnumerable<Stack> StacksOrActive(string[]? names) =>
        Select(names is { Length: > 0 } ? names : [Engine.Stacks.ActiveName], () => Reported(Engine.Stacks.List()), s => s.Name, Engine.Stacks.Get);
}

/// <summary>A cmdlet that reads YAML documents from files (-Path, or FileInfo from the pipeline) or from -Yaml text.</summary>
public abstract class YamlInputCmdlet : StoreCmdlet
{
    protected const string ByPath = "ByPath", ByYaml = "ByYaml";

    [Parameter(ParameterSetName = ByPath, Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    public string[] Path { get; set; } = [];

    /// <summary>The YAML text itself, for example from Export-Stack or Get-Content -Raw.</summary>
    [Parameter(ParameterSetName = ByYaml, Mandatory = true, ValueFromPipeline = true)]
    public string Yaml { get; set; } = "";

    /// <summary>Calls <paramref name="process"/> with each input's text and its source (the file, or "the YAML given").</summary>
    protected void ForEachInput(Action<string, string> process)
    {
        if (ParameterSetName == ByYaml)
        {
            process(Yaml, "the YAML given");
            return;
        }
        foreach (var path in Path)
        {
            var files = new List<string>();
            Try(path, () => files.AddRange(ResolveFiles(path)));
            foreach (var file in files)
            {
                string? text = null;
                Try(file, () => text = SafeFiles.ReadText(file, YamlLimits.MaxDocumentBytes, "InvalidYaml"));
                if (text is not null) process(text, file);
            }
        }
    }

    /// <summary>The files a -Path names (wildcards allowed), on the file system only.</summary>
    private IEnumerable<string> ResolveFiles(string path)
    {
        Collection<string> files;
        ProviderInfo provider;
        try { files = GetResolvedProviderPathFromPSPath(path, out provider); }
        catch (Exception e) when (e is SessionStateException or WildcardPatternException or PSNotSupportedException or PSArgumentException)
        {
            throw new StackOpsException("FileNotFound", ErrorKind.NotFound, $"'{Fail.Printable(path)}' does not name a file ({e.Message.TrimEnd('.')}). Check the path, or pass the YAML itself with -Yaml.", path, e);
        }
        if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
            throw new StackOpsException("FileNotFound", ErrorKind.InvalidArgument, $"'{Fail.Printable(path)}' is not a file system path ({provider.Name}). Give the path of a YAML file, or pass the YAML itself with -Yaml.", path);
        return files;
    }
}

/// <summary>Rename-Stack and Copy-Stack: a stack and the name of the result.</summary>
public abstract class StackNameChangeCmdlet : StoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.StackNameCompleter))]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1)]
    public string NewName { get; set; } = "";

    [Parameter] public SwitchParameter PassThru { get; set; }

    protected abstract string Action { get; }

    protected abstract Stack Change(string name, string newName);

    protected override void Process()
    {
        if (!ShouldProcess(Name, $"{Action} stack as '{NewName}'")) return;
        Try(Name, () =>
        {
            var stack = Change(Name, NewName);
            if (PassThru) WriteObject(stack);
        });
    }
}

/// <summary>A cmdlet about one component: its type and name.</summary>
public abstract class ComponentCmdlet : StoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.ComponentTypeCompleter))]
    public string Type { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.ComponentNameCompleter))]
    public string Name { get; set; } = "";
}

/// <summary>Rename-StackComponent and Copy-StackComponent: a component and the name of the result.</summary>
public abstract class ComponentNameChangeCmdlet : ComponentCmdlet
{
    [Parameter(Mandatory = true, Position = 2)]
    public string NewName { get; set; } = "";

    [Parameter] public SwitchParameter PassThru { get; set; }

    protected abstract string Action { get; }

    protected abstract StackComponent Change(string type, string name, string newName);

    protected override void Process()
    {
        if (!ShouldProcess($"{Type}/{Name}", $"{Action} component as '{NewName}'")) return;
        Try(Name, () =>
        {
            var component = Change(Type, Name, NewName);
            if (PassThru) WriteObject(component);
        });
    }
}
