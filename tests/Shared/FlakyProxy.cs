using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace StackOps.Tests.Shared;

/// <summary>
/// A reverse proxy on 127.0.0.1 in front of a registry that can fail like a dying registry: after a
/// given number of completed blob uploads it drops every connection, until <see cref="Heal"/>. It
/// can also misreport pushed manifests' digests, or refuse them with a message of its choosing, as a
/// broken or hostile registry would.
/// </summary>
public sealed class FlakyProxy : IDisposable
{
    private readonly HttpClient _upstream = new(new SocketsHttpHandler { AllowAutoRedirect = false });
    private int _uploads;
    private volatile int _failAfterUploads = int.MaxValue;

    public FlakyProxy(string upstreamHost)
    {
        Server = new LoopbackServer(app => app.Run(async context =>
        {
            if (Volatile.Read(ref _uploads) >= _failAfterUploads)
            {
                context.Abort();
                return;
            }
            if (RefuseManifestsWith is { } message && context.Request.Method == "PUT" && context.Request.Path.Value!.Contains("/manifests/"))
            {
                context.Response.StatusCode = 400;
                await context.Response.WriteAsJsonAsync(new { errors = new[] { new { code = "MANIFEST_INVALID", message } } });
                return;
            }
            var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), $"http://{upstreamHost}{context.Request.Path}{context.Request.QueryString}");
            if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
            {
                request.Content = new StreamContent(context.Request.Body);
                if (context.Request.ContentType is { } type) request.Content.Headers.TryAddWithoutValidation("Content-Type", type);
                if (context.Request.ContentLength is { } length) request.Content.Headers.ContentLength = length;
            }
            foreach (var header in new[] { "Authorization", "Accept" })
                if (context.Request.Headers.TryGetValue(header, out var value)) request.Headers.TryAddWithoutValidation(header, value.ToArray());
            request.Headers.Host = context.Request.Host.Value;
            using var response = await _upstream.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
                if (!name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                    context.Response.Headers[name] = MisreportDigests && name == "Docker-Content-Digest" && context.Request.Path.Value!.Contains("/manifests/") && context.Request.Method == "PUT"
                        ? "sha256:" + new string('0', 64) : values.ToArray();
            await response.Content.CopyToAsync(context.Response.Body);
            if (context.Request.Method == "PUT" && context.Request.Path.Value!.Contains("/blobs/uploads/") && response.StatusCode == System.Net.HttpStatusCode.Created)
                Interlocked.Increment(ref _uploads);
        }));
    }

    public LoopbackServer Server { get; }

    public bool MisreportDigests { get; set; }

    /// <summary>When set, every manifest push is refused (400, MANIFEST_INVALID) with this message in the distribution API's error body.</summary>
    public string? RefuseManifestsWith { get; set; }

    /// <summary>From now on, drop every connection once this many more blob uploads have completed.</summary>
    public void FailAfterUploads(int count) => _failAfterUploads = Volatile.Read(ref _uploads) + count;

    public void Heal() => _failAfterUploads = int.MaxValue;

    public void Dispose()
    {
        Server.Dispose();
        _upstream.Dispose();
    }
}
