using StackOps.Core.Errors;
using StackOps.Server.Data;

namespace StackOps.Server.Api;

/// <summary>
/// Every /api request carries an API key, or a CI job's OIDC token (Authorization: Bearer ...); the
/// caller it authenticates is the request's, and a request without a valid one is answered 401 and
/// recorded as a denied login. Health, readiness and the OpenAPI description need neither.
/// </summary>
public static class Authentication
{
    private const string CallerItem = "StackOps.Caller";

    public static Caller Caller(this HttpContext context) =>
        context.Items[CallerItem] as Caller ?? throw new InvalidOperationException("the request was not authenticated");

    public static string? Source(this HttpContext context) => context.Connection.RemoteIpAddress?.ToString();

    public static void UseApiKeys(this WebApplication app) => app.Use(async (context, next) =>
    {
        if (!context.Request.Path.StartsWithSegments("/api"))
        {
            await next(context);
            return;
        }
        var access = context.RequestServices.GetRequiredService<AccessData>();
        var header = context.Request.Headers.Authorization.ToString();
        try
        {
            if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= 7)
                throw new StackOpsException("Unauthenticated", ErrorKind.SecurityError,
                    "This request carries no API key. Run Connect-StackServer <url> (or set $env:STACKOPS_SERVER and $env:STACKOPS_API_KEY); an admin creates keys with New-StackApiKey.");
            var credential = header[7..].Trim();
            if (OidcAuthenticator.IsToken(credential))
                context.Items[CallerItem] = context.RequestServices.GetRequiredService<OidcAuthenticator>().Authenticate(credential, context.Source());
            else
            {
                var caller = access.Authenticate(credential, context.Source());
                access.Touch(caller.KeyId);
                context.Items[CallerItem] = caller;
            }
        }
        catch (StackOpsException denied)
        {
            context.RequestServices.GetRequiredService<AuditLog>().Append(new AuditEvent("(unauthenticated)", "login", null, null, AuditLog.Denied, denied.ErrorId, context.Source(),
                $"{context.Request.Method} {context.Request.Path}"));
            await Problems.Write(context, denied);
            return;
        }
        await next(context);
    });
}
