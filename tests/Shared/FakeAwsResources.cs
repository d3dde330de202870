using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace StackOps.Tests.Shared;

/// <summary>
/// The account's resources as S3 (path-style), IAM (query API) and ECR (JSON 1.1) keep them, with
/// the answers and error codes those services give, so that Terraform's AWS provider can create,
/// read and destroy buckets (with their sub-resources), roles (with inline policies) and repositories.
/// </summary>
public sealed partial class FakeAws
{
    private const string S3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";
    private const string IamNamespace = "https://iam.amazonaws.com/doc/2010-05-08/";
    private readonly object _state = new();
    private readonly Dictionary<string, Dictionary<string, string>> _buckets = new() { ["ml-staging"] = [], ["ml-production"] = [] };
    private readonly Dictionary<string, SortedDictionary<string, long>> _objects = [];
    private readonly Dictionary<string, (string TrustPolicy, Dictionary<string, string> Policies, DateTime Created, Dictionary<string, string> Tags)> _roles = [];
    private readonly Dictionary<string, JsonObject> _repositories = [];
    private readonly Dictionary<string, JsonArray> _repositoryTags = [];

    /// <summary>Where repositories say their images live (repositoryUri); ECR's own host by default.</summary>
    public string RegistryHost { get; set; } = $"{Account}.dkr.ecr.eu-west-1.amazonaws.com";

    public IReadOnlyList<string> Buckets { get { lock (_state) return _buckets.Keys.Order(StringComparer.Ordinal).ToList(); } }

    /// <summary>Puts an object of a size into a bucket (its content is not kept).</summary>
    public void PutObject(string bucket, string key, long size)
    {
        lock (_state)
        {
            if (!_objects.TryGetValue(bucket, out var objects)) _objects[bucket] = objects = new(StringComparer.Ordinal);
            objects[key] = size;
        }
    }

    /// <summary>ListObjectsV2 of a bucket: the keys under the prefix, those past the delimiter rolled up into common prefixes.</summary>
    private string ListObjects(string bucket, IQueryCollection query)
    {
        var prefix = query["prefix"].ToString();
        var delimiter = query["delimiter"].ToString();
        var keys = _objects.GetValueOrDefault(bucket)?.Where(o => o.Key.StartsWith(prefix, StringComparison.Ordinal)).ToList() ?? [];
        var folders = new SortedSet<string>(StringComparer.Ordinal);
        var files = new List<KeyValuePair<string, long>>();
        foreach (var item in keys)
        {
            var cut = delimiter.Length == 0 ? -1 : item.Key.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal);
            if (cut >= 0) folders.Add(item.Key[..(cut + delimiter.Length)]);
            else files.Add(item);
        }
        var contents = string.Concat(files.Select(f => $"<Contents><Key>{f.Key}</Key><LastModified>2026-11-30T12:00:00.000Z</LastModified><Size>{f.Value}</Size><StorageClass>STANDARD</StorageClass></Contents>"));
        var common = string.Concat(folders.Select(f => $"<CommonPrefixes><Prefix>{f}</Prefix></CommonPrefixes>"));
        return $"""<ListBucketResult xmlns="{S3Namespace}"><Name>{bucket}</Name><Prefix>{prefix}</Prefix><KeyCount>{files.Count + folders.Count}</KeyCount><MaxKeys>1000</MaxKeys><Delimiter>{delimiter}</Delimiter><IsTruncated>false</IsTruncated>{contents}{common}</ListBucketResult>""";
    }
    public IReadOnlyList<string> Roles { get { lock (_state) return _roles.Keys.Order(StringComparer.Ordinal).ToList(); } }
    public IReadOnlyList<string> Repositories { get { lock (_state) return _repositories.Keys.Order(StringComparer.Ordinal).ToList(); } }

    /// <summary>A sub-resource of a bucket (?versioning, ?encryption...) as PUT stored it.</summary>
    public string? BucketSetting(string bucket, string subresource)
    {
        lock (_state) return _buckets.GetValueOrDefault(bucket)?.GetValueOrDefault(subresource);
    }

    /// <summary>A role's trust policy and inline policies, as JSON.</summary>
    public (string TrustPolicy, IReadOnlyDictionary<string, string> Policies) Role(string name)
    {
        lock (_state) return (_roles[name].TrustPolicy, new Dictionary<string, string>(_roles[name].Policies));
    }

    public JsonObject Repository(string name)
    {
        lock (_state) return (JsonObject)_repositories[name].DeepClone();
    }

    // ---- S3 ------------------------------------------------------------------------------------

    /// <summary>The sub-resources a bucket has without configuration: their 404 code, or the answer S3 gives.</summary>
    private static readonly Dictionary<string, (string? Missing, string? Default)> BucketSubresources = new()
    {
        ["policy"] = ("NoSuchBucketPolicy", null),
        ["cors"] = ("NoSuchCORSConfiguration", null),
        ["website"] = ("NoSuchWebsiteConfiguration", null),
        ["lifecycle"] = ("NoSuchLifecycleConfiguration", null),
        ["replication"] = ("ReplicationConfigurationNotFoundError", null),
        ["encryption"] = ("ServerSideEncryptionConfigurationNotFoundError", null),
        ["object-lock"] = ("ObjectLockConfigurationNotFoundError", null),
        ["tagging"] = ("NoSuchTagSet", null),
        ["publicAccessBlock"] = ("NoSuchPublicAccessBlockConfiguration", null),
        ["ownershipControls"] = ("OwnershipControlsNotFoundError", null),
        ["versioning"] = (null, $"""<VersioningConfiguration xmlns="{S3Namespace}"/>"""),
        ["accelerate"] = (null, $"""<AccelerateConfiguration xmlns="{S3Namespace}"/>"""),
        ["requestPayment"] = (null, $"""<RequestPaymentConfiguration xmlns="{S3Namespace}"><Payer>BucketOwner</Payer></RequestPaymentConfiguration>"""),
        ["logging"] = (null, $"""<BucketLoggingStatus xmlns="{S3Namespace}"/>"""),
        ["location"] = (null, $"""<LocationConstraint xmlns="{S3Namespace}">eu-west-1</LocationConstraint>"""),
        ["acl"] = (null, $"""<AccessControlPolicy xmlns="{S3Namespace}"><Owner><ID>ci</ID></Owner><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>ci</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>"""),
        ["versions"] = (null, $"""<ListVersionsResult xmlns="{S3Namespace}"><IsTruncated>false</IsTruncated></ListVersionsResult>"""),
        ["list-type"] = (null, $"""<ListBucketResult xmlns="{S3Namespace}"><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>"""),
    };

    private async Task<IResult> S3(HttpContext context)
    {
        var request = context.Request;
        var body = await new StreamReader(request.Body).ReadToEndAsync();
        if (Verify(context, body) is { } refused) return Xml(Error(refused.Message, "s3", refused.Code), 403);
        var bucket = request.Path.Value!.Trim('/').Split('/')[0];
        var subresource = request.Query.Keys.FirstOrDefault(k => BucketSubresources.ContainsKey(k));
        lock (_state)
        {
            lock (Actions) Actions.Add($"s3:{request.Method} {bucket}?{subresource}");
            if (bucket.Length == 0)
                return Xml($"""<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult xmlns="{S3Namespace}"><Owner><ID>ci</ID><DisplayName>ci</DisplayName></Owner><Buckets>{string.Concat(_buckets.Keys.Select(b => $"<Bucket><Name>{b}</Name><CreationDate>2026-01-01T00:00:00.000Z</CreationDate></Bucket>"))}</Buckets></ListAllMyBucketsResult>""", 200);
            var exists = _buckets.TryGetValue(bucket, out var settings);
            if (request.Method == "PUT" && subresource is null)
            {
                if (exists) return Xml(Error("Your previous request to create the named bucket succeeded and you already own it.", "s3", "BucketAlreadyOwnedByYou"), 409);
                _buckets[bucket] = [];
                context.Response.Headers.Location = "/" + bucket;
                return Results.Ok();
            }
            if (!exists) return request.Method == "HEAD" ? Results.StatusCode(404) : Xml(Error("The specified bucket does not exist", "s3", "NoSuchBucket"), 404);
            switch (request.Method, subresource)
            {
                case ("HEAD", null): return Results.Ok();
                case ("GET", "list-type"): return Xml(ListObjects(bucket, request.Query), 200);
                case ("DELETE", null): _buckets.Remove(bucket); return Results.NoContent();
                case ("PUT", _): settings![subresource!] = body; return Results.Ok();
                case ("DELETE", _): settings!.Remove(subresource!); return Results.NoContent();
                case ("GET", { } name) when settings!.TryGetValue(name, out var stored): return Xml(stored, 200);
                case ("GET", { } name) when BucketSubresources[name] is { Missing: { } code }: return Xml(Error($"The {name} configuration does not exist", "s3", code), 404);
                case ("GET", { } name): return Xml(BucketSubresources[name].Default!, 200);
                default: return Xml(Error($"{request.Method} {request.QueryString} is not implemented here", "s3", "NotImplemented"), 501);
            }
        }
    }

    // ---- IAM -----------------------------------------------------------------------------------

    private IResult Iam(string action, IReadOnlyDictionary<string, string> form)
    {
        lock (Actions) Actions.Add("iam:" + action);
        var name = form.GetValueOrDefault("RoleName", "");
        lock (_state)
        {
            if (action != "CreateRole" && !_roles.ContainsKey(name))
                return Xml(IamError($"The role with name {name} cannot be found.", "NoSuchEntity"), 404);
            switch (action)
            {
                case "CreateRole" when _roles.ContainsKey(name):
                    return Xml(IamError($"Role with name {name} already exists.", "EntityAlreadyExists"), 409);
                case "CreateRole":
                    _roles[name] = (form["AssumeRolePolicyDocument"], [], DateTime.UtcNow, QueryTags(form));
                    return IamResult(action, RoleXml(name));
                case "GetRole":
                    return IamResult(action, RoleXml(name));
                case "UpdateAssumeRolePolicy":
                    _roles[name] = _roles[name] with { TrustPolicy = form["PolicyDocument"] };
                    return IamResult(action, "");
                case "PutRolePolicy":
                    _roles[name].Policies[form["PolicyName"]] = form["PolicyDocument"];
                    return IamResult(action, "");
                case "GetRolePolicy" when _roles[name].Policies.TryGetValue(form["PolicyName"], out var document):
                    return IamResult(action, $"<RoleName>{name}</RoleName><PolicyName>{form["PolicyName"]}</PolicyName><PolicyDocument>{WebUtility.UrlEncode(document)}</PolicyDocument>");
                case "GetRolePolicy" or "DeleteRolePolicy" when !_roles[name].Policies.ContainsKey(form["PolicyName"]):
                    return Xml(IamError($"The role policy with name {form["PolicyName"]} cannot be found.", "NoSuchEntity"), 404);
                case "DeleteRolePolicy":
                    _roles[name].Policies.Remove(form["PolicyName"]);
                    return IamResult(action, "");
                case "ListRolePolicies":
                    return IamResult(action, $"<PolicyNames>{string.Concat(_roles[name].Policies.Keys.Select(p => $"<member>{p}</member>"))}</PolicyNames><IsTruncated>false</IsTruncated>");
                case "ListAttachedRolePolicies":
                    return IamResult(action, "<AttachedPolicies/><IsTruncated>false</IsTruncated>");
                case "ListInstanceProfilesForRole":
                    return IamResult(action, "<InstanceProfiles/><IsTruncated>false</IsTruncated>");
                case "ListRoleTags":
                    return IamResult(action, $"{TagsXml(_roles[name].Tags)}<IsTruncated>false</IsTruncated>");
                case "TagRole":
                    foreach (var (key, value) in QueryTags(form)) _roles[name].Tags[key] = value;
                    return IamResult(action, "");
                case "UntagRole":
                    foreach (var key in form.Where(f => f.Key.StartsWith("TagKeys.member.", StringComparison.Ordinal))) _roles[name].Tags.Remove(key.Value);
                    return IamResult(action, "");
                case "DeleteRole" when _roles[name].Policies.Count > 0:
                    return Xml(IamError("Cannot delete entity, must delete policies first.", "DeleteConflict"), 409);
                case "DeleteRole":
                    _roles.Remove(name);
                    return IamResult(action, "");
                default:
                    return Xml(IamError($"Could not find operation {action}", "InvalidAction"), 400);
            }
        }
    }

    private string RoleXml(string name) =>
        $"<Role><Path>/</Path><RoleName>{name}</RoleName><RoleId>AROA{Math.Abs(name.GetHashCode()):D12}</RoleId><Arn>arn:aws:iam::{Account}:role/{name}</Arn><CreateDate>{_roles[name].Created:yyyy-MM-ddTHH:mm:ssZ}</CreateDate><AssumeRolePolicyDocument>{WebUtility.UrlEncode(_roles[name].TrustPolicy)}</AssumeRolePolicyDocument><MaxSessionDuration>3600</MaxSessionDuration><RoleLastUsed/>{TagsXml(_roles[name].Tags)}</Role>";

    /// <summary>Tags.member.N.Key and .Value of a query request.</summary>
    private static Dictionary<string, string> QueryTags(IReadOnlyDictionary<string, string> form) =>
        form.Where(f => f.Key.StartsWith("Tags.member.", StringComparison.Ordinal) && f.Key.EndsWith(".Key", StringComparison.Ordinal))
            .ToDictionary(f => f.Value, f => form.GetValueOrDefault(f.Key[..^4] + ".Value", ""));

    private static string TagsXml(Dictionary<string, string> tags) =>
        $"<Tags>{string.Concat(tags.Select(t => $"<member><Key>{WebUtility.HtmlEncode(t.Key)}</Key><Value>{WebUtility.HtmlEncode(t.Value)}</Value></member>"))}</Tags>";

    private static IResult IamResult(string action, string result) =>
        Xml($"""<{action}Response xmlns="{IamNamespace}"><{action}Result>{result}</{action}Result><ResponseMetadata><RequestId>6</RequestId></ResponseMetadata></{action}Response>""", 200);

    private static string IamError(string message, string code) =>
        $"""<ErrorResponse xmlns="{IamNamespace}"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>7</RequestId></ErrorResponse>""";

    // ---- ECR -----------------------------------------------------------------------------------

    /// <summary>The ECR registry's password a GetAuthorizationToken hands out (user AWS).</summary>
    public const string RegistryPassword = "ecr-test-password-0123456789";

    /// <summary>The login GetAuthorizationToken hands out: ECR's (AWS and a password), or a test registry's.</summary>
    public (string User, string Password) RegistryLogin { get; set; } = ("AWS", RegistryPassword);

    /// <summary>An ECR operation that fails once, as a refused request (InvalidParameterException), the next time it is called.</summary>
    public string? FailNextEcr { get; set; }

    private IResult Ecr(string operation, string body)
    {
        lock (Actions) Actions.Add("ecr:" + operation);
        if (FailNextEcr == operation)
        {
            FailNextEcr = null;
            return Json("InvalidParameterException", "Invalid parameter at 'repositoryName' failed to satisfy constraint (injected by the test)", 400);
        }
        var input = JsonNode.Parse(body.Length == 0 ? "{}" : body)!.AsObject();
        lock (_state)
        {
            switch (operation)
            {
                case "CreateRepository":
                {
                    var name = (string)input["repositoryName"]!;
                    if (_repositories.ContainsKey(name)) return Json("RepositoryAlreadyExistsException", $"The repository with name '{name}' already exists", 400);
                    var repository = new JsonObject
                    {
                        ["repositoryArn"] = $"arn:aws:ecr:eu-west-1:{Account}:repository/{name}", ["registryId"] = Account, ["repositoryName"] = name,
                        ["repositoryUri"] = $"{RegistryHost}/{name}", ["createdAt"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                        ["imageTagMutability"] = input["imageTagMutability"]?.DeepClone() ?? "MUTABLE",
                        ["imageScanningConfiguration"] = input["imageScanningConfiguration"]?.DeepClone() ?? new JsonObject { ["scanOnPush"] = false },
                        ["encryptionConfiguration"] = new JsonObject { ["encryptionType"] = "AES256" },
                    };
                    _repositories[name] = repository;
                    _repositoryTags[(string)repository["repositoryArn"]!] = input["tags"]?.DeepClone().AsArray() ?? [];
                    return Results.Json(new JsonObject { ["repository"] = repository.DeepClone() }, statusCode: 200, contentType: "application/x-amz-json-1.1");
                }
                case "DescribeRepositories":
                {
                    var names = input["repositoryNames"]?.AsArray().Select(n => (string)n!).ToList() ?? _repositories.Keys.ToList();
                    if (names.FirstOrDefault(n => !_repositories.ContainsKey(n)) is { } missing)
                        return Json("RepositoryNotFoundException", $"The repository with name '{missing}' does not exist in the registry with id '{Account}'", 400);
                    return Results.Json(new JsonObject { ["repositories"] = new JsonArray(names.Select(n => (JsonNode)_repositories[n].DeepClone()).ToArray()) }, contentType: "application/x-amz-json-1.1");
                }
                case "ListTagsForResource":
                    return Results.Json(new JsonObject { ["tags"] = _repositoryTags.GetValueOrDefault((string)input["resourceArn"]!)?.DeepClone() ?? new JsonArray() }, contentType: "application/x-amz-json-1.1");
                case "TagResource":
                {
                    var tags = _repositoryTags[(string)input["resourceArn"]!];
                    foreach (var tag in input["tags"]!.AsArray()) tags.Add(tag!.DeepClone());
                    return Results.Json(new JsonObject(), contentType: "application/x-amz-json-1.1");
                }
                case "GetLifecyclePolicy":
                    return Json("LifecyclePolicyNotFoundException", "Lifecycle policy does not exist", 400);
                case "GetRepositoryPolicy":
                    return Json("RepositoryPolicyNotFoundException", "Repository policy does not exist", 400);
                case "DeleteRepository":
                {
                    var name = (string)input["repositoryName"]!;
                    if (!_repositories.Remove(name, out var repository)) return Json("RepositoryNotFoundException", $"The repository with name '{name}' does not exist", 400);
                    return Results.Json(new JsonObject { ["repository"] = repository }, contentType: "application/x-amz-json-1.1");
                }
                case "GetAuthorizationToken":
                    return Results.Json(new JsonObject
                    {
                        ["authorizationData"] = new JsonArray(new JsonObject
                        {
                            ["authorizationToken"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{RegistryLogin.User}:{RegistryLogin.Password}")),
                            ["expiresAt"] = DateTimeOffset.UtcNow.AddHours(12).ToUnixTimeSeconds(), ["proxyEndpoint"] = $"https://{RegistryHost}",
                        }),
                    }, contentType: "application/x-amz-json-1.1");
                default:
                    return Json("UnknownOperationException", $"Unknown operation {operation}", 400);
            }
        }
    }

    private static IResult Json(string type, string message, int status) =>
        Results.Json(new JsonObject { ["__type"] = type, ["message"] = message }, statusCode: status, contentType: "application/x-amz-json-1.1");
}
