using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using StackOps.Core.Registries;
using StackOps.Tests.Shared;

/// <summary>
/// A 200 MB, 5-layer image copied between two local registries three ways, each doing the same
/// job — every blob and the manifest, byte for byte, the digest kept: StackOps' image copy; skopeo
/// copy --preserve-digests; and the floor, a logic-free pipe that GETs each blob and PUTs the
/// response stream as it arrives (curl GET | curl PUT). Each copy goes to a registry of its own
/// that has never seen the blobs; every result's digest is checked equal to the source's, and the
/// blobs and bytes the target registry stored are counted from its storage folder. The machine's
/// CPU time during each copy (all processes, registries included) shows where the time goes.
/// </summary>
internal static class ImageCopyBench
{
    private const int Layers = 5, LayerBytes = 40 * 1024 * 1024, Rounds = 9;
    private const string Repository = "bench/trainer";

    public static void Run()
    {
        Console.WriteLine("Image copy: 200 MB in 5 layers between two local registries (docker-registry on 127.0.0.1)");
        if (!File.Exists("/usr/bin/docker-registry") || !File.Exists("/usr/bin/skopeo"))
        {
            Console.WriteLine("  skipped: install the Debian packages docker-registry and skopeo (sudo apt-get install docker-registry skopeo)");
            return;
        }
        using var source = new DockerRegistry();
        var layers = Enumerable.Range(0, Layers).Select(_ => System.Security.Cryptography.RandomNumberGenerator.GetBytes(LayerBytes)).ToArray();
        var digest = source.Push(Repository, "1.0", "amd64", layers);

        var ways = new (string Name, Action<DockerRegistry, DockerRegistry, string> Copy)[]
        {
            ("StackOps image copy", CopyWithStackOps), ("skopeo copy --preserve-digests", CopyWithSkopeo), ("logic-free pipe (GET | PUT)", CopyWithPipe),
        };
        var times = ways.ToDictionary(w => w.Name, _ => new List<double>());
        var cpu = ways.ToDictionary(w => w.Name, _ => new List<double>());
        var stored = new Dictionary<string, (int Blobs, long Bytes)>();
        for (var round = 0; round < Rounds; round++)
            foreach (var (name, copy) in ways)
            {
                using var target = new DockerRegistry();
                var busy = MachineCpuMilliseconds();
                times[name].Add(Time(() => copy(source, target, digest)));
                cpu[name].Add(MachineCpuMilliseconds() - busy);
                var copied = DockerRegistry.Digest(target.Manifest(Repository, digest));
                if (copied != digest) throw new InvalidOperationException($"{name} left {copied}, not the source's {digest}.");
                stored[name] = target.StoredBlobs();
            }
        var pipe = Bench.Median(times[ways[2].Name]);
        var skopeo = Bench.Median(times[ways[1].Name]);
        Console.WriteLine($"  {"",-32} {"median",8}  {"MB/s",5}  {"CPU",8}  {"blobs",5}  {"MB stored",9}  runs");
        foreach (var (name, _) in ways)
        {
            var median = Bench.Median(times[name]);
            Console.WriteLine($"  {name,-32} {median,6:0} ms  {200 / (median / 1000),5:0}  {Bench.Median(cpu[name]),5:0} ms  {stored[name].Blobs,5}  {stored[name].Bytes / 1048576.0,9:0.0}  {string.Join(", ", times[name].Select(t => $"{t:0}"))}");
        }
        var ours = Bench.Median(times[ways[0].Name]);

        // A promotion between two stacks on one registry: every blob is mounted from the source repository, nothing is uploaded.
        var (blobsBefore, bytesBefore) = source.StoredBlobs();
        var sameRegistry = Time(() =>
        {
            using var client = new RegistryClient(source.Host, new SocketsHttpHandler(), TimeSpan.FromMinutes(5), source.UserName, source.UserPassword);
            new ImageCopy(client, Repository, client, "bench/production/trainer").CopyAsync(digest, CancellationToken.None).GetAwaiter().GetResult();
        });
        var (blobsAfter, bytesAfter) = source.StoredBlobs();
        var uploads = source.UploadsInto("bench/production/trainer");
        Console.WriteLine($"  StackOps, same registry, another repository {sameRegistry,6:0} ms  {source.MountsInto("bench/production/trainer")} blob(s) mounted, {uploads} uploaded, {(bytesAfter - bytesBefore) / 1048576.0:0.0} MB and {blobsAfter - blobsBefore} blob(s) more stored");
        Console.WriteLine($"  {(uploads == 0 ? "PASS" : "FAIL")}  same-registry promotion uploads 0 bytes");
        Console.WriteLine("  every copy's manifest digest equals the source's; blobs (the manifest is one) and bytes counted in the target registry's storage");
        Console.WriteLine($"  CPU: the whole machine's during the copy ({Environment.ProcessorCount} cores), both registries and the copier included");
        Ratio("StackOps / skopeo --preserve-digests", ours / skopeo, 0.75);
        Ratio("StackOps / logic-free pipe", ours / pipe, 0.9);
    }

    private static void Ratio(string what, double ratio, double limit) =>
        Console.WriteLine($"  {(ratio <= limit ? "PASS" : "FAIL")}  {what}: {ratio:0.00} (target ≤ {limit:0.00})");

    private static void CopyWithStackOps(DockerRegistry from, DockerRegistry to, string digest)
    {
        using var source = new RegistryClient(from.Host, new SocketsHttpHandler(), TimeSpan.FromMinutes(5), from.UserName, from.UserPassword);
        using var target = new RegistryClient(to.Host, new SocketsHttpHandler(), TimeSpan.FromMinutes(5), to.UserName, to.UserPassword);
        var result = new ImageCopy(source, Repository, target, Repository).CopyAsync(digest, CancellationToken.None).GetAwaiter().GetResult();
        if (result.BlobsCopied != Layers + 1) throw new InvalidOperationException($"StackOps copied {result.BlobsCopied} blobs, expected {Layers + 1}.");
    }

    private static void CopyWithSkopeo(DockerRegistry from, DockerRegistry to, string digest)
    {
        using var skopeo = Process.Start(new ProcessStartInfo("skopeo",
        [
            "copy", "--preserve-digests", "--src-tls-verify=false", "--dest-tls-verify=false",
            "--src-creds", $"{from.UserName}:{from.UserPassword}", "--dest-creds", $"{to.UserName}:{to.UserPassword}",
            $"docker://{from.Host}/{Repository}@{digest}", $"docker://{to.Host}/{Repository}:copy",
        ]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var errors = skopeo.StandardError.ReadToEndAsync();
        skopeo.StandardOutput.ReadToEnd();
        skopeo.WaitForExit();
        if (skopeo.ExitCode != 0) throw new InvalidOperationException($"skopeo failed: {errors.Result}");
    }

    /// <summary>What two curls in a pipe do per blob, one blob after the other, then the manifest: no checks, no retries, no mounts.</summary>
    private static void CopyWithPipe(DockerRegistry from, DockerRegistry to, string digest)
    {
        using var get = Client(from);
        using var put = Client(to);
        using var manifestRequest = new HttpRequestMessage(HttpMethod.Get, $"v2/{Repository}/manifests/{digest}");
        manifestRequest.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
        using var manifestResponse = get.Send(manifestRequest).EnsureSuccessStatusCode();
        var manifest = manifestResponse.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult();
        var mediaType = manifestResponse.Content.Headers.ContentType!.MediaType!;
        using var document = JsonDocument.Parse(manifest);
        var blobs = document.RootElement.GetProperty("layers").EnumerateArray().Prepend(document.RootElement.GetProperty("config"))
            .Select(d => d.GetProperty("digest").GetString()!).ToList();
        foreach (var blob in blobs)
        {
            using var body = get.GetAsync($"v2/{Repository}/blobs/{blob}", HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult().EnsureSuccessStatusCode();
            var location = put.PostAsync($"v2/{Repository}/blobs/uploads/", null).GetAwaiter().GetResult().EnsureSuccessStatusCode().Headers.Location!.ToString();
            var content = new StreamContent(body.Content.ReadAsStream());
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            content.Headers.ContentLength = body.Content.Headers.ContentLength;
            put.PutAsync($"{location}{(location.Contains('?') ? '&' : '?')}digest={Uri.EscapeDataString(blob)}", content).GetAwaiter().GetResult().EnsureSuccessStatusCode();
        }
        var manifestContent = new ByteArrayContent(manifest);
        manifestContent.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        put.PutAsync($"v2/{Repository}/manifests/{digest}", manifestContent).GetAwaiter().GetResult().EnsureSuccessStatusCode();
    }

    private static HttpClient Client(DockerRegistry registry)
    {
        var http = new HttpClient(new SocketsHttpHandler()) { BaseAddress = new Uri($"http://{registry.Host}/"), Timeout = TimeSpan.FromMinutes(5) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{registry.UserName}:{registry.UserPassword}")));
        return http;
    }

    private static double Time(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed.TotalMilliseconds;
    }

    /// <summary>Time all CPUs spent working since boot (user, nice, system, irq, softirq of /proc/stat, in USER_HZ: 100 per second).</summary>
    private static double MachineCpuMilliseconds()
    {
        var ticks = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
        return (ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6]) * 10.0;
    }

}
