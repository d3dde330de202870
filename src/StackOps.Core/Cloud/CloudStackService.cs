using System.Text.Json;
using StackOps.Core.Errors;
using StackOps.Core.Model;
using StackOps.Core.Store;

namespace StackOps.Core.Cloud;

/// <summary>What New-CloudStack asks for.</summary>
public sealed record CloudStackRequest(string Provider, string Stack, string Region, string Repository, string Environment,
    string? Orchestrator = null, string? ClusterName = null, IReadOnlyList<string>? Principals = null, IReadOnlyDictionary<string, object?>? Variables = null);

/// <summary>A cloud stack's Terraform root module as written: where it is and the variables it was given.</summary>
public sealed record CloudStackModule(string Stack, string Provider, string Path, IReadOnlyList<string> Files, IReadOnlyDictionary<string, object?> Variables)
{
    public override string ToString() => Path;
}

/// <summary>What a deploy registered (or, for -WhatIf, would change).</summary>
public sealed record CloudStackDeployment(string Stack, string Provider, string Connector, IReadOnlyDictionary<string, string> Components, string ModulePath)
{
    public override string ToString() => $"{Stack} ({Provider}: {string.Join(", ", Components.Select(c => $"{c.Key} {c.Value}"))}; connector {Connector})";
}

/// <summary>
/// Cloud stacks: a Terraform root module of StackOps's own per cloud, written where it can be
/// reviewed and committed; deployed with the real terraform CLI, after which the module's
/// <c>stackops</c> output (one contract for every cloud) is registered as a connector, components
/// and a stack, all labelled with the cloud stack they belong to; and torn down the other way.
/// </summary>
public sealed class CloudStackService
{
    public const string VariablesFile = "stackops.auto.tfvars.json";
    public const string Label = "stackops.io/cloud-stack";
    private static readonly string[] Ignored = [".terraform/", "*.tfstate", "*.tfstate.*", ".terraform.tfstate.lock.info", Terraform.PlanFile, "terraform.d/"];
    private readonly StackOpsEngine _engine;

    internal CloudStackService(StackOpsEngine engine) => _engine = engine;

    /// <summary>Where a stack's module goes when no path is given: infrastructure/STACK beside the store's documents.</summary>
    public string DefaultPath(string stack) => _engine.Location.Scope == StoreScope.Server
        ? throw new StackOpsException("CloudStackPathRequired", ErrorKind.InvalidArgument,
            $"A team server's store has no folder for Terraform modules: give -Path, a folder of your repository (e.g. infrastructure/{stack}).", stack)
        : System.IO.Path.Combine(_engine.Location.Root, "infrastructure", NameRules.Validate("Stack", stack));

    /// <summary>The GitHub environment a stack's jobs run in: the one of the lifecycle stage on the stack, else the stack's name.</summary>
    public string DefaultEnvironment(string stack) =>
        _engine.View().Lifecycle()?.Stages.FirstOrDefault(s => string.Equals(s.Stack, stack, StringComparison.OrdinalIgnoreCase) && s.Environment is not null)?.Environment ?? stack;

    /// <summary>OWNER/NAME of the GitHub repository the 'origin' remote of a git folder points at, if any.</summary>
    public static string? RepositoryOf(string folder)
    {
        for (var current = new DirectoryInfo(folder); current is not null; current = current.Parent)
        {
            var config = System.IO.Path.Combine(current.FullName, ".git", "config");
            if (!File.Exists(config)) continue;
            var origin = System.Text.RegularExpressions.Regex.Match(File.ReadAllText(config),
                @"\[remote ""origin""\][^\[]*?url\s*=\s*\S*github\.com[:/]([A-Za-z0-9-]+/[A-Za-z0-9._-]+?)(\.git)?\s*$", System.Text.RegularExpressions.RegexOptions.Multiline);
            return origin.Success ? origin.Groups[1].Value : null;
        }
        return null;
    }

    /// <summary>Writes the module of a provider for a stack: its files, the variables and a .gitignore that keeps state and plans out of git.</summary>
    public CloudStackModule Write(CloudStackRequest request, string path, bool force)
    {
        var provider = CloudProviders.Get(request.Provider);
        NameRules.Validate("Stack", request.Stack);
        var variables = Variables(provider, request);
        variables.TryAdd("image_repositories", _engine.Pipelines.List().Items.Select(p => p.ImageRepository).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList());
        if (Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any() && !force)
            throw new StackOpsException("CloudStackModuleExists", ErrorKind.AlreadyExists,
                $"'{path}' already holds files. Review them, or pass -Force to rewrite the module's files there (Terraform's state in it is kept).", path);
        Directory.CreateDirectory(path);
        var files = new List<string>();
        foreach (var (file, text) in provider.ModuleFiles().Append((VariablesFile, JsonSerializer.Serialize(variables, new JsonSerializerOptions { WriteIndented = true }) + "\n"))
                     .Append((".gitignore", "# Terraform's working files and state: state can hold secrets; keep it in a remote backend, never in git.\n" + string.Join("\n", Ignored) + "\n")))
        {
            IO.SafeFiles.WriteAtomically(System.IO.Path.Combine(path, file), text);
            files.Add(file);
        }
        return new CloudStackModule(request.Stack, provider.Name, path, files, variables);
    }

    private static Dictionary<string, object?> Variables(CloudProvider provider, CloudStackRequest request)
    {
        var orchestrator = request.Orchestrator ?? provider.Orchestrators[0];
        if (!provider.Orchestrators.Contains(orchestrator, StringComparer.Ordinal))
            throw new StackOpsException("UnsupportedOrchestrator", ErrorKind.InvalidArgument,
                $"The {provider.Name} module provisions the orchestrator flavors {string.Join(" and ", provider.Orchestrators)}, not '{orchestrator}'.", orchestrator);
        if (orchestrator == "kubernetes" && string.IsNullOrWhiteSpace(request.ClusterName))
            throw new StackOpsException("ClusterNameMissing", ErrorKind.InvalidArgument,
                "The kubernetes orchestrator runs on an existing cluster: give its name with -ClusterName.", request.Stack);
        if (!System.Text.RegularExpressions.Regex.IsMatch(request.Repository, "^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$"))
            throw new StackOpsException("InvalidRepository", ErrorKind.InvalidArgument, $"'{request.Repository}' is not a GitHub repository: give -Repository OWNER/NAME.", request.Repository);
        if (request.Environment.Length == 0 || request.Environment.Any(c => char.IsControl(c) || c is '"' or '\\'))
            throw new StackOpsException("InvalidEnvironment", ErrorKind.InvalidArgument, "Give -Environment the name of the GitHub environment whose jobs deploy to this stack.", request.Environment);
        var variables = new Dictionary<string, object?>
        {
            ["stack_name"] = request.Stack,
            ["name_prefix"] = NamePrefix(request.Stack),
            ["region"] = request.Region,
            ["github_repository"] = request.Repository,
            ["github_environment"] = request.Environment,
            ["orchestrator"] = orchestrator,
            ["principals"] = request.Principals ?? [],
        };
        if (request.ClusterName is { Length: > 0 } cluster) variables["cluster_name"] = cluster;
        var known = provider.Variables();
        foreach (var (key, value) in request.Variables ?? new Dictionary<string, object?>())
        {
            if (!known.Contains(key, StringComparer.Ordinal))
                throw new StackOpsException("UnknownModuleVariable", ErrorKind.InvalidArgument,
                    $"The {provider.Name} module has no variable '{key}'. Its variables: {string.Join(", ", known)}.", key);
            variables[key] = value;
        }
        if (provider.RequiredVariables.FirstOrDefault(v => variables.GetValueOrDefault(v) is null or "") is { } missing)
            throw new StackOpsException("ModuleVariableMissing", ErrorKind.InvalidArgument,
                $"The {provider.Name} module needs '{missing}': give it with -Variable @{{ {missing} = '...' }}.", request.Stack);
        return variables;
    }

    /// <summary>The stack's name as cloud resource names take it: lower case letters, digits and dashes.</summary>
    internal static string NamePrefix(string stack)
    {
        var prefix = new string(stack.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        prefix = prefix[..Math.Min(prefix.Length, 32)].Trim('-');
        return prefix.Length < 3 ? $"stackops-{prefix}".Trim('-') : prefix;
    }

    private Terraform Open(string path, string stack)
    {
        if (!File.Exists(System.IO.Path.Combine(path, VariablesFile)))
            throw new StackOpsException("CloudStackModuleNotFound", ErrorKind.NotFound,
                $"'{path}' holds no StackOps cloud module. Write one with New-CloudStack -Name {stack} -Provider aws|azure|gcp, or give -Path.", stack);
        var terraform = Terraform.For(path, null, _engine.Messages.Verbose);
        terraform.Init();
        return terraform;
    }

    /// <summary>What the module would change (terraform plan), nothing applied or registered.</summary>
    public IReadOnlyList<TerraformChange> Plan(string stack, string path, bool destroy = false)
    {
        var provider = Provider(path, stack);
        if (!destroy) CheckNames(stack, provider);
        var plan = Open(path, stack).Plan(destroy);
        File.Delete(System.IO.Path.Combine(path, Terraform.PlanFile));
        return plan;
    }

    /// <summary>
    /// Applies the module, then registers what its output describes. The names are checked before
    /// anything is applied; a failed apply registers nothing and keeps Terraform's state, so running
    /// again continues where it stopped.
    /// </summary>
    public CloudStackDeployment Deploy(string stack, string path, Action<TerraformProgress> progress)
    {
        var provider = Provider(path, stack);
        CheckNames(stack, provider);
        var terraform = Open(path, stack);
        var planned = terraform.Plan();
        terraform.Apply(planned.Count(c => c.Action != "no-op" && c.Action != "read"), progress);
        var output = terraform.Outputs().GetValueOrDefault("stackops");
        if (output.ValueKind != JsonValueKind.Object)
            throw new StackOpsException("CloudStackOutputMissing", ErrorKind.InvalidData,
                $"The module in '{path}' has no 'stackops' output, so StackOps cannot tell what to register. Restore the module's outputs.tf (New-CloudStack -Force rewrites it).", stack);
        return Register(stack, provider, path, output);
    }

    /// <summary>The cloud of a written module (told by the Terraform provider its main.tf requires), checked to be the stack's.</summary>
    private static string Provider(string path, string stack)
    {
        var variables = System.IO.Path.Combine(path, VariablesFile);
        string? written;
        try
        {
            written = File.Exists(variables) && JsonDocument.Parse(IO.SafeFiles.ReadText(variables, 1 << 20, "CloudStackModuleInvalid")).RootElement is { ValueKind: JsonValueKind.Object } root
                && root.TryGetProperty("stack_name", out var name) ? name.ToString() : null;
        }
        catch (JsonException e)
        {
            throw new StackOpsException("CloudStackModuleInvalid", ErrorKind.InvalidData,
                $"'{variables}' is not valid JSON ({e.Message}). Fix it, or rewrite the module's files with New-CloudStack -Force.", variables);
        }
        if (written is not null && !string.Equals(written, stack, StringComparison.OrdinalIgnoreCase))
            throw new StackOpsException("CloudStackModuleMismatch", ErrorKind.InvalidArgument,
                $"The module in '{path}' was written for stack '{written}', not '{stack}'. Give that name, or the -Path of '{stack}''s module.", stack);
        var main = System.IO.Path.Combine(path, "main.tf");
        var text = File.Exists(main) ? File.ReadAllText(main) : "";
        return CloudProviders.All.FirstOrDefault(p => text.Contains($"\"hashicorp/{p.TerraformProvider}\"", StringComparison.Ordinal))?.Name
            ?? throw new StackOpsException("CloudStackModuleNotFound", ErrorKind.NotFound,
                $"'{path}' holds no StackOps cloud module (its main.tf requires none of hashicorp/aws, azurerm, google). Write one with New-CloudStack, or give -Path.", path);
    }

    /// <summary>What a cloud stack's deploy registers, by document: the stack, its three components and its connector.</summary>
    internal static IEnumerable<(string Kind, string? Type, string Name)> Names(string stack, string provider) =>
    [
        ("stack", null, stack),
        ("component", ComponentTypes.ArtifactStore, $"{stack}-artifacts"),
        ("component", ComponentTypes.ContainerRegistry, $"{stack}-registry"),
        ("component", ComponentTypes.Orchestrator, $"{stack}-orchestrator"),
        ("connector", null, $"{stack}-{provider}"),
    ];

    /// <summary>Refuses, before anything is applied, a name already taken by something this cloud stack did not register.</summary>
    private void CheckNames(string stack, string provider)
    {
        foreach (var (kind, type, name) in Names(stack, provider))
        {
            var labels = Labels(kind, type, name);
            if (labels is not null && labels.GetValueOrDefault(Label) != stack)
                throw new StackOpsException("CloudStackConflict", ErrorKind.AlreadyExists,
                    $"The {type ?? kind} '{name}' exists and was not registered by the cloud stack '{stack}'. Rename or remove it, or deploy under another stack name.", name);
        }
    }

    private IReadOnlyDictionary<string, string>? Labels(string kind, string? type, string name)
    {
        var view = _engine.View();
        return kind switch
        {
            "stack" => view.FindStack(name)?.Labels,
            "component" => view.FindComponent(type!, name)?.Labels,
            _ => view.Connector(name)?.Labels,
        };
    }

    private CloudStackDeployment Register(string stack, string provider, string path, JsonElement output)
    {
        var labels = new Dictionary<string, string?> { [Label] = stack };
        var connectorName = $"{stack}-{provider}";
        var connector = output.GetProperty("connector");
        var settings = Strings(connector.GetProperty("configuration"));
        if (_engine.View().Connector(connectorName) is null)
            _engine.Connectors.Create(connectorName, connector.GetProperty("type").GetString()!, connector.GetProperty("auth_method").GetString()!, settings,
                new Dictionary<string, string>(), labels: labels, description: $"Cloud stack {stack} ({path})", verify: false);
        else
            _engine.Connectors.Update(connectorName, settings, verify: false);
        var components = new Dictionary<string, string>();
        foreach (var (type, suffix) in new[] { (ComponentTypes.ArtifactStore, "artifacts"), (ComponentTypes.ContainerRegistry, "registry"), (ComponentTypes.Orchestrator, "orchestrator") })
        {
            var described = output.GetProperty("components").GetProperty(type);
            var name = $"{stack}-{suffix}";
            var flavor = described.GetProperty("flavor").GetString()!;
            var configuration = Strings(described.GetProperty("configuration"));
            var existing = _engine.View().FindComponent(type, name);
            if (existing is not null && existing.Flavor == flavor)
                _engine.Components.Update(type, name, configuration);
            else
            {
                if (existing is not null) _engine.Components.Remove(type, name);
                _engine.Components.Create(type, name, flavor, configuration, labels);
            }
            var resource = described.TryGetProperty("resource_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
            _engine.Connectors.Connect(type, name, connectorName, Instance(connectorName, type, flavor) ? resource : null);
            components[type] = name;
        }
        var members = components.ToDictionary(p => p.Key, p => p.Value);
        if (_engine.View().FindStack(stack) is null) _engine.Stacks.Create(stack, members, labels, $"Cloud stack on {provider}, deployed from {path}");
        else _engine.Stacks.Update(stack, members);
        return new CloudStackDeployment(stack, provider, connectorName, components, path);
    }

    /// <summary>Whether the connector's resource type for a flavor names instances (a bucket, a registry, a cluster) rather than a whole account.</summary>
    private bool Instance(string connector, string type, string flavor)
    {
        var requirement = new Flavors.FlavorCatalog(_engine.View()).Get(type, flavor).Connector;
        return requirement is not null && _engine.Connectors.Type(_engine.Connectors.Get(connector).Type).ResourceType(requirement.ResourceType)?.SupportsInstances == true;
    }

    private static Dictionary<string, object?> Strings(JsonElement values) =>
        values.ValueKind == JsonValueKind.Object ? values.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.ToString()) : [];

    /// <summary>The pipelines whose current version sits on the stack (a tear-down would take it away).</summary>
    public IReadOnlyList<Pipelines.StageStatus> Current(string stack) =>
        _engine.View().Lifecycle() is null ? [] : _engine.Pipelines.Status().Where(s => s.Version is not null && string.Equals(s.Stack, stack, StringComparison.OrdinalIgnoreCase)).ToList();

    /// <summary>Checks a tear-down may go on: the module exists and, without force, no pipeline version is current on the stack.</summary>
    public void CheckRemove(string stack, string path, bool force)
    {
        Provider(path, stack);
        if (Labels("stack", null, stack)?.GetValueOrDefault(Label) == stack) _engine.Stacks.CheckRemove(stack);
        if (!force && Current(stack) is { Count: > 0 } current)
            throw new StackOpsException("CloudStackInUse", ErrorKind.InvalidOperation,
                $"Stack '{stack}' runs {string.Join(", ", current.Select(s => $"{s.Pipeline} {s.Version} (stage {s.Stage})"))}. Promote elsewhere first, or pass -Force to destroy it anyway.", stack);
    }

    /// <summary>terraform destroy, then the stack, its components and its connector unregistered (stack first, connector last).</summary>
    public IReadOnlyList<string> Remove(string stack, string path, bool force, Action<TerraformProgress> progress)
    {
        CheckRemove(stack, path, force);
        var terraform = Open(path, stack);
        var planned = terraform.Plan(destroy: true);
        terraform.Apply(planned.Count(c => c.Action == "delete"), progress);
        var removed = new List<string>();
        foreach (var (kind, type, name) in Names(stack, Provider(path, stack)))
        {
            if (Labels(kind, type, name)?.GetValueOrDefault(Label) != stack) continue;
            switch (kind)
            {
                case "stack": _engine.Stacks.Remove(name, includeComponents: false); break;
                case "component": _engine.Components.Remove(type!, name); break;
                default: _engine.Connectors.Remove(name); break;
            }
            removed.Add($"{type ?? kind} {name}");
        }
        return removed;
    }
}
