using StackOps.Abstractions;
using StackOps.Core.Components.BuiltIn;
using StackOps.Core.Connectors;
using StackOps.Core.Errors;
using StackOps.Core.Flavors;
using StackOps.Core.Model;
using StackOps.Core.Registries;
using StackOps.Core.Secrets;

namespace StackOps.Core.Components;

/// <summary>Whether a component's service answered (Test-StackComponent).</summary>
public sealed record ComponentTestResult(string Type, string Name, string Flavor, bool Reachable, string Message)
{
    public override string ToString() => $"{Name}: {(Reachable ? "reachable" : "not reachable")}";
}

/// <summary>One thing a component holds (Get-StackComponentItem): an artifact store's file or folder, a registry's repository.</summary>
public sealed record ComponentItem(string Type, string Component, string Path, long? Size = null, DateTimeOffset? LastModified = null)
{
    public bool IsFolder => Path.EndsWith('/');

    public override string ToString() => Path;
}

/// <summary>
/// What components do, behind the public contracts of StackOps.Abstractions: artifact stores
/// (<see cref="IArtifactStore"/>) and container registries (<see cref="IContainerRegistry"/>), the
/// built-in flavors' implementations and those of integrations alike, each given the component's
/// resolved configuration and what its connector issues.
/// </summary>
public sealed class ComponentBehaviour
{
    /// <summary>The built-in artifact stores, by flavor.</summary>
    private static readonly Dictionary<string, Func<ComponentContext, IArtifactStore>> ArtifactStores = new(StringComparer.OrdinalIgnoreCase)
    {
        ["local"] = context => new LocalArtifactStore(context),
        ["s3"] = context => new S3ArtifactStore(context),
    };

    private readonly StackOpsEngine _engine;

    internal ComponentBehaviour(StackOpsEngine engine) => _engine = engine;

    /// <summary>Checks that a component's service answers with its credentials.</summary>
    public ComponentTestResult Test(string? type, string name)
    {
        var (component, flavor) = Find(type, name);
        var check = component.Type == ComponentTypes.ArtifactStore
            ? Call(component, flavor, ArtifactStore(component, flavor).CheckAsync)
            : Call(component, flavor, ContainerRegistry(component, flavor).CheckAsync);
        return new ComponentTestResult(component.Type, component.Name, component.Flavor, check.Reachable, SecretMasker.Shared.Apply(check.Message ?? ""));
    }

    /// <summary>What a component holds: an artifact store's entries under a path, a container registry's repositories.</summary>
    public IReadOnlyList<ComponentItem> Items(string? type, string name, string? path = null)
    {
        var (component, flavor) = Find(type, name);
        if (component.Type == ComponentTypes.ArtifactStore)
        {
            var store = ArtifactStore(component, flavor);
            var entries = Call(component, flavor, cancellation => store.ListAsync(ArtifactPath(path), cancellation));
            return entries.OfType<ArtifactEntry>().Select(e => new ComponentItem(component.Type, component.Name, e.Path ?? "", e.Size, e.LastModified)).ToList();
        }
        if (path is not null)
            throw new StackOpsException("PathNotApplicable", ErrorKind.InvalidArgument,
                $"-Path lists folders of artifact stores; the {component.Type} '{component.Name}' holds repositories. Leave -Path out.", path);
        var registry = ContainerRegistry(component, flavor);
        return Call(component, flavor, registry.RepositoriesAsync).OfType<string>().Select(r => new ComponentItem(component.Type, component.Name, r)).ToList();
    }

    /// <summary>
    /// The registry of a container registry component, as its uri names it (host, and the path under which
    /// its repositories are), with the credentials its connector issues for it.
    /// </summary>
    internal (string Host, string Prefix, RegistryClient Client) Registry(StackComponent component, TimeSpan timeout)
    {
        var uri = component.EffectiveConfiguration.FirstOrDefault(p => string.Equals(p.Key, "uri", StringComparison.OrdinalIgnoreCase)).Value as string
            ?? throw new StackOpsException("InvalidConfigurationValue", ErrorKind.InvalidData, $"The container_registry '{component.Name}' has no uri.", component);
        var host = ConnectorCatalog.RegistryHost(uri);
        var prefix = uri.Contains("://") ? uri[(uri.IndexOf("://", StringComparison.Ordinal) + 3)..] : uri;
        prefix = prefix.Contains('/') ? prefix[(prefix.IndexOf('/') + 1)..].Trim('/') : "";
        string? user = null, password = null;
        HttpMessageHandler handler = new SocketsHttpHandler { ConnectTimeout = _engine.Connectors.Timeout };
        if (component.Connector is { } link)
        {
            var credential = _engine.Connectors.Credential(link.Name, RegistryResourceType(link.Name), link.ResourceId ?? host);
            user = credential.Settings["username"];
            password = credential.Secrets["password"];
            handler = _engine.Connectors.Handler(link.Name);
        }
        return (host, prefix, new RegistryClient(host, handler, timeout, user, password));
    }

    private string RegistryResourceType(string connector) =>
        _engine.Connectors.Type(_engine.Connectors.Get(connector).Type).ResourceType(ConnectorCatalog.DockerRegistry) is not null ? ConnectorCatalog.DockerRegistry : "container-registry";

    private (StackComponent Component, Flavor Flavor) Find(string? type, string name)
    {
        var component = _engine.Components.Get(type, name);
        if (component.Type is not (ComponentTypes.ArtifactStore or ComponentTypes.ContainerRegistry))
            throw new StackOpsException("ComponentNotTestable", ErrorKind.InvalidOperation,
                $"StackOps checks and lists artifact stores and container registries; the {component.Type} '{component.Name}' is used when a pipeline runs on its stack (Invoke-StackPipeline, Test-Stack).", component);
        return (component, _engine.Flavors.Get(component.Type, component.Flavor));
    }

    private IArtifactStore ArtifactStore(StackComponent component, Flavor flavor) =>
        flavor.Integration is not null ? _engine.Integrations.ArtifactStore(flavor, Context(component, flavor))
        : flavor.IsBuiltIn && ArtifactStores.TryGetValue(flavor.Name, out var create) ? create(Context(component, flavor))
        : throw NoImplementation(component, flavor, ArtifactStores.Keys);

    private IContainerRegistry ContainerRegistry(StackComponent component, Flavor flavor)
    {
        if (flavor.Integration is not null) return _engine.Integrations.ContainerRegistry(flavor, Context(component, flavor));
        if (!flavor.IsBuiltIn) throw NoImplementation(component, flavor, ["every built-in flavor"]);
        var (host, prefix, client) = Registry(component, _engine.Connectors.Timeout);
        return new OciContainerRegistry(host, prefix, client);
    }

    private static StackOpsException NoImplementation(StackComponent component, Flavor flavor, IEnumerable<string> implemented) =>
        new("ComponentNotTestable", ErrorKind.InvalidOperation,
            $"The {component.Type} flavor '{flavor.Name}' of '{component.Name}' has no implementation in StackOps (it has {string.Join(", ", implemented)}); register an integration whose flavor implements it (Register-StackIntegration).", component);

    /// <summary>What an implementation is given: the configuration with its secret references resolved, and what the component's connector issues.</summary>
    private ComponentContext Context(StackComponent component, Flavor flavor)
    {
        var settings = _engine.Secrets.ResolveValues(component.EffectiveConfiguration, component.Name, component.Type, component,
            $"Give the secret it refers to with New-StackSecret, or change the component with Set-StackComponent {component.Type} {component.Name}.");
        IssuedCredential? credential = null;
        if (component.Connector is { } link)
        {
            var issued = _engine.Connectors.Credential(link.Name, flavor.Connector?.ResourceType, link.ResourceId);
            credential = new IssuedCredential(issued.ResourceId, issued.Settings, issued.Secrets, issued.ExpiresAt);
        }
        return new ComponentContext(component.Type, component.Name, component.Flavor,
            settings.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => SettingText.Of(p.Value!)), credential, _engine.Connectors.Timeout);
    }

    /// <summary>A path under an artifact store's root: '/' separators, no leading '/', no '..'.</summary>
    private static string ArtifactPath(string? path)
    {
        var normalized = (path ?? "").Replace('\\', '/').Trim('/');
        if (normalized.Split('/').Any(part => part is ".." or ".") || normalized.Any(char.IsControl))
            throw new StackOpsException("InvalidPath", ErrorKind.InvalidArgument,
                $"'{Fail.Printable(path ?? "")}' is not a path in an artifact store: give folders under its root, separated by '/', without '.' or '..'.", path);
        return normalized;
    }

    /// <summary>Runs an implementation's call within the connector time limit; what an implementation throws becomes a StackOps error naming the component, masked.</summary>
    private T Call<T>(StackComponent component, Flavor flavor, Func<CancellationToken, Task<T>> call)
    {
        using var cancellation = new CancellationTokenSource(_engine.Connectors.Timeout * 4);
        try
        {
            return call(cancellation.Token).GetAwaiter().GetResult() ?? throw new InvalidOperationException("its implementation returned nothing");
        }
        catch (Exception e) when (e is not StackOpsException)
        {
            throw new StackOpsException("ComponentFailed", ErrorKind.InvalidOperation,
                SecretMasker.Shared.Apply($"The {component.Type} '{component.Name}' ({flavor.Name}{(flavor.Integration is { } integration ? $", integration '{integration}'" : "")}) failed: {(e is OperationCanceledException ? $"no answer within {(_engine.Connectors.Timeout * 4).TotalSeconds:0} seconds" : $"{e.GetType().Name}: {e.Message}")}."), component);
        }
    }
}
