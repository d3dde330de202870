using StackOps.Abstractions;

namespace StackOps.Tests.Integrations;

/// <summary>
/// Gamma: a "shelf" service played by a folder. A shelf connector holds the folder (root) and a token
/// that must equal the content of root/.token; its resources are the folder's sub-folders. The shelf
/// artifact store lists one of them with the connector's credentials; the shelf container registry
/// reads its repositories from a file.
/// </summary>
public sealed class GammaIntegration : StackIntegration
{
    public override string Name => "gamma";
    public override string Version => "1.1.0";

    public override IReadOnlyList<ConnectorTypeDefinition> ConnectorTypes =>
    [
        new("shelf", "A folder that plays a storage service, with a token.",
            [new AuthMethodDefinition("token", "The shelf's token.", """
                root:
                  type: string
                  required: true
                  description: The folder.
                token:
                  type: string
                  required: true
                  secret: true
                  description: Must equal the content of root/.token.
                """)],
            [new ResourceTypeDefinition("shelf", "A sub-folder of the shelf.", true, "the sub-folder's name")],
            () => new ShelfProvider()),
    ];

    public override IReadOnlyList<FlavorDefinition> Flavors =>
    [
        new("artifact_store", "shelf", "A sub-folder of a shelf, through a shelf connector.", """
            shelf:
              type: string
              required: true
              description: The sub-folder.
            """)
        {
            ArtifactStore = context => new ShelfStore(context),
            Connector = new FlavorConnector("shelf", "shelf", "shelf"),
        },
        new("container_registry", "shelf-registry", "Repositories listed one per line in a file.", """
            uri:
              type: string
              required: true
            repositories_file:
              type: string
              required: true
            """)
        {
            ContainerRegistry = context => new ShelfRegistry(context.Settings["repositories_file"]),
        },
    ];

    internal static void Admit(string root, string token)
    {
        if (token == "explode") throw new InvalidOperationException($"the shelf exploded while reading with token {token}");
        if (!File.Exists(Path.Combine(root, ".token")) || File.ReadAllText(Path.Combine(root, ".token")).Trim() != token)
            throw new UnauthorizedAccessException("the shelf refused the token");
    }
}

internal sealed class ShelfProvider : IConnectorProvider
{
    public Task<ResourceListing> ListAsync(ConnectorContext connector, ResourceTypeDefinition resourceType, CancellationToken cancellation)
    {
        var root = connector.Required("root");
        try
        {
            GammaIntegration.Admit(root, connector.Required("token"));
        }
        catch (UnauthorizedAccessException e)
        {
            return Task.FromResult(ResourceListing.Failed(e.Message));
        }
        return Task.FromResult(ResourceListing.Reached(Directory.EnumerateDirectories(root).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList()));
    }

    public Task<IssuedCredential> IssueAsync(ConnectorContext connector, ResourceTypeDefinition resourceType, string? resourceId, CancellationToken cancellation) =>
        Task.FromResult(new IssuedCredential(resourceId, new Dictionary<string, string> { ["root"] = connector.Required("root") },
            new Dictionary<string, string> { ["token"] = connector.Required("token") }, DateTimeOffset.UtcNow.AddMinutes(10)));
}

internal sealed class ShelfStore(ComponentContext context) : IArtifactStore
{
    private string Folder()
    {
        var credential = context.Credential ?? throw new InvalidOperationException("a shelf store needs a shelf connector");
        GammaIntegration.Admit(credential.Settings["root"], credential.Secrets["token"]);
        return Path.Combine(credential.Settings["root"], context.Settings["shelf"]);
    }

    public Task<ComponentCheck> CheckAsync(CancellationToken cancellation)
    {
        try
        {
            var folder = Folder();
            return Task.FromResult(new ComponentCheck(Directory.Exists(folder), Directory.Exists(folder) ? $"shelf {context.Settings["shelf"]} is there" : $"shelf {context.Settings["shelf"]} is missing"));
        }
        catch (UnauthorizedAccessException e)
        {
            return Task.FromResult(new ComponentCheck(false, e.Message));
        }
    }

    public Task<IReadOnlyList<ArtifactEntry>> ListAsync(string path, CancellationToken cancellation)
    {
        var folder = Path.Combine(Folder(), path);
        IReadOnlyList<ArtifactEntry> entries = Directory.EnumerateFiles(folder).Select(f => new ArtifactEntry(Path.GetRelativePath(Folder(), f).Replace('\\', '/'), new FileInfo(f).Length))
            .Concat(Directory.EnumerateDirectories(folder).Select(d => new ArtifactEntry(Path.GetRelativePath(Folder(), d).Replace('\\', '/') + "/"))).ToList();
        return Task.FromResult(entries);
    }
}

internal sealed class ShelfRegistry(string file) : IContainerRegistry
{
    public Task<ComponentCheck> CheckAsync(CancellationToken cancellation) =>
        Task.FromResult(new ComponentCheck(File.Exists(file), File.Exists(file) ? $"{file} lists the repositories" : $"{file} does not exist"));

    /// <summary>The file's lines; nothing at all (null, as a careless implementation might) when the file is named *.null.</summary>
    public Task<IReadOnlyList<string>> RepositoriesAsync(CancellationToken cancellation) =>
        Task.FromResult<IReadOnlyList<string>>(file.EndsWith(".null", StringComparison.Ordinal) ? null! : File.ReadAllLines(file).Where(l => l.Length > 0).ToList());
}
