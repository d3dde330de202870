using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace StackOps.Tests.Shared;

/// <summary>A private certificate authority with a server certificate for 127.0.0.1 and a client certificate, as PEM and as certificates.</summary>
public sealed class TestCertificates
{
    public TestCertificates(string clientName = "stackops-client")
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=StackOps Test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        Authority = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        AuthorityPem = Authority.ExportCertificatePem();

        Server = Issue("CN=127.0.0.1", server: true, out _);
        Client = Issue($"CN={clientName}", server: false, out var clientKeyPem);
        ClientCertificatePem = Client.ExportCertificatePem();
        ClientKeyPem = clientKeyPem;
    }

    public X509Certificate2 Authority { get; }
    public string AuthorityPem { get; }
    /// <summary>For 127.0.0.1, with its private key, signed by <see cref="Authority"/>.</summary>
    public X509Certificate2 Server { get; }
    public X509Certificate2 Client { get; }
    public string ClientCertificatePem { get; }
    public string ClientKeyPem { get; }

    private X509Certificate2 Issue(string subject, bool server, out string keyPem)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
        }
        var serial = RandomNumberGenerator.GetBytes(12);
        using var signed = request.Create(Authority, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(29), serial);
        keyPem = key.ExportPkcs8PrivateKeyPem();
        // Kestrel on Linux needs the key in an exportable form: round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(signed.CopyWithPrivateKey(key).Export(X509ContentType.Pkcs12), null);
    }
}
