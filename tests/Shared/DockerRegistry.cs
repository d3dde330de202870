using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace StackOps.Tests.Shared;

/// <summary>
/// A real Docker registry (Debian's docker-registry, the CNCF distribution server) on 127.0.0.1
/// with htpasswd authentication (or none, as `docker run registry:2` starts one), in a temporary folder. It runs under `timeout`, so it stops by
/// itself even if the test process dies; Dispose stops it at once.
/// </summary>
public sealed class DockerRegistry : IDisposable
{
    public const string User = "stackops";
    public const string Password = "registry-test-password";
    /// <summary>bcrypt of <see cref="Password"/> (htpasswd -B), so the tests need no htpasswd tool.</summary>
    private const string PasswordHash = "$2y$05$IgEYpQPKm2fmJUhSmQAumOXHzb.mdPccf8snOyE97GmL/fq4UsHsa";
    /// <summary>A second registry's user, for tests that need two registries with their own credentials.</summary>
    public const string ProductionUser = "stackops-prod";
    public const string ProductionPassword = "production-registry-password";
    private const string ProductionPasswordHash = "$2y$05$X9xjGi5WaSOYIb/5FUn3PONDCX7c3KidQFJvHrPqgsE2yx0xwMUtK";
    private const string Binary = "/usr/bin/docker-registry";

    private readonly Process _process;
    private readonly string _folder;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _log = new();

    public DockerRegistry(bool production = false, bool anonymous = false)
    {
        (UserName, UserPassword) = production ? (ProductionUser, ProductionPassword) : (User, Password);
        if (!File.Exists(Binary))
            throw new InvalidOperationException($"{Binary} is missing: install the Debian package docker-registry (.ci/run does).");
        _folder = Directory.CreateTempSubdirectory("stackops-registry-").FullName;
        Port = FreePort();
        File.WriteAllText(Path.Combine(_folder, "htpasswd"), production ? $"{ProductionUser}:{ProductionPasswordHash}\n" : $"{User}:{PasswordHash}\n");
        File.WriteAllText(Path.Combine(_folder, "config.yml"), $"""
            version: 0.1
            log:
              level: error
              accesslog:
                disabled: false
            storage:
              filesystem:
                rootdirectory: {_folder}/data
            http:
              addr: 127.0.0.1:{Port}
              secret: stackops-test
            """ + (anonymous ? "" : $"""

            auth:
              htpasswd:
                realm: stackops-test
                path: {_folder}/htpasswd
            """));
        _process = Process.Start(new ProcessStartInfo("timeout", ["600", Binary, "serve", Path.Combine(_folder, "config.yml")])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        })!;
        _process.OutputDataReceived += (_, e) => Logged(e.Data);
        _process.ErrorDataReceived += (_, e) => Logged(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        WaitUntilListening();
    }

    public int Port { get; }
    public string Host => $"127.0.0.1:{Port}";
    public string UserName { get; }
    public string UserPassword { get; }

    private long _lastLineTicks;

    private void Logged(string? line)
    {
        if (line is null) return;
        _log.Enqueue(line);
        Interlocked.Exchange(ref _lastLineTicks, DateTime.UtcNow.Ticks);
    }

    /// <summary>
    /// The access log's request lines so far ("POST /v2/ml/trainer/blobs/uploads/ HTTP/1.1" 202), once the
    /// log has been quiet for a moment: it arrives through a pipe, a little after the requests.
    /// </summary>
    public IReadOnlyList<string> Requests => Settled().Where(l => l.Contains("\"", StringComparison.Ordinal) && l.Contains(" /v2/", StringComparison.Ordinal)).ToList();

    private IEnumerable<string> Settled()
    {
        var deadline = DateTime.UtcNow.AddSeconds(3);
        while (DateTime.UtcNow - new DateTime(Interlocked.Read(ref _lastLineTicks), DateTimeKind.Utc) < TimeSpan.FromMilliseconds(200) && DateTime.UtcNow < deadline)
            Thread.Sleep(50);
        return _log;
    }

    /// <summary>Blob uploads the registry completed into a repository (PUT …/blobs/uploads/…?digest= answered 201).</summary>
    public int UploadsInto(string repository) => Requests.Count(l => l.Contains($"\"PUT /v2/{repository}/blobs/uploads/", StringComparison.Ordinal) && l.Contains("\" 201 ", StringComparison.Ordinal));

    /// <summary>Cross-repository mounts the registry completed into a repository (POST …?mount=…&amp;from=… answered 201).</summary>
    public int MountsInto(string repository) => Requests.Count(l => l.Contains($"\"POST /v2/{repository}/blobs/uploads/?mount=", StringComparison.Ordinal) && l.Contains("\" 201 ", StringComparison.Ordinal));

    /// <summary>The blobs the registry holds, and their bytes, as its storage folder has them: what the uploads it accepted wrote.</summary>
    public (int Blobs, long Bytes) StoredBlobs()
    {
        var blobs = Path.Combine(_folder, "data", "docker", "registry", "v2", "blobs");
        if (!Directory.Exists(blobs)) return (0, 0);
        var files = Directory.EnumerateFiles(blobs, "data", SearchOption.AllDirectories).Select(f => new FileInfo(f).Length).ToList();
        return (files.Count, files.Sum());
    }

    /// <summary>A port nothing listens on, for unreachable-registry tests.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void WaitUntilListening()
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"docker-registry exited with {_process.ExitCode}.");
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) { Thread.Sleep(50); }
        }
        throw new TimeoutException("docker-registry did not start within 20 seconds.");
    }

    /// <summary>Pushes an image through the distribution API, its layers and config first, the manifest last; returns the manifest's digest.</summary>
    public string Push(string repository, string tag, params string[] layers) => Push(repository, tag, "amd64", layers.Select(Encoding.UTF8.GetBytes).ToArray());

    public string Push(string repository, string tag, string architecture, params byte[][] layers)
    {
        using var http = Client();
        var config = Encoding.UTF8.GetBytes($$$"""{"architecture":"{{{architecture}}}","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}""");
        var configDigest = Upload(http, repository, config);
        var entries = string.Join(",", layers.Select(layer => $$"""{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{{Upload(http, repository, layer)}}","size":{{layer.Length}}}"""));
        var manifest = Encoding.UTF8.GetBytes($$"""
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
             "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{{configDigest}}","size":{{config.Length}}},
             "layers":[{{entries}}]}
            """);
        return PutManifest(http, repository, tag, manifest, "application/vnd.oci.image.manifest.v1+json");
    }

    /// <summary>Pushes a multi-platform image: one manifest per architecture, then the index; returns the index's digest.</summary>
    public string PushIndex(string repository, string tag, params (string Architecture, string[] Layers)[] platforms)
    {
        var manifests = platforms.Select(p => (p.Architecture, Digest: Push(repository, $"{tag}-{p.Architecture}", p.Architecture, p.Layers.Select(Encoding.UTF8.GetBytes).ToArray()))).ToList();
        using var http = Client();
        var entries = string.Join(",", manifests.Select(m => $$$"""{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{{{m.Digest}}}","size":{{{Manifest(http, repository, m.Digest).Length}}},"platform":{"architecture":"{{{m.Architecture}}}","os":"linux"}}"""));
        var index = Encoding.UTF8.GetBytes($$"""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{{entries}}]}""");
        return PutManifest(http, repository, tag, index, "application/vnd.oci.image.index.v1+json");
    }

    /// <summary>The bytes of a manifest as the registry serves it (empty when it has none).</summary>
    public byte[] Manifest(string repository, string reference)
    {
        using var http = Client();
        return Manifest(http, repository, reference);
    }

    private static byte[] Manifest(HttpClient http, string repository, string reference)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"v2/{repository}/manifests/{reference}");
        request.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
        request.Headers.Accept.ParseAdd("application/vnd.oci.image.index.v1+json");
        using var response = http.Send(request);
        return response.IsSuccessStatusCode ? response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult() : [];
    }

    private HttpClient Client()
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://{Host}/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{UserName}:{UserPassword}")));
        return http;
    }

    private static string PutManifest(HttpClient http, string repository, string tag, byte[] manifest, string mediaType)
    {
        var put = new ByteArrayContent(manifest);
        put.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        http.PutAsync($"v2/{repository}/manifests/{tag}", put).GetAwaiter().GetResult().EnsureSuccessStatusCode();
        return Digest(manifest);
    }

    private static string Upload(HttpClient http, string repository, byte[] blob)
    {
        var start = http.PostAsync($"v2/{repository}/blobs/uploads/", null).GetAwaiter().GetResult().EnsureSuccessStatusCode();
        var location = start.Headers.Location!.ToString();
        var digest = Digest(blob);
        var url = $"{location}{(location.Contains('?') ? '&' : '?')}digest={Uri.EscapeDataString(digest)}";
        http.PutAsync(url, new ByteArrayContent(blob)).GetAwaiter().GetResult().EnsureSuccessStatusCode();
        return digest;
    }

    public static string Digest(byte[] bytes) => "sha256:" + Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();

    public void Dispose()
    {
        try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _process.WaitForExit(5000);
        _process.Dispose();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
