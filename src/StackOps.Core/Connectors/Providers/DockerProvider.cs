using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace StackOps.Core.Connectors.Providers;

/// <summary>
/// A registry that speaks the Docker/OCI distribution API: GET /v2/ with the credentials (Basic,
/// or a Bearer token from the registry's token service when it asks for one) verifies them, and
/// GET /v2/_catalog lists the repositories. Registries on the loopback interface are reached over
/// HTTP, as Docker does; every other one over HTTPS.
/// </summary>
internal sealed class DockerProvider : IConnectorProvider
{
    public const string DockerHub = "docker.io";

    public async Task<ConnectorResources> ListAsync(ConnectorSession session, ConnectorResourceType resourceType, CancellationToken cancellation)
    {
        var registry = session.Connector.ResourceId ?? DockerHub;
        using var client = new RegistryClient(session, registry);
        try
        {
            await client.VerifyAsync(cancellation);
            var repositories = await client.RepositoriesAsync(cancellation);
            return session.Reached(resourceType, [registry], repositories);
        }
        catch (RegistryException e) { return session.Failed(resourceType, e.Message); }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException) { return session.Failed(resourceType, session.Describe(e, client.BaseAddress)); }
    }

    public Task<ConnectorCredential> IssueAsync(ConnectorSession session, ConnectorResourceType resourceType, string? resourceId, CancellationToken cancellation) =>
        Task.FromResult(session.Credential(resourceType.Name, resourceId ?? DockerHub,
            new Dictionary<string, string> { ["registry"] = resourceId ?? DockerHub, ["username"] = session.Required("username") },
            new Dictionary<string, string> { ["password"] = session.Required("password") }, null));

    /// <summary>Where a registry's API is: Docker Hub's is registry-1.docker.io; loopback registries speak HTTP.</summary>
    public static Uri ApiBase(string registry)
    {
        var host = registry == DockerHub ? "registry-1.docker.io" : registry;
        var hostName = host.Split(':')[0].Trim('[', ']');
        var loopback = hostName == "localhost" || (IPAddress.TryParse(hostName, out var address) && IPAddress.IsLoopback(address));
        return new Uri($"{(loopback ? "http" : "https")}://{host}/");
    }

    private sealed class RegistryException(string message) : Exception(message);

    /// <summary>The registry's API with the connector's user name and password; one token per scope, as registries hand them out.</summary>
    private sealed class RegistryClient : IDisposable
    {
        private readonly HttpClient _http;
        private readonly string _registry;
        private readonly string _basic;
        private readonly Dictionary<string, AuthenticationHeaderValue> _tokens = new(StringComparer.Ordinal);

        public RegistryClient(ConnectorSession session, string registry)
        {
            _registry = registry;
            _http = session.CreateHttpClient();
            _http.BaseAddress = ApiBase(registry);
            _basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{session.Required("username")}:{session.Required("password")}"));
        }

        public string BaseAddress => _http.BaseAddress!.ToString();

        public async Task VerifyAsync(CancellationToken cancellation)
        {
            using var response = await SendAsync("v2/", "", cancellation);
            if (!response.IsSuccessStatusCode) throw new RegistryException(await Reason(response, cancellation));
        }

        public async Task<IReadOnlyList<string>> RepositoriesAsync(CancellationToken cancellation)
        {
            using var response = await SendAsync("v2/_catalog?n=1000", "registry:catalog:*", cancellation);
            // Registries may refuse the catalog (Docker Hub does): the credentials were still verified.
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound) return [];
            if (!response.IsSuccessStatusCode) throw new RegistryException(await Reason(response, cancellation));
            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellation));
            return (body?["repositories"] as JsonArray)?.Select(r => (string?)r).OfType<string>().ToList() ?? [];
        }

        private async Task<HttpResponseMessage> SendAsync(string path, string scope, CancellationToken cancellation)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Authorization = _tokens.TryGetValue(scope, out var token) ? token : new AuthenticationHeaderValue("Basic", _basic);
            var response = await _http.SendAsync(request, cancellation);
            if (response.StatusCode != HttpStatusCode.Unauthorized || _tokens.ContainsKey(scope)) return response;
            var challenge = response.Headers.WwwAuthenticate.FirstOrDefault();
            if (challenge is null || !string.Equals(challenge.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase)) return response;
            response.Dispose();
            _tokens[scope] = await TokenAsync(challenge.Parameter ?? "", scope, cancellation);
            return await SendAsync(path, scope, cancellation);
        }

        /// <summary>The token service's Bearer token for a scope (the registry's challenge names the realm and service).</summary>
        private async Task<AuthenticationHeaderValue> TokenAsync(string challenge, string scope, CancellationToken cancellation)
        {
            var parameters = challenge.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2)
                .ToDictionary(p => p[0].Trim(), p => p[1].Trim().Trim('"'), StringComparer.OrdinalIgnoreCase);
            if (!parameters.TryGetValue("realm", out var realm)) throw new RegistryException($"{_registry} asked for a token without naming its token service");
            var query = $"service={Uri.EscapeDataString(parameters.GetValueOrDefault("service", ""))}{(scope.Length > 0 ? $"&scope={Uri.EscapeDataString(scope)}" : "")}";
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{realm}{(realm.Contains('?') ? '&' : '?')}{query}");
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", _basic);
            using var response = await _http.SendAsync(request, cancellation);
            if (!response.IsSuccessStatusCode) throw new RegistryException(await Reason(response, cancellation));
            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellation));
            var token = (string?)body?["token"] ?? (string?)body?["access_token"] ?? throw new RegistryException($"{_registry}'s token service answered without a token");
            Secrets.SecretMasker.Shared.Register(token);
            return new AuthenticationHeaderValue("Bearer", token);
        }

        /// <summary>The registry's own reason: its errors array (code: message), else the status.</summary>
        private async Task<string> Reason(HttpResponseMessage response, CancellationToken cancellation)
        {
            var status = $"{_registry} answered {(int)response.StatusCode} {response.ReasonPhrase}";
            try
            {
                var errors = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellation))?["errors"] as JsonArray;
                var reasons = errors?.Select(e => $"{(string?)e?["code"]}: {(string?)e?["message"]}").ToList();
                return reasons is { Count: > 0 } ? $"{status} ({string.Join("; ", reasons)})" : status;
            }
            catch (System.Text.Json.JsonException) { return status; }
        }

        public void Dispose() => _http.Dispose();
    }
}
