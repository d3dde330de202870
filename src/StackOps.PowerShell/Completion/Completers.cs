using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Management.Automation.Runspaces;
using StackOps.Core;
using StackOps.Core.Flavors;
using StackOps.Core.Model;

namespace StackOps.PowerShell.Completion;

/// <summary>Completion over the store of the session's current location; a store that cannot be read completes nothing.</summary>
public abstract class StoreCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = new WildcardPattern(WildcardPattern.Escape(wordToComplete.Trim('\'', '"')) + "*", WildcardOptions.IgnoreCase);
        IEnumerable<(string Name, string Tooltip)> candidates;
        try
        {
            var location = CurrentLocation();
            var scope = fakeBoundParameters["Scope"] is { } s && Enum.TryParse<StoreScope>(s.ToString(), true, out var parsed) ? parsed : (StoreScope?)null;
            candidates = Candidates(StackOpsEngine.Open(scope, location), parameterName, fakeBoundParameters).ToList();
        }
        catch (Exception e) when (e is Core.Errors.StackOpsException or IOException or UnauthorizedAccessException)
        {
            yield break;
        }
        foreach (var (name, tooltip) in candidates.Where(c => pattern.IsMatch(c.Name)).DistinctBy(c => c.Name))
        {
            var text = name.Any(c => char.IsWhiteSpace(c) || "'\"$`;(){}@#,".Contains(c)) ? $"'{name.Replace("'", "''")}'" : name;
            yield return new CompletionResult(text, name, CompletionResultType.ParameterValue, tooltip);
        }
    }

    /// <summary>
    /// The session's current folder. Completion runs inside a pipeline, where the runspace's
    /// SessionStateProxy may not be used; a nested command on the current runspace may.
    /// </summary>
    private static string CurrentLocation()
    {
        if (Runspace.DefaultRunspace is null) return Environment.CurrentDirectory;
        using var shell = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace);
        var result = shell.AddScript("$ExecutionContext.SessionState.Path.CurrentFileSystemLocation.ProviderPath").Invoke();
        return result.Count == 1 && result[0]?.BaseObject is string path ? path : Environment.CurrentDirectory;
    }

    protected abstract IEnumerable<(string Name, string Tooltip)> Candidates(StackOpsEngine engine, string parameterName, IDictionary bound);

    /// <summary>The component type a parameter is about: -Type, or the parameter's own name (-ArtifactStore → artifact_store).</summary>
    protected static string? TypeOf(string parameterName, IDictionary bound)
    {
        try
        {
            if (bound["Type"] is { } type) return ComponentTypes.Normalize(type.ToString()!);
            return ComponentTypes.Normalize(parameterName);
        }
        catch (Core.Errors.StackOpsException) { return null; }
    }
}

public sealed class StackNameCompleter : StoreCompleter
{
    protected override IEnumerable<(string, string)> Candidates(StackOpsEngine engine, string parameterName, IDictionary bound) =>
        engine.Stacks.List().Items.Select(s => (s.Name, string.Join(", ", s.Components.Select(p => $"{p.Key}: {p.Value}"))));
}

public sealed class ComponentNameCompleter : StoreCompleter
{
    protected override IEnumerable<(string, string)> Candidates(StackOpsEngine engine, string parameterName, IDictionary bound) =>
        engine.Components.List(TypeOf(parameterName, bound)).Items.Select(c => (c.Name, $"{c.Type} ({c.Flavor})"));
}

public sealed class FlavorNameCompleter : StoreCompleter
{
    protected override IEnumerable<(string, string)> Candidates(StackOpsEngine engine, string parameterName, IDictionary bound) =>
        engine.Flavors.List(TypeOf("Type", bound)).Items.Select(f => (f.Name, $"{f.Type}: {f.Description}"));
}

/// <summary>Secret names of the backend bound with -Backend, else the one in effect: names only, never a value is read.</summary>
public sealed class SecretNameCompleter : StoreCompleter
{
    protected override IEnumerable<(string, string)> Candidates(StackOpsEngine engine, string parameterName, IDictionary bound)
    {
        var backend = engine.Secrets.Backend(bound["Backend"]?.ToString());
        return engine.Secrets.List(backend.Name).Select(name => (name, $"secret in the {backend.Type} backend '{backend.Name}'"));
    }
}

public sealed class SecretBackendNameCompleter : StoreCompleter
{
    protected override IEnumerable<(string, string)> Candidates(StackOpsEngine engine, string parameterName, IDictionary bound) =>
        engine.Secrets.Backends().Items.Select(b => (b.Name, $"{b.Type}{(b.IsDefault ? " (default)" : "")}: {b.Description ?? b.Vault}"));
}

/// <summary>StackOps's secret backend types and those of the registered integrations (read from their manifests).</summary>
public sealed class SecretBackendTypeCompleter : StoreCompleter
{
    protected override IEnumerable<(string, string)> Candidates(StackOpsEngine engine, string parameterName, IDictionary bound) =>
        engine.Secrets.Types.All.Select(t => (t.Definition.Type, t.Integration is null ? t.Definition.Description : $"{t.Definition.Description} (integration '{t.Integration}')"));
}

public sealed class ServiceConnectorNameCompleter : StoreCompleter
{
    protected override IEnumerable<(string, string)> Candidates(StackOpsEngine engine, string parameterName, IDictionary bound) =>
        engine.Connectors.List().Items.Select(c => (c.Name, $"{c.Type} ({c.AuthMethod}){(c.ResourceType is null ? "" : $": {c.ResourceType}")}{(c.ResourceId is null ? "" : $" {c.ResourceId}")}"));
}

public sealed class PipelineNameCompleter : StoreCompleter
{
    protected override IEnumerable<(string, string)> Candidates(StackOpsEngine engine, string parameterName, IDictionary bound) =>
        engine.Pipelines.List().Items.Select(p => (p.Name, $"image {p.ImageRepository}"));
}

public sealed class StageNameCompleter : StoreCompleter
{
    protected override IEnumerable<(string, string)> Candidates(StackOpsEngine engine, string parameterName, IDictionary bound) =>
        engine.Pipelines.Lifecycle().Stages.Select(s => (s.Name, $"stack {s.Stack}{(s.Environment is null ? "" : $", environment {s.Environment}")}"));
}

/// <summary>Names from the connector catalog: types, the auth methods of the bound -Type, or resource types.</summary>
/// <summary>Completion over the connector types this session knows: the built-in ones and those of registered integrations.</summary>
public abstract class ConnectorCatalogCompleter : StoreCompleter
{
    protected static IEnumerable<Core.Connectors.ConnectorType> Types(StackOpsEngine engine, IDictionary bound) =>
        bound["Type"]?.ToString() is { } type ? engine.Connectors.Types().Where(t => string.Equals(t.Name, type, StringComparison.OrdinalIgnoreCase)) : engine.Connectors.Types();
}

public sealed class ConnectorTypeCompleter : ConnectorCatalogCompleter
{
    protected override IEnumerable<(string, string)> Candidates(StackOpsEngine engine, string parameterName, IDictionary bound) =>
        engine.Connectors.Types().Select(t => (t.Name, t.Description));
}

public sealed class AuthMethodCompleter : ConnectorCatalogCompleter
{
    protected override IEnumerable<(string, string)> Candidates(StackOpsEngine engine, string parameterName, IDictionary bound) =>
        Types(engine, bound).SelectMany(t => t.AuthMethods).Select(m => (m.Name, m.Description));
}

public sealed class ResourceTypeCompleter : ConnectorCatalogCompleter
{
    protected override IEnumerable<(string, string)> Candidates(StackOpsEngine engine, string parameterName, IDictionary bound) =>
        Types(engine, bound).SelectMany(t => t.ResourceTypes).Select(r => (r.Name, r.Description));
}

public sealed class ComponentTypeCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        ComponentTypes.All.Where(t => t.StartsWith(wordToComplete.Trim('\'', '"'), StringComparison.OrdinalIgnoreCase))
            .Select(t => new CompletionResult(t, t, CompletionResultType.ParameterValue, t));
}
