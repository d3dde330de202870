using System.Text.Json.Nodes;

namespace StackOps.Core.Registries;

/// <summary>What a copy did: blobs uploaded, mounted and already present, bytes moved, manifests pushed.</summary>
public sealed record ImageCopyResult(string Digest, int Manifests, int BlobsCopied, int BlobsMounted, int BlobsSkipped, long BytesCopied);

/// <summary>Progress of a copy, in blobs and bytes.</summary>
public sealed record ImageCopyProgress(string Activity, int BlobsDone, int BlobsTotal, long BytesDone);

/// <summary>
/// Copies an image by digest between registries (or repositories of one registry) through the
/// distribution API: blobs the target already has are skipped, blobs within one registry are
/// mounted rather than uploaded, the others stream from source to target six at a time; each
/// manifest is pushed after its blobs and an index after its manifests, and every pushed digest
/// is checked against the source's. With a tag, the image is also tagged in the target repository.
/// </summary>
public sealed class ImageCopy(RegistryClient source, string sourceRepository, RegistryClient target, string targetRepository, IProgress<ImageCopyProgress>? progress = null)
{
    // skopeo's (containers/image's) limit too. Below the number of layers, the last ones stream alone and leave a core idle.
    private const int Parallelism = 6;

    private int _copied, _mounted, _skipped, _done, _total;
    private long _bytes;

    private bool SameRegistry => string.Equals(source.Registry, target.Registry, StringComparison.OrdinalIgnoreCase);

    public async Task<ImageCopyResult> CopyAsync(string digest, CancellationToken cancellation, string? tag = null)
    {
        var manifests = await CopyManifestAsync(digest, cancellation, tag);
        return new ImageCopyResult(digest, manifests, _copied, _mounted, _skipped, _bytes);
    }

    /// <summary>Copies one manifest (its blobs first) or index (its manifests first), pushed by digest and then under the tag; returns how many manifests were pushed.</summary>
    private async Task<int> CopyManifestAsync(string digest, CancellationToken cancellation, string? tag = null)
    {
        var (bytes, mediaType, _) = await source.GetManifestAsync(sourceRepository, digest, cancellation);
        var document = JsonNode.Parse(bytes) as JsonObject ?? throw new RegistryException($"{source.Registry}: {sourceRepository}@{digest} is not a JSON manifest");
        var pushed = 0;
        if (document["manifests"] is JsonArray children)
        {
            foreach (var child in children)
                pushed += await CopyManifestAsync((string?)child?["digest"] ?? throw new RegistryException($"{sourceRepository}@{digest}: an index entry has no digest"), cancellation);
        }
        else
        {
            var blobs = (document["layers"] as JsonArray ?? []).Prepend(document["config"])
                .Select(b => (Digest: (string?)b?["digest"], Size: (long?)b?["size"])).Where(b => b.Digest is not null)
                .DistinctBy(b => b.Digest).Select(b => (b.Digest!, b.Size)).ToList();
            Interlocked.Add(ref _total, blobs.Count);
            await Parallel.ForEachAsync(blobs, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellation },
                async (blob, token) => await CopyBlobAsync(blob.Item1, blob.Size, token));
        }
        foreach (var reference in tag is null ? [digest] : new[] { digest, tag })
        {
            var pushedDigest = await target.PutManifestAsync(targetRepository, reference, bytes, mediaType, cancellation);
            if (pushedDigest != digest)
                throw new RegistryException($"{target.Registry} stored {targetRepository}@{digest} under the digest {pushedDigest}: the copy does not match the source");
        }
        return pushed + 1;
    }

    private async Task CopyBlobAsync(string digest, long? size, CancellationToken cancellation)
    {
        if (await target.BlobExistsAsync(targetRepository, digest, cancellation))
            Interlocked.Increment(ref _skipped);
        else if (SameRegistry && await target.MountBlobAsync(targetRepository, digest, sourceRepository, cancellation))
            Interlocked.Increment(ref _mounted);
        else
        {
            var (content, length) = await source.GetBlobAsync(sourceRepository, digest, cancellation);
            await using (content)
            {
                await target.UploadBlobAsync(targetRepository, digest, content, length ?? size, cancellation);
            }
            Interlocked.Increment(ref _copied);
            Interlocked.Add(ref _bytes, length ?? size ?? 0);
        }
        var done = Interlocked.Increment(ref _done);
        progress?.Report(new ImageCopyProgress($"Copying {sourceRepository}@{digest[..19]} to {target.Registry}/{targetRepository}", done, Volatile.Read(ref _total), Interlocked.Read(ref _bytes)));
    }
}
