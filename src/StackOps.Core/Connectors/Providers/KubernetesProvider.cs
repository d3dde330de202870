using StackOps.Abstractions;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;
using k8s.Autorest;

namespace StackOps.Core.Connectors.Providers;

/// <summary>
/// A cluster's API server through the KubernetesClient package: GET /version and GET /api with the
/// connector's token, client certificate or user name and password, trusting its certificate
/// authority. The credentials are handed to components as they are (Kubernetes issues none here).
/// </summary>
internal sealed class KubernetesProvider : IConnectorProvider
{
    public async Task<ResourceListing> ListAsync(ConnectorContext session, ResourceTypeDefinition resourceType, CancellationToken cancellation)
    {
        try
        {
            using var client = new Kubernetes(Configuration(session));
            var version = await client.Version.GetCodeAsync(cancellation);
            var api = await client.Core.GetAPIVersionsAsync(cancellation);
            return ResourceListing.Reached([ClusterName(session)], [$"Kubernetes {version.GitVersion}", .. api.Versions.Select(v => $"api {v}")]);
        }
        catch (HttpOperationException e)
        {
            return ResourceListing.Failed($"{session.Required("server")} answered {(int)e.Response.StatusCode} {e.Response.ReasonPhrase} ({e.Response.Content?.Trim()})");
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or k8s.Exceptions.KubeConfigException or k8s.Exceptions.KubernetesClientException or System.Security.Cryptography.CryptographicException)
        {
            return ResourceListing.Failed(session.Describe(e, session.Required("server")));
        }
    }

    public Task<IssuedCredential> IssueAsync(ConnectorContext session, ResourceTypeDefinition resourceType, string? resourceId, CancellationToken cancellation)
    {
        var settings = new Dictionary<string, string> { ["server"] = session.Required("server"), ["cluster_name"] = resourceId ?? ClusterName(session) };
        var secrets = new Dictionary<string, string>();
        if (session.Setting("certificate_authority") is { } authority) settings["certificate_authority"] = authority;
        switch (session.AuthMethod)
        {
            case "token":
                secrets["token"] = session.Required("token");
                break;
            case "password":
                settings["username"] = session.Required("username");
                secrets["password"] = session.Required("password");
                break;
            default:
                settings["client_certificate"] = session.Required("client_certificate");
                secrets["client_key"] = session.Required("client_key");
                break;
        }
        return Task.FromResult(new IssuedCredential(settings["cluster_name"], settings, secrets, null));
    }

    /// <summary>The cluster's name: the connector's resource id, else cluster_name, else the server's host.</summary>
    public static string ClusterName(ConnectorContext session) =>
        session.ResourceId ?? session.Setting("cluster_name") ?? new Uri(session.Required("server")).Host;

    private static KubernetesClientConfiguration Configuration(ConnectorContext session) =>
        Cluster(session.AuthMethod, session.Required("server"), session.Setting("certificate_authority"), session.Timeout, session.Setting);

    /// <summary>The client's configuration for a cluster: its server and authority, and a token, a user name and password, or a client certificate.</summary>
    public static KubernetesClientConfiguration Cluster(string method, string server, string? authority, TimeSpan timeout, Func<string, string?> value)
    {
        var configuration = new KubernetesClientConfiguration { Host = server, HttpClientTimeout = timeout };
        if (authority is { Length: > 0 } pem)
        {
            var authorities = new X509Certificate2Collection();
            authorities.ImportFromPem(pem);
            configuration.SslCaCerts = authorities;
        }
        string Required(string key) => value(key) ?? throw new Errors.StackOpsException("ConnectorCredentialUnavailable", Errors.ErrorKind.InvalidOperation, $"The cluster's credentials have no {key}.", server);
        switch (method)
        {
            case "token":
                configuration.AccessToken = Required("token");
                break;
            case "password":
                configuration.Username = Required("username");
                configuration.Password = Required("password");
                break;
            default:
                // The client takes the kubeconfig form: base64 of the PEM text.
                configuration.ClientCertificateData = Convert.ToBase64String(Encoding.UTF8.GetBytes(Required("client_certificate")));
                configuration.ClientCertificateKeyData = Convert.ToBase64String(Encoding.UTF8.GetBytes(Required("client_key")));
                break;
        }
        return configuration;
    }
}
