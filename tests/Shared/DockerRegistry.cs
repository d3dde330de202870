using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace StackOps.Tests.Shared;

/// <summary>
/// A real Docker registry (Debian's docker-registry, the CNCF distribution server) on 127.0.0.1
/// with htpasswd authentication, in a temporary folder. It runs under `timeout`, so it stops by
/// itself even if the test process dies; Dispose stops it at once.
/// </summary>
public sealed class DockerRegistry : IDisposable
{
    public const string User = "stackops";
    public const string Password = "registry-test-password";
    /// <summary>bcrypt of <see cref="Password"/> (htpasswd -B), so the tests need no htpasswd tool.</summary>
    private const string PasswordHash = "$2y$05$IgEYpQPKm2fmJUhSmQAumOXHzb.mdPccf8snOyE97GmL/fq4UsHsa";
    private const string Binary = "/usr/bin/docker-registry";

    private readonly Process _process;
    private readonly string _folder;

    public DockerRegistry()
    {
        if (!File.Exists(Binary))
            throw new InvalidOperationException($"{Binary} is missing: install the Debian package docker-registry (.ci/run does).");
        _folder = Directory.CreateTempSubdirectory("stackops-registry-").FullName;
        Port = FreePort();
        File.WriteAllText(Path.Combine(_folder, "htpasswd"), $"{User}:{PasswordHash}\n");
        File.WriteAllText(Path.Combine(_folder, "config.yml"), $"""
            version: 0.1
            log:
              level: error
            storage:
              filesystem:
                rootdirectory: {_folder}/data
            http:
              addr: 127.0.0.1:{Port}
              secret: stackops-test
            auth:
              htpasswd:
                realm: stackops-test
                path: {_folder}/htpasswd
            """);
        _process = Process.Start(new ProcessStartInfo("timeout", ["600", Binary, "serve", Path.Combine(_folder, "config.yml")])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        })!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        WaitUntilListening();
    }

    public int Port { get; }
    public string Host => $"127.0.0.1:{Port}";

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

    /// <summary>Pushes a one-layer image through the distribution API (blobs first, the manifest last); returns the manifest's digest.</summary>
    public string Push(string repository, string tag, string content)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://{Host}/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}")));
        var layer = Encoding.UTF8.GetBytes(content);
        var config = Encoding.UTF8.GetBytes("""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}""");
        var layerDigest = Upload(http, repository, layer);
        var configDigest = Upload(http, repository, config);
        var manifest = Encoding.UTF8.GetBytes($$"""
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
             "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{{configDigest}}","size":{{config.Length}}},
             "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{{layerDigest}}","size":{{layer.Length}}}]}
            """);
        var put = new ByteArrayContent(manifest);
        put.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.oci.image.manifest.v1+json");
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

    private static string Digest(byte[] bytes) => "sha256:" + Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();

    public void Dispose()
    {
        try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _process.WaitForExit(5000);
        _process.Dispose();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
