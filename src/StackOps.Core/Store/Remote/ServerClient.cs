using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using StackOps.Core.Errors;

namespace StackOps.Core.Store.Remote;

/// <summary>
/// Calls the team server with an API key: synchronous (the cmdlets are), bounded in time, and every
/// failure a StackOps error — the server's own (PermissionDenied, ConcurrentChange, ...) with its
/// id and message, or ServerUnreachable when there is no answer. The key is sent only in the
/// Authorization header and never appears in a message.
/// </summary>
public sealed class ServerClient : IDisposable
{
    private readonly HttpClient _http;

    public ServerClient(Uri server, string apiKey, TimeSpan? timeout = null, HttpMessageHandler? handler = null)
    {
        Server = new Uri(server.AbsoluteUri.TrimEnd('/') + "/");
        Secrets.SecretMasker.Shared.Register(apiKey);
        _http = new HttpClient(handler ?? new SocketsHttpHandler(), disposeHandler: handler is null) { BaseAddress = Server, Timeout = timeout ?? TimeSpan.FromSeconds(30) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("StackOps", typeof(ServerClient).Assembly.GetName().Version?.ToString(3)));
    }

    public Uri Server { get; }

    public T Get<T>(string path) => Send<T>(new HttpRequestMessage(HttpMethod.Get, path))!;

    /// <summary>A GET that may find nothing: null on 404.</summary>
    public T? Find<T>(string path) where T : class => Send<T>(new HttpRequestMessage(HttpMethod.Get, path), notFoundIsNull: true);

    public T Post<T>(string path, object body) => Send<T>(new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, body.GetType(), options: ServerJson.Options) })!;

    /// <summary>A DELETE that answers with what it removed (or revoked).</summary>
    public T DeleteReturning<T>(string path) => Send<T>(new HttpRequestMessage(HttpMethod.Delete, path))!;

    public static string Escape(string segment) => Uri.EscapeDataString(segment);

    /// <summary>
    /// A GET of a JSON array, each element given as soon as it has arrived (a listing of thousands
    /// shows its first at once); waiting longer than the time limit for the next one is ServerUnreachable.
    /// </summary>
    public IEnumerable<T> Each<T>(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        using var response = Answer(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode) throw Problem(response);
        using var stream = response.Content.ReadAsStreamAsync().GetAwaiter().GetResult();
        using var stalled = new CancellationTokenSource();
        var items = JsonSerializer.DeserializeAsyncEnumerable<T>(stream, ServerJson.Streamed, stalled.Token).GetAsyncEnumerator(stalled.Token);
        try
        {
            while (true)
            {
                stalled.CancelAfter(_http.Timeout);
                try
                {
                    if (!items.MoveNextAsync().AsTask().GetAwaiter().GetResult()) yield break;
                }
                catch (JsonException e) { throw Invalid(request, e); }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException) { throw Unreachable(e, cutOff: true); }
                yield return items.Current ?? throw Invalid(request, new JsonException("An element of the array is null."));
            }
        }
        finally { items.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
    }

    private T? Send<T>(HttpRequestMessage request, bool notFoundIsNull = false)
    {
        using (request)
        using (var response = Answer(request, HttpCompletionOption.ResponseContentRead))
        {
            if (response.StatusCode == HttpStatusCode.NotFound && notFoundIsNull && !IsProblem(response)) return default;
            if (!response.IsSuccessStatusCode) throw Problem(response);
            if (typeof(T) == typeof(object) || response.StatusCode == HttpStatusCode.NoContent) return default;
            using var stream = response.Content.ReadAsStreamAsync().GetAwaiter().GetResult();
            try { return JsonSerializer.Deserialize<T>(stream, ServerJson.Options); }
            catch (JsonException e) { throw Invalid(request, e); }
        }
    }

    private HttpResponseMessage Answer(HttpRequestMessage request, HttpCompletionOption completion)
    {
        // Synchronous for the cmdlets; through SendAsync, which every handler supports (the PowerShell pipeline has no synchronization context to deadlock on).
        try { return _http.SendAsync(request, completion).GetAwaiter().GetResult(); }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException) { throw Unreachable(e, cutOff: false); }
    }

    private StackOpsException Unreachable(Exception e, bool cutOff) =>
        new("ServerUnreachable", ErrorKind.ResourceBusy,
            cutOff
                ? $"The StackOps server at {Server} stopped in the middle of its answer ({(e is OperationCanceledException ? $"nothing more within {_http.Timeout.TotalSeconds:0} seconds" : e.Message.TrimEnd('.'))}). Check that it runs (Get-StackServer), then retry: nothing was changed by this call."
                : $"The StackOps server at {Server} did not answer ({(e is TaskCanceledException ? $"no answer within {_http.Timeout.TotalSeconds:0} seconds" : e.Message.TrimEnd('.'))}). Check that it runs and that the address is right (Get-StackServer), then retry: nothing was changed by this call.",
            Server.ToString(), e);

    private StackOpsException Invalid(HttpRequestMessage request, JsonException e) =>
        new("ServerAnswerInvalid", ErrorKind.InvalidData,
            $"The StackOps server at {Server} answered {request.RequestUri} with something that is not its API ({e.Message.Split('.')[0]}). Check that the address is a StackOps server of this version.", Server.ToString(), e);

    private static bool IsProblem(HttpResponseMessage response) => response.Content.Headers.ContentType?.MediaType == "application/problem+json";

    private StackOpsException Problem(HttpResponseMessage response)
    {
        try
        {
            using var stream = response.Content.ReadAsStreamAsync().GetAwaiter().GetResult();
            if (JsonSerializer.Deserialize<ProblemBody>(stream, ServerJson.Options) is { ErrorId: { Length: > 0 } id, Message: { } message } problem)
                return new StackOpsException(id, Enum.TryParse<ErrorKind>(problem.Kind, out var kind) ? kind : ErrorKind.InvalidOperation, message, problem.Target);
        }
        catch (JsonException) { }
        return new StackOpsException("ServerAnswerInvalid", ErrorKind.InvalidOperation,
            $"The StackOps server at {Server} answered {(int)response.StatusCode} {response.ReasonPhrase} without saying why. Check that the address is a StackOps server (Get-StackServer).", Server.ToString());
    }

    public void Dispose() => _http.Dispose();
}
