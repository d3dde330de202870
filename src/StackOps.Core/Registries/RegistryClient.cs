using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using StackOps.Core.Secrets;

namespace StackOps.Core.Registries;

/// <summary>A registry's refusal or failure, in its own words (its errors array) where it gives them.</summary>
public sealed class RegistryException(string message, HttpStatusCode? status = null) : Exception(message)
{
    public HttpStatusCode? Status { get; } = status;
}

/// <summary>
/// The Docker/OCI distribution API of one registry, with a user name and password (Basic, or a
/// Bearer token from the registry's token service when it asks, one per scope) or anonymously.
/// Registries on the loopback interface are reached over HTTP, as Docker does; others over HTTPS.
/// </summary>
public sealed class RegistryClient : IDisposable
{
    public const string DockerHub = "docker.io";

    /// <summary>The media types of manifests and indexes, OCI's and Docker's, that a copy accepts.</summary>
    public static readonly string[] ManifestTypes =
    [
        "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.docker.distribution.manifest.v2+json",
    ];

    private readonly HttpClient _http;
    private readonly string? _basic;
    private readonly Dictionary<string, AuthenticationHeaderValue> _tokens = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _tokenGate = new(1, 1);

    public RegistryClient(string registry, HttpMessageHandler handler, TimeSpan timeout, string? username = null, string? password = null)
    {
        Registry = registry;
        _http = new HttpClient(handler) { BaseAddress = ApiBase(registry), Timeout = timeout };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("StackOps", typeof(RegistryClient).Assembly.GetName().Version?.ToString(3)));
        if (username is not null) _basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{password}"));
    }

    public string Registry { get; }
    public Uri BaseAddress => _http.BaseAddress!;

    /// <summary>Where a registry's API is: Docker Hub's is registry-1.docker.io; loopback registries speak HTTP.</summary>
    public static Uri ApiBase(string registry)
    {
        var host = registry == DockerHub ? "registry-1.docker.io" : registry;
        var hostName = host.Split(':')[0].Trim('[', ']');
        var loopback = hostName == "localhost" || (IPAddress.TryParse(hostName, out var address) && IPAddress.IsLoopback(address));
        return new Uri($"{(loopback ? "http" : "https")}://{host}/");
    }

    public async Task VerifyAsync(CancellationToken cancellation)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, "v2/"), "", cancellation);
        if (!response.IsSuccessStatusCode) throw await Refused(response, cancellation);
    }

    /// <summary>The repositories (GET /v2/_catalog); empty when the registry keeps its catalog to itself, as Docker Hub does.</summary>
    public async Task<IReadOnlyList<string>> RepositoriesAsync(CancellationToken cancellation)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, "v2/_catalog?n=1000"), "registry:catalog:*", cancellation);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound) return [];
        if (!response.IsSuccessStatusCode) throw await Refused(response, cancellation);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellation));
        return (body?["repositories"] as JsonArray)?.Select(r => (string?)r).OfType<string>().ToList() ?? [];
    }

    /// <summary>A manifest or index by tag or digest: its bytes exactly as served, its media type and digest.</summary>
    public async Task<(byte[] Bytes, string MediaType, string Digest)> GetManifestAsync(string repository, string reference, CancellationToken cancellation)
    {
        using var response = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"v2/{repository}/manifests/{reference}");
            foreach (var type in ManifestTypes) request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
            return request;
        }, Pull(repository), cancellation);
        if (!response.IsSuccessStatusCode) throw await Refused(response, cancellation, $"{repository}:{reference}");
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellation);
        var digest = Digests.Of(bytes);
        if (reference.StartsWith("sha256:", StringComparison.Ordinal) && digest != reference)
            throw new RegistryException($"{Registry} served {repository}@{reference} with the digest {digest}: the content does not match its name");
        return (bytes, response.Content.Headers.ContentType?.MediaType ?? ManifestTypes[1], digest);
    }

    public async Task<bool> BlobExistsAsync(string repository, string digest, CancellationToken cancellation)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Head, $"v2/{repository}/blobs/{digest}"), Pull(repository), cancellation);
        if (response.StatusCode == HttpStatusCode.NotFound) return false;
        if (!response.IsSuccessStatusCode) throw await Refused(response, cancellation, $"{repository}@{digest}");
        return true;
    }

    /// <summary>Mounts a blob from another repository of the same registry; false when the registry asks for an upload instead.</summary>
    public async Task<bool> MountBlobAsync(string repository, string digest, string fromRepository, CancellationToken cancellation)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post,
            $"v2/{repository}/blobs/uploads/?mount={Uri.EscapeDataString(digest)}&from={Uri.EscapeDataString(fromRepository)}"),
            $"repository:{repository}:pull,push repository:{fromRepository}:pull", cancellation);
        if (response.StatusCode == HttpStatusCode.Created) return true;
        if (response.StatusCode == HttpStatusCode.Accepted)
        {
            // The registry started an upload instead: cancel it, the caller uploads.
            if (response.Headers.Location is { } location)
                using (await SendAsync(() => new HttpRequestMessage(HttpMethod.Delete, location), Push(repository), cancellation)) { }
            return false;
        }
        throw await Refused(response, cancellation, $"{repository}@{digest}");
    }

    /// <summary>A blob's content as a stream (the response is disposed with it).</summary>
    public async Task<(Stream Content, long? Length)> GetBlobAsync(string repository, string digest, CancellationToken cancellation)
    {
        var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, $"v2/{repository}/blobs/{digest}"), Pull(repository), cancellation,
            HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
        {
            using (response) throw await Refused(response, cancellation, $"{repository}@{digest}");
        }
        return (new OwnedStream(await response.Content.ReadAsStreamAsync(cancellation), response), response.Content.Headers.ContentLength);
    }

    /// <summary>Uploads a blob in one request (POST to start, PUT with the content and its digest, which the registry checks).</summary>
    public async Task UploadBlobAsync(string repository, string digest, Stream content, long? length, CancellationToken cancellation)
    {
        Uri location;
        using (var start = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, $"v2/{repository}/blobs/uploads/"), Push(repository), cancellation))
        {
            if (start.StatusCode != HttpStatusCode.Accepted || start.Headers.Location is null) throw await Refused(start, cancellation, $"{repository}@{digest}");
            location = start.Headers.Location.IsAbsoluteUri ? start.Headers.Location : new Uri(BaseAddress, start.Headers.Location);
        }
        var target = new UriBuilder(location);
        target.Query = (target.Query.Length > 1 ? target.Query[1..] + "&" : "") + $"digest={Uri.EscapeDataString(digest)}";
        // The content streams once: the token for this scope was obtained when the upload started.
        using var put = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Put, target.Uri) { Content = new StreamContent(content) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            if (length is not null) request.Content.Headers.ContentLength = length;
            return request;
        }, Push(repository), cancellation, retryWithToken: false);
        if (put.StatusCode != HttpStatusCode.Created) throw await Refused(put, cancellation, $"{repository}@{digest}");
    }

    /// <summary>Pushes a manifest or index; returns the digest the registry computed.</summary>
    public async Task<string> PutManifestAsync(string repository, string reference, byte[] bytes, string mediaType, CancellationToken cancellation)
    {
        using var response = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Put, $"v2/{repository}/manifests/{reference}") { Content = new ByteArrayContent(bytes) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            return request;
        }, Push(repository), cancellation);
        if (response.StatusCode != HttpStatusCode.Created) throw await Refused(response, cancellation, $"{repository}:{reference}");
        return response.Headers.TryGetValues("Docker-Content-Digest", out var digests) ? digests.First() : Digests.Of(bytes);
    }

    private static string Pull(string repository) => $"repository:{repository}:pull";
    private static string Push(string repository) => $"repository:{repository}:pull,push";

    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> create, string scope, CancellationToken cancellation,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead, bool retryWithToken = true)
    {
        var request = create();
        var token = await CachedToken(scope);
        if (token is not null) request.Headers.Authorization = token;
        else if (_basic is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Basic", _basic);
        var response = await _http.SendAsync(request, completion, cancellation);
        if (response.StatusCode != HttpStatusCode.Unauthorized || token is not null || !retryWithToken) return response;
        var challenge = response.Headers.WwwAuthenticate.FirstOrDefault();
        if (challenge is null || !string.Equals(challenge.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase)) return response;
        response.Dispose();
        await _tokenGate.WaitAsync(cancellation);
        try { _tokens[scope] = await TokenAsync(challenge.Parameter ?? "", scope, cancellation); }
        finally { _tokenGate.Release(); }
        return await SendAsync(create, scope, cancellation, completion, retryWithToken: false);
    }

    private async Task<AuthenticationHeaderValue?> CachedToken(string scope)
    {
        await _tokenGate.WaitAsync();
        try { return _tokens.GetValueOrDefault(scope); }
        finally { _tokenGate.Release(); }
    }

    /// <summary>The token service's Bearer token for a scope (the registry's challenge names the realm and service).</summary>
    private async Task<AuthenticationHeaderValue> TokenAsync(string challenge, string scope, CancellationToken cancellation)
    {
        var parameters = challenge.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim().Trim('"'), StringComparer.OrdinalIgnoreCase);
        if (!parameters.TryGetValue("realm", out var realm)) throw new RegistryException($"{Registry} asked for a token without naming its token service");
        var scopes = string.Concat(scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => $"&scope={Uri.EscapeDataString(s)}"));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{realm}{(realm.Contains('?') ? '&' : '?')}service={Uri.EscapeDataString(parameters.GetValueOrDefault("service", ""))}{scopes}");
        if (_basic is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Basic", _basic);
        using var response = await _http.SendAsync(request, cancellation);
        if (!response.IsSuccessStatusCode) throw await Refused(response, cancellation);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellation));
        var token = (string?)body?["token"] ?? (string?)body?["access_token"] ?? throw new RegistryException($"{Registry}'s token service answered without a token");
        SecretMasker.Shared.Register(token);
        return new AuthenticationHeaderValue("Bearer", token);
    }

    /// <summary>The registry's own reason: its errors array (code: message), else the status.</summary>
    private async Task<RegistryException> Refused(HttpResponseMessage response, CancellationToken cancellation, string? what = null)
    {
        var status = $"{Registry} answered {(int)response.StatusCode} {response.ReasonPhrase}{(what is null ? "" : $" for {what}")}";
        try
        {
            var body = await response.Content.ReadAsStringAsync(cancellation);
            var errors = body.Length == 0 ? null : JsonNode.Parse(body)?["errors"] as JsonArray;
            var reasons = errors?.Select(e => $"{(string?)e?["code"]}: {(string?)e?["message"]}").ToList();
            return new RegistryException(reasons is { Count: > 0 } ? $"{status} ({string.Join("; ", reasons)})" : Bare(status, response.StatusCode), response.StatusCode);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
        {
            return new RegistryException(Bare(status, response.StatusCode), response.StatusCode);
        }
    }

    /// <summary>A refusal without a body (HEAD requests have none): the status says it.</summary>
    private static string Bare(string status, HttpStatusCode code) => code switch
    {
        HttpStatusCode.Unauthorized => $"{status} (UNAUTHORIZED: the registry refused the credentials)",
        HttpStatusCode.Forbidden => $"{status} (DENIED: the credentials may not do this)",
        _ => status,
    };

    public void Dispose()
    {
        _http.Dispose();
        _tokenGate.Dispose();
    }

    /// <summary>A response's content stream that disposes the response with it.</summary>
    private sealed class OwnedStream(Stream inner, IDisposable owner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                owner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}

public static class Digests
{
    public static string Of(byte[] bytes) => "sha256:" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes)).ToLowerInvariant();
}
