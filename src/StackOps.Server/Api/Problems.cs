using System.Data.Common;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using StackOps.Core.Errors;
using StackOps.Core.Store.Remote;

namespace StackOps.Server.Api;

/// <summary>
/// Every failure answers with a JSON body the client turns back into the same StackOps error:
/// its id, its kind, a message that says what to do, and what it is about. A database that does
/// not answer is DatabaseUnavailable (503); a body too large, RequestTooLarge (413); anything
/// unexpected, ServerError (500), logged with its details and answered without them.
/// </summary>
public static class Problems
{
    public const string ContentType = "application/problem+json";

    public static int StatusOf(StackOpsException error) => error.ErrorId switch
    {
        "Unauthenticated" or "ApiKeyExpired" or "ApiKeyRevoked" or "OidcTokenInvalid" or "OidcTokenExpired" or "OidcAudienceMismatch" or "OidcSignatureInvalid"
            or "OidcIssuerUntrusted" or "OidcNoTrustPolicy" => StatusCodes.Status401Unauthorized,
        "ConcurrentChange" => StatusCodes.Status409Conflict,
        "RequestTooLarge" => StatusCodes.Status413PayloadTooLarge,
        _ => error.Kind switch
        {
            ErrorKind.NotFound => StatusCodes.Status404NotFound,
            ErrorKind.AlreadyExists => StatusCodes.Status409Conflict,
            ErrorKind.InvalidArgument or ErrorKind.InvalidData => StatusCodes.Status400BadRequest,
            ErrorKind.SecurityError => StatusCodes.Status403Forbidden,
            ErrorKind.ResourceBusy => StatusCodes.Status503ServiceUnavailable,
            _ => StatusCodes.Status409Conflict,
        },
    };

    public static IResult Result(StackOpsException error) =>
        Results.Json(Body(error), ServerJson.Options, ContentType, StatusOf(error));

    public static ProblemBody Body(StackOpsException error) =>
        new(error.ErrorId, error.Kind.ToString(), error.Message, error.Target switch { string text => text, null => null, var other => other.ToString() });

    public static Task Write(HttpContext context, StackOpsException error)
    {
        context.Response.StatusCode = StatusOf(error);
        context.Response.ContentType = ContentType;
        return context.Response.WriteAsync(JsonSerializer.Serialize(Body(error), ServerJson.Options));
    }

    /// <summary>What an exception that reached the top of a request means for the caller.</summary>
    public static StackOpsException Translate(Exception exception) => exception switch
    {
        StackOpsException stackOps => stackOps,
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => new StackOpsException("RequestTooLarge", ErrorKind.InvalidArgument,
            "The request is larger than this server accepts. Send fewer or smaller documents per change (a document is at most 1 MiB)."),
        BadHttpRequestException or JsonException => new StackOpsException("InvalidRequest", ErrorKind.InvalidArgument,
            $"The request is not what this API expects ({exception.Message.Split('\n')[0].TrimEnd('.')}). Use the StackOps module of the server's version, or see /openapi/v1.json."),
        DbException or TimeoutException => new StackOpsException("DatabaseUnavailable", ErrorKind.ResourceBusy,
            "The server's database did not answer. Nothing was changed; retry in a moment, and tell the server's operator if it lasts."),
        _ => new StackOpsException("ServerError", ErrorKind.InvalidOperation,
            "The server failed unexpectedly; nothing was changed. Its operator finds the details in the server's log."),
    };

    /// <summary>
    /// Refuses a body larger than the limit before anything reads it, with the same answer on any
    /// host (Kestrel enforces it too; the framework's test host does not).
    /// </summary>
    public static void UseRequestLimit(this WebApplication app, long maxBytes) => app.Use(async (context, next) =>
    {
        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = maxBytes;
        if (context.Request.ContentLength > maxBytes)
        {
            await Write(context, Translate(new BadHttpRequestException("too large", StatusCodes.Status413PayloadTooLarge)));
            return;
        }
        await next(context);
    });

    /// <summary>The last-resort handler: translate, log what the caller does not see, answer with the problem.</summary>
    public static void UseProblems(this WebApplication app) => app.UseExceptionHandler(handler => handler.Run(context =>
    {
        var exception = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        var error = Translate(exception ?? new InvalidOperationException("unknown failure"));
        if (error.ErrorId is "ServerError" or "DatabaseUnavailable")
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("StackOps.Server").LogError(exception, "{Method} {Path} failed", context.Request.Method, context.Request.Path);
        return Write(context, error);
    }));
}
