using StackOps.Abstractions;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using StackOps.Core.Errors;
using StackOps.Core.GitHub;

namespace StackOps.Core.Connectors;

/// <summary>
/// The OpenID Connect token a keyless connector trades with its cloud for short-lived credentials:
/// the GitHub Actions job's token, asked of the runner for the cloud's audience, or where there is no
/// job (a team server in a cluster) the token in the file $env:STACKOPS_OIDC_TOKEN_FILE names, which
/// the operator mounts (a projected service account token). Before anything is sent to the cloud
/// the token's claims are checked against what the connector expects (its subject, the audience,
/// the expiry), and the cloud endpoint must be the cloud's own or this machine: the token is this
/// job's identity, and a connector document edited to point elsewhere must not hand it out.
/// </summary>
internal static class FederatedToken
{
    public const string TokenFileVariable = "STACKOPS_OIDC_TOKEN_FILE";
    private static readonly TimeSpan Skew = TimeSpan.FromSeconds(30);

    /// <summary>The token for <paramref name="audience"/>, its claims checked, once every endpoint it will be sent to is allowed.</summary>
    public static async Task<string> ForAsync(ConnectorContext session, string audience, string cloud, IReadOnlyList<string> domains,
        IEnumerable<string?> endpoints, CancellationToken cancellation)
    {
        foreach (var endpoint in endpoints.OfType<string>()) EnsureEndpoint(session, endpoint, cloud, domains);
        var connector = session.Name;
        string token, source;
        if (Environment.GetEnvironmentVariable(TokenFileVariable) is { Length: > 0 } file)
            (token, source) = (ReadFile(connector, file), $"the token file {file}");
        else
            (token, source) = (await ActionsIdToken.RequestAsync(audience, ", or run it where $env:" + TokenFileVariable + " names a token file", session.Timeout, cancellation)
                ?? throw new StackOpsException("FederatedTokenUnavailable", ErrorKind.InvalidOperation,
                    $"Service connector '{connector}' signs in with the OIDC token of a GitHub Actions job, and this session has none. Use it in a job granted 'permissions: id-token: write' (where Test-ServiceConnector {connector} checks it), or on a server whose $env:{TokenFileVariable} names a token file. To register it elsewhere, add -SkipVerification.", connector),
                "this job's token");
        Check(session, token, audience, source);
        return token;
    }

    /// <summary>A cloud endpoint the token may go to: https on one of the cloud's domains, or this machine (an emulator, a test double).</summary>
    public static void EnsureEndpoint(ConnectorContext session, string endpoint, string cloud, IReadOnlyList<string> domains)
    {
        if (Uri.TryCreate(endpoint, UriKind.Absolute, out var uri)
            && (uri.IsLoopback || uri.Scheme == "https" && domains.Any(d => uri.Host.Equals(d, StringComparison.OrdinalIgnoreCase) || uri.Host.EndsWith("." + d, StringComparison.OrdinalIgnoreCase))))
            return;
        throw new StackOpsException("FederatedEndpointRefused", ErrorKind.SecurityError,
            $"Service connector '{session.Name}' would send this job's identity token to '{Fail.Printable(endpoint)}', which is not {cloud} (https://*.{string.Join(", https://*.", domains)}) or this machine. Remove the endpoint with Set-ServiceConnector {session.Name}, or give {cloud}'s own.", session.Name);
    }

    private static string ReadFile(string connector, string file)
    {
        try
        {
            var info = new FileInfo(file);
            if (info.Length > 64 * 1024) throw new IOException("larger than 64 KiB");
            var token = File.ReadAllText(file).Trim();
            Secrets.SecretMasker.Shared.Register(token);
            return token;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new StackOpsException("FederatedTokenUnavailable", ErrorKind.InvalidOperation,
                $"Service connector '{connector}' signs in with the OIDC token in $env:{TokenFileVariable} ({Fail.Printable(file)}), which cannot be read: {e.Message}", connector, e);
        }
    }

    /// <summary>The checks the cloud will make, made first, so that a wrong job or a stale file is a clear error rather than the cloud's AccessDenied.</summary>
    private static void Check(ConnectorContext session, string token, string audience, string source)
    {
        var connector = session.Name;
        JsonElement claims;
        try
        {
            var parts = token.Split('.');
            if (parts.Length != 3) throw new FormatException();
            claims = JsonDocument.Parse(Base64Url(parts[1])).RootElement.Clone();
            if (claims.ValueKind != JsonValueKind.Object) throw new FormatException();
        }
        catch (Exception e) when (e is FormatException or JsonException or ArgumentException)
        {
            throw new StackOpsException("FederatedTokenInvalid", ErrorKind.InvalidData,
                $"Service connector '{connector}' got {source}, which is not a JSON Web Token. Check where $env:{TokenFileVariable} points.", connector);
        }
        if (!claims.TryGetProperty("exp", out var exp) || exp.ValueKind != JsonValueKind.Number
            || DateTimeOffset.FromUnixTimeSeconds(exp.GetInt64()) <= DateTimeOffset.UtcNow + Skew)
            throw new StackOpsException("FederatedTokenExpired", ErrorKind.InvalidOperation,
                $"Service connector '{connector}' got {source}, which has expired. Tokens live minutes: ask again (a token file must be refreshed by what mounts it).", connector);
        var audiences = !claims.TryGetProperty("aud", out var aud) ? []
            : aud.ValueKind == JsonValueKind.Array ? aud.EnumerateArray().Select(a => a.ToString()).ToList() : [aud.ToString()];
        if (!audiences.Contains(audience, StringComparer.Ordinal))
            throw new StackOpsException("FederatedAudienceMismatch", ErrorKind.SecurityError,
                $"Service connector '{connector}' needs a token for the audience '{audience}'; {source} is for '{Fail.Printable(string.Join("', '", audiences))}'. Issue the token for '{audience}', or set the connector's audience to the one its cloud trusts.", connector);
        var subject = claims.TryGetProperty("sub", out var sub) ? sub.ToString() : "";
        var expected = session.Required("subject");
        if (!SubjectMatches(expected, subject))
            throw new StackOpsException("FederatedSubjectMismatch", ErrorKind.SecurityError,
                $"Service connector '{connector}' is for tokens whose subject is '{expected}'; {source} is for '{Fail.Printable(subject)}'. Use it from the job the connector names (its repository and environment), or use the connector of this job's environment.", connector);
    }

    /// <summary>A subject pattern as the clouds' trust conditions write them: * matches any run of characters (AWS's StringLike).</summary>
    internal static bool SubjectMatches(string pattern, string subject) =>
        Regex.IsMatch(subject, "^" + Regex.Escape(pattern).Replace(@"\*", ".*") + "$", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);

    private static byte[] Base64Url(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded + new string('=', (4 - padded.Length % 4) % 4));
    }
}
