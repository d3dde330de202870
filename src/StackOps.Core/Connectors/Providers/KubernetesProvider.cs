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
    public async Task<ConnectorResources> ListAsync(ConnectorSession session, ConnectorResourceType resourceType, CancellationToken cancellation)
    {
        try
        {
            using var client = new Kubernetes(Configuration(session));
            var version = await client.Version.GetCodeAsync(cancellation);
            var api = await client.Core.GetAPIVersionsAsync(cancellation);
            return session.Reached(resourceType, [ClusterName(session)], [$"Kubernetes {version.GitVersion}", .. api.Versions.Select(v => $"api {v}")]);
        }
        catch (HttpOperationException e)
        {
            return session.Failed(resourceType, $"{session.Required("server")} answered {(int)e.Response.StatusCode} {e.Response.ReasonPhrase} ({e.Response.Content?.Trim()})");
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or k8s.Exceptions.KubeConfigException or k8s.Exceptions.KubernetesClientException or System.Security.Cryptography.CryptographicException)
        {
            return session.Failed(resourceType, session.Describe(e, session.Required("server")));
        }
    }

    public Task<ConnectorCredential> IssueAsync(ConnectorSession session, ConnectorResourceType resourceType, string? resourceId, CancellationToken cancellation)
    {
        var settings = new Dictionary<string, string> { ["server"] = session.Required("server"), ["cluster_name"] = resourceId ?? ClusterName(session) };
        var secrets = new Dictionary<string, string>();
        if (session.Setting("certificate_authority") is { } authority) settings["certificate_authority"] = authority;
        switch (session.Method.Name)
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
        return Task.FromResult(session.Credential(resourceType.Name, settings["cluster_name"], settings, secrets, null));
    }

    /// <summary>The cluster's name: the connector's resource id, else cluster_name, else the server's host.</summary>
    public static string ClusterName(ConnectorSession session) =>
        session.Connector.ResourceId ?? session.Setting("cluster_name") ?? new Uri(session.Required("server")).Host;

    private static KubernetesClientConfiguration Configuration(ConnectorSession session)
    {
        var configuration = new KubernetesClientConfiguration { Host = session.Required("server"), HttpClientTimeout = session.Timeout };
        if (session.Setting("certificate_authority") is { Length: > 0 } pem)
        {
            var authorities = new X509Certificate2Collection();
            authorities.ImportFromPem(pem);
            configuration.SslCaCerts = authorities;
        }
        switch (session.Method.Name)
        {
            case "token":
                configuration.AccessToken = session.Required("token");
                break;
            case "password":
                configuration.Username = session.Required("username");
                configuration.Password = session.Required("password");
                break;
            default:
                // The client takes the kubeconfig form: base64 of the PEM text.
                configuration.ClientCertificateData = Convert.ToBase64String(Encoding.UTF8.GetBytes(session.Required("client_certificate")));
                configuration.ClientCertificateKeyData = Convert.ToBase64String(Encoding.UTF8.GetBytes(session.Required("client_key")));
                break;
        }
        return configuration;
    }
}
