using System.Text.Json;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using StackOps.Abstractions;

namespace StackOps.Core.Components.BuiltIn;

/// <summary>
/// The s3 artifact store: a bucket and a prefix (its path, s3://bucket/prefix), reached with the
/// credentials its aws connector issues, else the key and secret of its configuration (ZenML's), at
/// AWS or at an S3-compatible endpoint (client_kwargs.endpoint_url, as MinIO users give it).
/// </summary>
internal sealed class S3ArtifactStore(ComponentContext context) : IArtifactStore
{
    private (string Bucket, string Prefix) Location()
    {
        var path = context.Settings.GetValueOrDefault("path") ?? "";
        var rest = path.StartsWith("s3://", StringComparison.OrdinalIgnoreCase) ? path[5..] : path;
        var bucket = rest.Split('/')[0];
        if (bucket.Length == 0)
            throw new Errors.StackOpsException("InvalidConfigurationValue", Errors.ErrorKind.InvalidData,
                $"The artifact store '{context.Name}' has path '{path}', which names no bucket; give s3://BUCKET[/PREFIX].", context.Name);
        return (bucket, rest[bucket.Length..].Trim('/'));
    }

    private AmazonS3Client Client()
    {
        var kwargs = context.Settings.GetValueOrDefault("client_kwargs") is { } json ? JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json) ?? [] : [];
        string? Kwarg(string key) => kwargs.TryGetValue(key, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        var credential = context.Credential;
        var region = credential?.Settings.GetValueOrDefault("region") ?? Kwarg("region_name") ?? "us-east-1";
        var endpoint = credential?.Settings.GetValueOrDefault("endpoint_url") ?? Kwarg("endpoint_url");
        var configuration = new AmazonS3Config { Timeout = context.Timeout, MaxErrorRetry = 1 };
        if (endpoint is not null)
        {
            configuration.ServiceURL = endpoint;
            configuration.AuthenticationRegion = region;
            configuration.ForcePathStyle = true;
        }
        else configuration.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        var secrets = credential?.Secrets ?? new Dictionary<string, string>();
        var key = secrets.GetValueOrDefault("aws_access_key_id") ?? context.Settings.GetValueOrDefault("key");
        var secret = secrets.GetValueOrDefault("aws_secret_access_key") ?? context.Settings.GetValueOrDefault("secret");
        var token = secrets.GetValueOrDefault("aws_session_token") ?? context.Settings.GetValueOrDefault("token");
        if (key is null || secret is null)
            throw new Errors.StackOpsException("ConnectorMissing", Errors.ErrorKind.InvalidOperation,
                $"The artifact store '{context.Name}' has no AWS credentials: link it to an aws connector (Connect-StackComponent artifact_store {context.Name} -Connector <name>).", context.Name);
        AWSCredentials credentials = token is null ? new BasicAWSCredentials(key, secret) : new SessionAWSCredentials(key, secret, token);
        return new AmazonS3Client(credentials, configuration);
    }

    public async Task<ComponentCheck> CheckAsync(CancellationToken cancellation)
    {
        var (bucket, prefix) = Location();
        using var s3 = Client();
        try
        {
            await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = Folder(prefix), MaxKeys = 1 }, cancellation);
            return new ComponentCheck(true, $"the bucket {bucket} answers and lists s3://{bucket}/{Folder(prefix)}");
        }
        catch (AmazonS3Exception e)
        {
            return new ComponentCheck(false, $"the bucket {bucket} refused: {e.ErrorCode} ({e.Message})");
        }
        catch (Exception e) when (e is AmazonClientException or HttpRequestException or OperationCanceledException)
        {
            return new ComponentCheck(false, $"S3 cannot be reached for the bucket {bucket}: {e.Message}");
        }
    }

    public async Task<IReadOnlyList<ArtifactEntry>> ListAsync(string path, CancellationToken cancellation)
    {
        var (bucket, prefix) = Location();
        var root = Folder(prefix);
        var request = new ListObjectsV2Request { BucketName = bucket, Prefix = root + Folder(path), Delimiter = "/" };
        var entries = new List<ArtifactEntry>();
        using var s3 = Client();
        ListObjectsV2Response page;
        do
        {
            page = await s3.ListObjectsV2Async(request, cancellation);
            entries.AddRange((page.CommonPrefixes ?? []).Select(p => new ArtifactEntry(p[root.Length..])));
            entries.AddRange((page.S3Objects ?? []).Select(o => new ArtifactEntry(o.Key[root.Length..], o.Size, o.LastModified is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null)));
            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);
        return entries.OrderBy(e => e.Path, StringComparer.Ordinal).ToList();
    }

    private static string Folder(string path) => path.Length == 0 ? "" : path.TrimEnd('/') + "/";
}
