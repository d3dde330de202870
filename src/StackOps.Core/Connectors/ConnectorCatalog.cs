using StackOps.Core.Flavors;
using StackOps.Core.Validation;

namespace StackOps.Core.Connectors;

/// <summary>A kind of resource a connector reaches, with the form of its canonical ids (ZenML's).</summary>
public sealed class ConnectorResourceType
{
    internal ConnectorResourceType(string name, string description, bool supportsInstances, string idFormat, Func<string, string>? canonicalize = null)
    {
        Name = name;
        Description = description;
        SupportsInstances = supportsInstances;
        IdFormat = idFormat;
        Canonicalize = canonicalize ?? (id => id.Trim());
    }

    public string Name { get; }
    public string Description { get; }
    /// <summary>Whether there are several resources of this type (buckets, clusters) told apart by id.</summary>
    public bool SupportsInstances { get; }
    /// <summary>What an id looks like, for messages and help.</summary>
    public string IdFormat { get; }
    internal Func<string, string> Canonicalize { get; }

    /// <summary>The resource type as providers see it.</summary>
    internal Abstractions.ResourceTypeDefinition Definition => new(Name, Description, SupportsInstances, IdFormat);

    public override string ToString() => Name;
}

/// <summary>How a connector authenticates: its configuration schema (secret fields marked) and the lifetime of what it issues.</summary>
public sealed class ConnectorAuthMethod
{
    internal ConnectorAuthMethod(string name, string description, IReadOnlyList<ConfigurationField> fields, bool isImplicit = false,
        bool expires = false, TimeSpan? minimumLifetime = null, TimeSpan? maximumLifetime = null, TimeSpan? defaultLifetime = null)
    {
        Name = name;
        Description = description;
        Fields = fields;
        IsImplicit = isImplicit;
        Expires = expires;
        MinimumLifetime = minimumLifetime;
        MaximumLifetime = maximumLifetime;
        DefaultLifetime = defaultLifetime;
    }

    public string Name { get; }
    public string Description { get; }
    public IReadOnlyList<ConfigurationField> Fields { get; }
    /// <summary>Uses the ambient credentials of the machine (refused unless $env:STACKOPS_ALLOW_IMPLICIT_AUTH is set).</summary>
    public bool IsImplicit { get; }
    /// <summary>The credentials given are themselves temporary: the connector takes -ExpiresAt.</summary>
    public bool Expires { get; }
    /// <summary>For methods that issue temporary credentials: the bounds and default of their lifetime.</summary>
    public TimeSpan? MinimumLifetime { get; }
    public TimeSpan? MaximumLifetime { get; }
    public TimeSpan? DefaultLifetime { get; }
    public bool IssuesTemporaryCredentials => DefaultLifetime is not null;

    public ConfigurationSchema SchemaFor(ConnectorType type) =>
        new(Fields, $"the {type.Name} connector's '{Name}' authentication", $"Run Get-ServiceConnectorType {type.Name} to see its auth methods and their fields.");

    public override string ToString() => Name;
}

public sealed class ConnectorType
{
    internal ConnectorType(string name, string description, IReadOnlyList<ConnectorAuthMethod> authMethods, IReadOnlyList<ConnectorResourceType> resourceTypes,
        string? integration = null)
    {
        Name = name;
        Description = description;
        AuthMethods = authMethods;
        ResourceTypes = resourceTypes;
        Integration = integration;
    }

    public string Name { get; }
    public string Description { get; }
    /// <summary>The integration that adds it; null for the built-in types.</summary>
    public string? Integration { get; }
    public IReadOnlyList<ConnectorAuthMethod> AuthMethods { get; }
    public IReadOnlyList<ConnectorResourceType> ResourceTypes { get; }

    public ConnectorAuthMethod? AuthMethod(string name) => AuthMethods.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));
    public ConnectorResourceType? ResourceType(string name) => ResourceTypes.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));

    public override string ToString() => Name;
}

/// <summary>The connector types StackOps knows, modelled on ZenML's service connectors.</summary>
public static class ConnectorCatalog
{
    public const string DockerRegistry = "docker-registry";
    public const string KubernetesCluster = "kubernetes-cluster";

    public const string GoogleStsTokenUrl = "https://sts.googleapis.com/v1/token", GoogleIamCredentialsUrl = "https://iamcredentials.googleapis.com/";

    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    public static IReadOnlyList<ConnectorType> All { get; } = Build();

    public static ConnectorType? Find(string name) => All.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase));

    private static ConfigurationField Clear(string name, string description, bool required = true, FieldType type = FieldType.String, object? defaultValue = null) =>
        new(name, type, required, defaultValue, description, secret: false, clearText: false, []);

    private static ConfigurationField Secret(string name, string description, bool required = true) =>
        new(name, FieldType.String, required, null, description, secret: true, clearText: false, []);

    private static ConfigurationField Authority() =>
        Clear("certificate_authority", "PEM certificate(s) of the authority that signed the endpoint's TLS certificate, for private endpoints.", required: false);

    /// <summary>host[:port], as Docker names registries: https://ghcr.io/ → ghcr.io.</summary>
    internal static string RegistryHost(string id)
    {
        var trimmed = id.Trim();
        var scheme = trimmed.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0) trimmed = trimmed[(scheme + 3)..];
        return trimmed.Split('/')[0].ToLowerInvariant();
    }

    private static Func<string, string> Prefixed(string prefix) => id =>
    {
        var trimmed = id.Trim().TrimEnd('/');
        var name = trimmed.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? trimmed[prefix.Length..] : trimmed;
        return prefix + name.Split('/')[0];
    };

    private static IReadOnlyList<ConnectorType> Build()
    {
        var registry = new ConnectorResourceType(DockerRegistry, "A container registry (OCI distribution API).", true, "registry host[:port], e.g. ghcr.io or 127.0.0.1:5000", RegistryHost);
        var kubernetes = new ConnectorResourceType(KubernetesCluster, "A Kubernetes cluster's API server.", true, "the cluster's name");
        var kubernetesCommon = new[]
        {
            Clear("server", "URL of the cluster's API server, e.g. https://10.0.0.1:6443."),
            Authority(),
            Clear("cluster_name", "The cluster's name: the resource id and the kubeconfig context name. Defaults to the server's host.", required: false),
        };
        var awsEndpoint = Clear("endpoint_url", "An endpoint for the AWS APIs other than AWS's own (a private endpoint, or a test double).", required: false);
        var awsKeys = new[] { Clear("region", "AWS region, e.g. eu-west-1."), Secret("aws_access_key_id", "Access key id."), Secret("aws_secret_access_key", "Secret access key."), awsEndpoint };
        var subject = Clear("subject", "The subject the job's OIDC token must have, as the cloud's trust condition names it: repo:OWNER/REPO:environment:NAME (* matches any text).");
        var azureCommon = new[]
        {
            Clear("subscription_id", "The Azure subscription: the azure-generic resource id.", required: false),
            Clear("authority_host", "The Microsoft Entra ID authority, for sovereign clouds (default https://login.microsoftonline.com).", required: false),
            Authority(),
        };
        return
        [
            new("docker", "A container registry with user name and password (Docker Hub, GHCR, a private registry).",
            [
                new("password", "User name and password (or access token) of the registry.",
                    [Clear("username", "User name."), Secret("password", "Password or access token."), Authority()]),
            ],
            [registry]),

            new("kubernetes", "A Kubernetes cluster, by its API server.",
            [
                new("password", "User name and password (basic authentication).", [.. kubernetesCommon, Clear("username", "User name."), Secret("password", "Password.")]),
                new("token", "A bearer token (a service account token).", [.. kubernetesCommon, Secret("token", "Bearer token.")], expires: true),
                new("client-certificate", "A client certificate and its private key.",
                    [.. kubernetesCommon, Clear("client_certificate", "The client certificate (PEM)."), Secret("client_key", "The client certificate's private key (PEM).")]),
            ],
            [kubernetes]),

            new("github", "GitHub or GitHub Enterprise Server: repositories and the GitHub container registry.",
            [
                new("token", "A personal access token or fine-grained token.",
                    [Secret("token", "The token."), Clear("api_url", "The REST API's base URL; default $env:GITHUB_API_URL, else https://api.github.com.", required: false), Authority()],
                    expires: true),
                new("github-app", "A GitHub App: its id and private key give installation access tokens (one hour).",
                    [
                        Clear("app_id", "The App's id."), Secret("private_key", "The App's private key (PEM)."),
                        Clear("installation_id", "The installation to issue tokens for; default the App's only installation.", required: false, type: FieldType.Integer),
                        Clear("api_url", "The REST API's base URL; default $env:GITHUB_API_URL, else https://api.github.com.", required: false), Authority(),
                    ],
                    minimumLifetime: Hour, maximumLifetime: Hour, defaultLifetime: Hour),
            ],
            [
                new("github-repository", "A GitHub repository.", true, "owner/repository", id => id.Trim().Trim('/').ToLowerInvariant()),
                new("container-registry", "The GitHub container registry.", true, "ghcr.io (or the Enterprise Server's container host)", RegistryHost),
            ]),

            new("aws", "Amazon Web Services: S3, ECR, EKS and the AWS APIs.",
            [
                new("secret-key", "A long-lived access key.", awsKeys),
                new("sts-token", "Temporary credentials from STS, given with their expiry.", [.. awsKeys, Secret("aws_session_token", "The session token.")], expires: true),
                new("iam-role", "An access key that assumes an IAM role; components get the role's temporary credentials.",
                    [.. awsKeys, Clear("role_arn", "ARN of the role to assume."), Clear("external_id", "External id the role's trust policy requires.", required: false)],
                    minimumLifetime: TimeSpan.FromMinutes(15), maximumLifetime: TimeSpan.FromHours(12), defaultLifetime: Hour),
                new("session-token", "An access key exchanged for session tokens (GetSessionToken).", awsKeys,
                    minimumLifetime: TimeSpan.FromMinutes(15), maximumLifetime: TimeSpan.FromHours(36), defaultLifetime: TimeSpan.FromHours(12)),
                new("web-identity", "Keyless: the GitHub Actions job's OIDC token assumes an IAM role (AssumeRoleWithWebIdentity); no access key exists.",
                    [Clear("region", "AWS region, e.g. eu-west-1."), Clear("role_arn", "ARN of the role whose trust policy names GitHub's OIDC provider."), subject,
                        Clear("audience", "The token's audience the role's trust policy requires.", required: false, defaultValue: "sts.amazonaws.com"), awsEndpoint],
                    minimumLifetime: TimeSpan.FromMinutes(15), maximumLifetime: TimeSpan.FromHours(12), defaultLifetime: Hour),
                new("implicit", "The machine's ambient AWS credentials (environment, profile, instance role).",
                    [Clear("region", "AWS region, e.g. eu-west-1."), awsEndpoint], isImplicit: true),
            ],
            [
                new("aws-generic", "The AWS APIs of an account and region.", false, "the region"),
                new("s3-bucket", "An S3 bucket.", true, "s3://bucket-name", Prefixed("s3://")),
                new(DockerRegistry, "An ECR registry.", true, "ACCOUNT.dkr.ecr.REGION.amazonaws.com", RegistryHost),
                new(KubernetesCluster, "An EKS cluster.", true, "the cluster's name"),
            ]),

            new("azure", "Microsoft Azure: Blob Storage, ACR, AKS and the Azure APIs.",
            [
                new("service-principal", "A service principal's client secret (client credentials flow).",
                    [Clear("tenant_id", "The Microsoft Entra tenant."), Clear("client_id", "The application (client) id."), Secret("client_secret", "The client secret."), .. azureCommon],
                    minimumLifetime: TimeSpan.FromMinutes(5), maximumLifetime: TimeSpan.FromHours(24), defaultLifetime: Hour),
                new("federated-identity", "Keyless: the GitHub Actions job's OIDC token is the client assertion of an app or managed identity with a federated credential.",
                    [Clear("tenant_id", "The Microsoft Entra tenant."), Clear("client_id", "The application (client) id of the app or user-assigned identity."), subject,
                        Clear("audience", "The token's audience the federated credential requires.", required: false, defaultValue: "api://AzureADTokenExchange"), .. azureCommon],
                    minimumLifetime: TimeSpan.FromMinutes(5), maximumLifetime: TimeSpan.FromHours(24), defaultLifetime: Hour),
                new("access-token", "An access token, given with its expiry.", [Secret("token", "The access token."), .. azureCommon], expires: true),
                new("implicit", "The machine's ambient Azure credentials (environment, managed identity, Azure CLI).", azureCommon, isImplicit: true),
            ],
            [
                new("azure-generic", "The Azure APIs of a subscription.", false, "the subscription id"),
                new("blob-container", "A Blob Storage container.", true, "az://container-name", Prefixed("az://")),
                new(DockerRegistry, "An Azure container registry.", true, "NAME.azurecr.io", RegistryHost),
                new(KubernetesCluster, "An AKS cluster.", true, "RESOURCE_GROUP/CLUSTER"),
            ]),

            new("gcp", "Google Cloud: GCS, Artifact Registry, GKE and the Google Cloud APIs.",
            [
                new("service-account", "A service account key (JSON): its private key signs OAuth 2.0 token requests.",
                    [Secret("service_account_json", "The service account key file's content (JSON)."), Clear("project_id", "The project; default the key's project.", required: false)],
                    minimumLifetime: TimeSpan.FromMinutes(5), maximumLifetime: Hour, defaultLifetime: Hour),
                new("workload-identity", "Keyless: the GitHub Actions job's OIDC token is exchanged at Google's STS (workload identity federation), then impersonates a service account.",
                    [
                        Clear("workload_identity_provider", "The provider: projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER."),
                        Clear("service_account", "The service account to impersonate (its email); without one, the federated token is used directly.", required: false),
                        Clear("project_id", "The project."), subject,
                        Clear("token_url", "Google's STS token endpoint, for private endpoints.", required: false, defaultValue: GoogleStsTokenUrl),
                        Clear("iam_credentials_url", "The IAM Credentials API, for private endpoints.", required: false, defaultValue: GoogleIamCredentialsUrl),
                    ],
                    minimumLifetime: Hour, maximumLifetime: Hour, defaultLifetime: Hour),
                new("oauth2-token", "An OAuth 2.0 access token, given with its expiry.", [Secret("token", "The access token."), Clear("project_id", "The project.")], expires: true),
                new("implicit", "The machine's application default credentials.", [Clear("project_id", "The project.")], isImplicit: true),
            ],
            [
                new("gcp-generic", "The Google Cloud APIs of a project.", false, "the project id"),
                new("gcs-bucket", "A GCS bucket.", true, "gs://bucket-name", Prefixed("gs://")),
                new(DockerRegistry, "An Artifact Registry or Container Registry host.", true, "REGION-docker.pkg.dev or gcr.io", RegistryHost),
                new(KubernetesCluster, "A GKE cluster.", true, "the cluster's name"),
            ]),
        ];
    }
}
