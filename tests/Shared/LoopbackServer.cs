using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace StackOps.Tests.Shared;

/// <summary>One request as the server saw it.</summary>
public sealed record RecordedRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, string Body, X509Certificate2? ClientCertificate);

/// <summary>
/// A Kestrel server on 127.0.0.1 (a free port) that speaks whatever protocol the test maps, over
/// HTTP or HTTPS (optionally asking for a client certificate), and records every request. It
/// stops on Dispose, and by itself after ten minutes whatever happens.
/// </summary>
public sealed class LoopbackServer : IDisposable
{
    private readonly WebApplication _app;
    private readonly List<RecordedRequest> _requests = [];
    private readonly Timer _deadline;

    public LoopbackServer(Action<WebApplication> map, X509Certificate2? certificate = null, bool askClientCertificate = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (certificate is null) return;
            listen.UseHttps(https =>
            {
                https.ServerCertificate = certificate;
                if (!askClientCertificate) return;
                https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                https.AllowAnyClientCertificate();
            });
        }));
        _app = builder.Build();
        _app.Use(async (context, next) =>
        {
            context.Request.EnableBuffering();
            var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
            context.Request.Body.Position = 0;
            lock (_requests)
                _requests.Add(new RecordedRequest(context.Request.Method, context.Request.Path, context.Request.QueryString.Value ?? "",
                    context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body,
                    context.Connection.ClientCertificate));
            await next();
        });
        map(_app);
        _app.StartAsync().GetAwaiter().GetResult();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1").TrimEnd('/') + "/");
        _deadline = new Timer(_ => Dispose(), null, TimeSpan.FromMinutes(10), Timeout.InfiniteTimeSpan);
    }

    public Uri BaseAddress { get; }
    public string HostAndPort => $"{BaseAddress.Host}:{BaseAddress.Port}";

    public IReadOnlyList<RecordedRequest> Requests
    {
        get { lock (_requests) return _requests.ToList(); }
    }

    public void Dispose()
    {
        _deadline.Dispose();
        _app.StopAsync().GetAwaiter().GetResult();
        ((IDisposable)_app).Dispose();
    }
}
