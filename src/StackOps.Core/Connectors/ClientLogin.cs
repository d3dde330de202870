using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.KubeConfigModels;
using StackOps.Core.Errors;
using StackOps.Core.IO;

namespace StackOps.Core.Connectors;

/// <summary>What a login configured: which client, in which file, under which entry, and until when its credentials hold.</summary>
public sealed record ClientLogin(string Connector, string Client, string File, string Entry, DateTimeOffset? ExpiresAt);

/// <summary>
/// Configures local clients from connector credentials, in their own files and formats: an auth
/// entry in Docker's config.json ($DOCKER_CONFIG, else ~/.docker), a cluster, user and context in
/// the kubeconfig ($KUBECONFIG's first file, else ~/.kube/config). Other entries are kept; the
/// files are written atomically and readable by their owner alone.
/// </summary>
public static class ClientConfiguration
{
    /// <summary>A Docker config or a kubeconfig larger than this is not one StackOps should rewrite.</summary>
    private const int MaxClientFileBytes = 16 * 1024 * 1024;

    public static string DockerConfigPath() =>
        Path.Combine(Environment.GetEnvironmentVariable("DOCKER_CONFIG") is { Length: > 0 } folder ? folder
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker"), "config.json");

    public static string KubeConfigPath() =>
        Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } paths ? paths.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)[0]
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");

    /// <summary>Adds or replaces the registry's entry under "auths", as docker login does.</summary>
    public static ClientLogin Docker(ConnectorCredential credential, string? path = null)
    {
        path ??= DockerConfigPath();
        var registry = credential.Settings["registry"];
        JsonObject config;
        try
        {
            config = SafeFiles.ReadTextIfExists(path, MaxClientFileBytes, "InvalidClientConfiguration") is { } text ? JsonNode.Parse(text) as JsonObject ?? new JsonObject() : new JsonObject();
        }
        catch (JsonException e)
        {
            throw new StackOpsException("InvalidClientConfiguration", ErrorKind.InvalidData, $"{path} is not valid JSON ({e.Message.Split('.')[0]}). Fix it, or pass -Path to write another file.", path, e);
        }
        var auths = config["auths"] as JsonObject ?? new JsonObject();
        auths[registry] = new JsonObject
        {
            ["auth"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential.Settings["username"]}:{credential.Secrets["password"]}")),
        };
        config["auths"] = auths;
        SafeFiles.WriteAtomically(path, JsonSerializer.SerializeToUtf8Bytes(config, new JsonSerializerOptions { WriteIndented = true }), ownerOnly: true);
        return new ClientLogin(credential.Connector, "docker", path, registry, credential.ExpiresAt);
    }

    /// <summary>Adds or replaces a cluster, a user and a context named after the cluster (the user after the connector), and makes the context current.</summary>
    public static ClientLogin Kubernetes(ConnectorCredential credential, string? path = null, bool setCurrent = true)
    {
        path ??= KubeConfigPath();
        K8SConfiguration config;
        try
        {
            config = SafeFiles.ReadTextIfExists(path, MaxClientFileBytes, "InvalidClientConfiguration") is { } text ? KubernetesYaml.Deserialize<K8SConfiguration>(text) ?? new K8SConfiguration() : new K8SConfiguration();
        }
        catch (Exception e) when (e is YamlDotNet.Core.YamlException or InvalidOperationException)
        {
            throw new StackOpsException("InvalidClientConfiguration", ErrorKind.InvalidData, $"{path} is not a valid kubeconfig ({e.Message.Split('\n')[0]}). Fix it, or pass -Path to write another file.", path, e);
        }
        var name = credential.Settings["cluster_name"];
        var user = $"stackops-{credential.Connector}";
        var endpoint = new ClusterEndpoint { Server = credential.Settings["server"] };
        if (credential.Settings.TryGetValue("certificate_authority", out var authority)) endpoint.CertificateAuthorityData = Base64(authority);
        var userCredentials = new UserCredentials();
        if (credential.Secrets.TryGetValue("token", out var token)) userCredentials.Token = token;
        if (credential.Secrets.TryGetValue("password", out var password))
        {
            userCredentials.UserName = credential.Settings["username"];
            userCredentials.Password = password;
        }
        if (credential.Secrets.TryGetValue("client_key", out var key))
        {
            userCredentials.ClientCertificateData = Base64(credential.Settings["client_certificate"]);
            userCredentials.ClientKeyData = Base64(key);
        }
        config.ApiVersion ??= "v1";
        config.Kind ??= "Config";
        config.Clusters = Replace(config.Clusters, c => c.Name, new Cluster { Name = name, ClusterEndpoint = endpoint });
        config.Users = Replace(config.Users, u => u.Name, new User { Name = user, UserCredentials = userCredentials });
        config.Contexts = Replace(config.Contexts, c => c.Name, new Context { Name = name, ContextDetails = new ContextDetails { Cluster = name, User = user } });
        if (setCurrent) config.CurrentContext = name;
        SafeFiles.WriteAtomically(path, Encoding.UTF8.GetBytes(KubernetesYaml.Serialize(config)), ownerOnly: true);
        return new ClientLogin(credential.Connector, "kubectl", path, name, credential.ExpiresAt);
    }

    private static List<T> Replace<T>(IEnumerable<T>? items, Func<T, string> nameOf, T item) =>
        [.. (items ?? []).Where(i => nameOf(i) != nameOf(item)), item];

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}
