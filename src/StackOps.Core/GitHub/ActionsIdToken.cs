using StackOps.Core.Errors;

namespace StackOps.Core.GitHub;

/// <summary>
/// The OIDC token of the GitHub Actions job this process runs in, for one audience, as the runner
/// issues it to a job granted <c>permissions: id-token: write</c> (ACTIONS_ID_TOKEN_REQUEST_URL and
/// ACTIONS_ID_TOKEN_REQUEST_TOKEN). The token and the request token are registered with the masker.
/// </summary>
public static class ActionsIdToken
{
    public const string RequestUrlVariable = "ACTIONS_ID_TOKEN_REQUEST_URL", RequestTokenVariable = "ACTIONS_ID_TOKEN_REQUEST_TOKEN";

    /// <summary>Whether this is a job that may ask for a token.</summary>
    public static bool Available =>
        Environment.GetEnvironmentVariable(RequestUrlVariable) is { Length: > 0 } && Environment.GetEnvironmentVariable(RequestTokenVariable) is { Length: > 0 };

    /// <summary>
    /// The job's token for <paramref name="audience"/>; null outside a job granted id-token: write. A runner
    /// that refuses is OidcTokenUnavailable, whose message ends with what else the caller accepts (<paramref name="otherwise"/>).
    /// </summary>
    public static async Task<string?> RequestAsync(string audience, string otherwise, TimeSpan timeout, CancellationToken cancellation = default)
    {
        if (!Available) return null;
        var url = Environment.GetEnvironmentVariable(RequestUrlVariable)!;
        var bearer = Environment.GetEnvironmentVariable(RequestTokenVariable)!;
        Secrets.SecretMasker.Shared.Register(bearer);
        using var http = new HttpClient { Timeout = timeout };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{url}{(url.Contains('?') ? '&' : '?')}audience={Uri.EscapeDataString(audience)}");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
        try
        {
            using var response = await http.SendAsync(request, cancellation);
            response.EnsureSuccessStatusCode();
            using var document = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellation));
            var token = document.RootElement.GetProperty("value").GetString()!;
            Secrets.SecretMasker.Shared.Register(token);
            return token;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new StackOpsException("OidcTokenUnavailable", ErrorKind.InvalidOperation,
                $"The runner did not give this job an OIDC token ({e.Message.Split('.')[0]}). Grant the job 'permissions: id-token: write'{otherwise}.", url, e);
        }
    }
}
