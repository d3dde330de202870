using System.Diagnostics;
using StackOps.Core.Registries;
using StackOps.Tests.Shared;

/// <summary>
/// Issue #5's figure: a 200 MB, 5-layer image copied between two local registries by StackOps'
/// image copy and by skopeo copy in the same run; three copies each, alternating, each into a
/// fresh registry.
/// </summary>
internal static class ImageCopyBench
{
    private const int Layers = 5, LayerBytes = 40 * 1024 * 1024, Rounds = 3;

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
        var digest = source.Push("bench/trainer", "1.0", "amd64", layers);

        // Each copy goes to a registry of its own that has never seen the blobs: skopeo remembers where it put
        // blobs before and mounts them from there, which would measure its cache, not a copy.
        var stackops = new List<double>();
        var skopeo = new List<double>();
        for (var round = 0; round < Rounds; round++)
        {
            using (var target = new DockerRegistry())
            {
                stackops.Add(Time(() => CopyWithStackOps(source, target, digest, "bench/trainer")));
                if (DockerRegistry.Digest(target.Manifest("bench/trainer", digest)) != digest) throw new InvalidOperationException("StackOps' copy has another digest.");
            }
            using (var target = new DockerRegistry())
                skopeo.Add(Time(() => CopyWithSkopeo(source, target, digest, "bench/trainer")));
        }
        var (ours, theirs) = (Median(stackops), Median(skopeo));
        Console.WriteLine($"  StackOps image copy (median of {Rounds})     {ours,8:0} ms   {200 / (ours / 1000):0} MB/s   runs: {string.Join(", ", stackops.Select(t => $"{t:0}"))}");
        Console.WriteLine($"  skopeo copy (median of {Rounds})             {theirs,8:0} ms   {200 / (theirs / 1000):0} MB/s   runs: {string.Join(", ", skopeo.Select(t => $"{t:0}"))}");
        Console.WriteLine($"  ratio StackOps / skopeo                    {ours / theirs,8:0.00}");
        Console.WriteLine($"  {(ours <= theirs ? "PASS" : "FAIL")}  StackOps no slower than skopeo");
    }

    private static void CopyWithStackOps(DockerRegistry from, DockerRegistry to, string digest, string repository)
    {
        using var source = new RegistryClient(from.Host, new SocketsHttpHandler(), TimeSpan.FromMinutes(5), from.UserName, from.UserPassword);
        using var target = new RegistryClient(to.Host, new SocketsHttpHandler(), TimeSpan.FromMinutes(5), to.UserName, to.UserPassword);
        var result = new ImageCopy(source, "bench/trainer", target, repository).CopyAsync(digest, CancellationToken.None).GetAwaiter().GetResult();
        if (result.BlobsCopied != Layers + 1) throw new InvalidOperationException($"StackOps copied {result.BlobsCopied} blobs, expected {Layers + 1}.");
    }

    private static void CopyWithSkopeo(DockerRegistry from, DockerRegistry to, string digest, string repository)
    {
        using var skopeo = Process.Start(new ProcessStartInfo("skopeo",
        [
            "copy", "--src-tls-verify=false", "--dest-tls-verify=false",
            "--src-creds", $"{from.UserName}:{from.UserPassword}", "--dest-creds", $"{to.UserName}:{to.UserPassword}",
            $"docker://{from.Host}/bench/trainer@{digest}", $"docker://{to.Host}/{repository}:copy",
        ]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var errors = skopeo.StandardError.ReadToEndAsync();
        skopeo.StandardOutput.ReadToEnd();
        skopeo.WaitForExit();
        if (skopeo.ExitCode != 0) throw new InvalidOperationException($"skopeo failed: {errors.Result}");
    }

    private static double Time(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed.TotalMilliseconds;
    }

    private static double Median(List<double> samples) => samples.Order().ElementAt(samples.Count / 2);
}
