using StackOps.Core.Errors;
using StackOps.Core.Flavors;
using StackOps.Core.Connectors;
using StackOps.Core.Model;
using StackOps.Core.Pipelines;
using StackOps.Core.Secrets;
using YamlDotNet.RepresentationModel;

namespace StackOps.Core.Yaml;

/// <summary>
/// The document format (apiVersion stackops.io/v1; kinds Stack, StackComponent, Flavor, SecretBackend, ServiceConnector): one
/// place that reads and writes each kind, used by the store, export and import alike.
/// </summary>
public static class DocumentCodec
{
    public const string ApiVersion = "stackops.io/v1";
    public const string StackKind = "Stack";
    public const string ComponentKind = "StackComponent";
    public const string FlavorKind = "Flavor";
    public const string SecretBackendKind = "SecretBackend";
    public const string ConnectorKind = "ServiceConnector";
    public const string PipelineKind = "Pipeline";
    public const string PipelineVersionKind = "PipelineVersion";
    public const string LifecycleKind = "Lifecycle";
    public const string PromotionKind = "Promotion";

    private static readonly string[] Kinds = [StackKind, ComponentKind, FlavorKind, SecretBackendKind, ConnectorKind, PipelineKind, PipelineVersionKind, LifecycleKind, PromotionKind];

    /// <summary>Reads every document of a YAML stream (a file may hold one, an export several).</summary>
    public static IReadOnlyList<object> ReadAll(string text, string source, StoreScope scope = StoreScope.User, string? path = null, bool builtIn = false) =>
        YamlText.Parse(text, source).Select(root => Read(new DocumentReader(source, root), scope, path, builtIn)).ToList();

    /// <summary>Reads a stored file, which holds exactly one document.</summary>
    public static T ReadOne<T>(string text, string source, StoreScope scope, string path) where T : class
    {
        var documents = ReadAll(text, source, scope, path);
        if (documents.Count != 1)
            throw new StackOpsException("InvalidDocument", ErrorKind.InvalidData, $"{source}: a stored file must hold exactly one document, it holds {documents.Count}. Fix the file by hand.", source);
        return documents[0] as T ?? throw new StackOpsException("InvalidDocument", ErrorKind.InvalidData,
            $"{source}: expected a {typeof(T).Name} document here, found a {documents[0].GetType().Name}. Move the file to the folder of its kind.", source);
    }

    private static object Read(DocumentReader reader, StoreScope scope, string? path, bool builtIn)
    {
        var root = reader.Root;
        var apiVersion = reader.String(root, "apiVersion", "", required: true);
        var kind = reader.String(root, "kind", "", required: true);
        if (apiVersion != ApiVersion)
            throw Unsupported(reader, root, $"apiVersion '{apiVersion}' is not supported; use '{ApiVersion}'");
        var metadata = reader.Mapping(root, "metadata", "", required: true)!;
        var spec = reader.Mapping(root, "spec", "") ?? new YamlMappingNode();
        return kind switch
        {
            StackKind => ReadStack(reader, metadata, spec, scope, path),
            ComponentKind => ReadComponent(reader, metadata, spec, scope, path),
            FlavorKind => ReadFlavor(reader, metadata, spec, builtIn, path),
            SecretBackendKind => ReadSecretBackend(reader, metadata, spec, scope, path),
            ConnectorKind => ReadConnector(reader, metadata, spec, scope, path),
            PipelineKind => ReadPipeline(reader, metadata, spec, scope, path),
            PipelineVersionKind => ReadPipelineVersion(reader, metadata, spec, path),
            LifecycleKind => ReadLifecycle(reader, metadata, spec, path),
            PromotionKind => ReadPromotion(reader, metadata, spec, path),
            _ => throw Unsupported(reader, root, $"kind '{kind}' is not a StackOps document kind; use {string.Join(", ", Kinds)}"),
        };
    }

    private static StackOpsException Unsupported(DocumentReader reader, YamlNode node, string problem) =>
        new("UnsupportedDocument", ErrorKind.InvalidData, $"{reader.Source}, line {node.Start.Line}: {problem}.", reader.Source);

    private static string Name(DocumentReader reader, YamlMappingNode metadata, string what)
    {
        var name = reader.String(metadata, "name", "metadata", required: true)!;
        var problem = NameRules.Problem(name);
        return problem is null ? name : throw reader.Invalid(reader.Find(metadata, "name")!, "metadata.name", $"'{Fail.Printable(name)}' is not a valid {what} name: {problem}");
    }

    private static string Type(DocumentReader reader, YamlMappingNode metadata)
    {
        var type = reader.String(metadata, "type", "metadata", required: true)!;
        try { return ComponentTypes.Normalize(type); }
        catch (StackOpsException) { throw reader.Invalid(reader.Find(metadata, "type")!, "metadata.type", $"'{type}' is not a component type (one of {string.Join(", ", ComponentTypes.All)})"); }
    }

    private static Stack ReadStack(DocumentReader reader, YamlMappingNode metadata, YamlMappingNode spec, StoreScope scope, string? path)
    {
        var name = Name(reader, metadata, "stack");
        var components = new Dictionary<string, string>();
        foreach (var (type, component) in reader.StringMap(spec, "components", "spec"))
        {
            string normalized;
            try { normalized = ComponentTypes.Normalize(type); }
            catch (StackOpsException) { throw reader.Invalid(spec, $"spec.components.{type}", $"'{type}' is not a component type"); }
            if (NameRules.Problem(component) is { } problem) throw reader.Invalid(spec, $"spec.components.{type}", $"'{Fail.Printable(component)}' is not a valid component name: {problem}");
            components[normalized] = component;
        }
        return new Stack(name, components, reader.StringMap(metadata, "labels", "metadata"),
            reader.String(metadata, "description", "metadata"), scope, path);
    }

    private static StackComponent ReadComponent(DocumentReader reader, YamlMappingNode metadata, YamlMappingNode spec, StoreScope scope, string? path)
    {
        var name = Name(reader, metadata, "component");
        var type = Type(reader, metadata);
        var flavor = reader.String(spec, "flavor", "spec", required: true)!;
        var configurationNode = reader.Mapping(spec, "configuration", "spec");
        var lines = configurationNode is null
            ? new Dictionary<string, int>()
            : configurationNode.Children.Keys.OfType<YamlScalarNode>().ToDictionary(k => k.Value ?? "", k => (int)k.Start.Line);
        var connectorNode = reader.Mapping(spec, "connector", "spec");
        var connector = connectorNode is null ? null
            : new ConnectorLink(reader.String(connectorNode, "name", "spec.connector", required: true)!, reader.String(connectorNode, "resourceId", "spec.connector"));
        return new StackComponent(type, name, flavor, reader.ValueMap(spec, "configuration", "spec"),
            reader.StringMap(metadata, "labels", "metadata"), connector, scope, path, lines);
    }

    private static Flavor ReadFlavor(DocumentReader reader, YamlMappingNode metadata, YamlMappingNode spec, bool builtIn, string? path)
    {
        var name = Name(reader, metadata, "flavor");
        var type = Type(reader, metadata);
        var localWhenNode = reader.Mapping(spec, "localWhen", "spec");
        LocalCondition? localWhen = null;
        if (localWhenNode is not null)
        {
            var pattern = reader.String(localWhenNode, "pattern", "spec.localWhen", required: true)!;
            try { localWhen = new LocalCondition(reader.String(localWhenNode, "field", "spec.localWhen", required: true)!, pattern); }
            catch (Exception e) when (e is ArgumentException or NotSupportedException)
            {
                throw reader.Invalid(localWhenNode, "spec.localWhen.pattern", $"the pattern is not a regular expression StackOps runs (no backreferences or lookarounds: {e.Message.Split('\n')[0].TrimEnd('.')})");
            }
        }
        var requirementsNode = reader.Mapping(spec, "requirements", "spec");
        var requirements = requirementsNode is null ? FlavorRequirements.None : new FlavorRequirements(
            reader.StringList(requirementsNode, "components", "spec.requirements").Select(t =>
            {
                try { return ComponentTypes.Normalize(t); }
                catch (StackOpsException) { throw reader.Invalid(requirementsNode, "spec.requirements.components", $"'{t}' is not a component type"); }
            }).ToList(),
            reader.Boolean(requirementsNode, "rejectLocalComponents", "spec.requirements"));

        var fields = ReadFields(reader, reader.Mapping(spec, "configuration", "spec"), "spec.configuration");
        var connectorNode = reader.Mapping(spec, "connector", "spec");
        var connector = connectorNode is null ? null : new ConnectorRequirement(reader.String(connectorNode, "resourceType", "spec.connector", required: true)!,
            reader.String(connectorNode, "connectorType", "spec.connector"), reader.String(connectorNode, "resourceIdField", "spec.connector"));
        return new Flavor(name, type, reader.String(spec, "description", "spec"), reader.Boolean(spec, "local", "spec"),
            localWhen, requirements, fields, builtIn, path, connector);
    }

    /// <summary>
    /// A configuration schema written in the flavor schema language on its own (a YAML map of fields), as
    /// integrations give the settings of their connector types' auth methods.
    /// </summary>
    internal static IReadOnlyList<ConfigurationField> ReadSchema(string text, string source)
    {
        var root = YamlText.Parse(text, source).SingleOrDefault();
        if (root is null or YamlScalarNode { Value: null or "" }) return [];
        var reader = new DocumentReader(source, root);
        return ReadFields(reader, root as YamlMappingNode ?? throw reader.Invalid(root, "", "expected a map of fields"), "");
    }

    private static List<ConfigurationField> ReadFields(DocumentReader reader, YamlMappingNode? configuration, string path)
    {
        var fields = new List<ConfigurationField>();
        foreach (var (keyNode, valueNode) in configuration?.Children.AsEnumerable() ?? [])
        {
            var key = ((YamlScalarNode)keyNode).Value ?? "";
            var fieldPath = path.Length == 0 ? key : $"{path}.{key}";
            var field = valueNode as YamlMappingNode ?? throw reader.Invalid(valueNode, fieldPath, "expected the field's schema (type, required, default, description, ...)");
            var typeText = reader.String(field, "type", fieldPath) ?? "string";
            if (!Enum.TryParse<FieldType>(typeText, ignoreCase: true, out var fieldType) || int.TryParse(typeText, out _))
                throw reader.Invalid(field, $"{fieldPath}.type", $"'{typeText}' is not a field type (string, integer, number, boolean, list, map)");
            var defaultNode = reader.Find(field, "default");
            var defaultValue = defaultNode is null ? null : YamlText.ToValue(defaultNode);
            var values = reader.StringList(field, "values", fieldPath);
            var schema = new ConfigurationField(key, fieldType, reader.Boolean(field, "required", fieldPath), defaultValue,
                reader.String(field, "description", fieldPath), reader.Boolean(field, "secret", fieldPath),
                reader.Boolean(field, "clearText", fieldPath), values);
            if (defaultValue is not null && Validation.ConfigurationValidator.TypeProblem(schema, defaultValue) is { } problem)
                throw reader.Invalid(defaultNode!, $"{fieldPath}.default", problem);
            fields.Add(schema);
        }
        return fields;
    }

    private static SecretBackendDefinition ReadSecretBackend(DocumentReader reader, YamlMappingNode metadata, YamlMappingNode spec, StoreScope scope, string? path)
    {
        var name = Name(reader, metadata, "secret backend");
        var type = reader.String(spec, "type", "spec", required: true)!;
        var vault = reader.String(spec, "vault", "spec");
        return new SecretBackendDefinition(name, type, vault, reader.Boolean(spec, "default", "spec"), reader.String(metadata, "description", "metadata"), scope: scope, path: path,
            integration: reader.String(spec, "integration", "spec"));
    }

    private static ServiceConnector ReadConnector(DocumentReader reader, YamlMappingNode metadata, YamlMappingNode spec, StoreScope scope, string? path)
    {
        var name = Name(reader, metadata, "service connector");
        DateTimeOffset? expiresAt = null;
        if (reader.String(spec, "expiresAt", "spec") is { } expires)
        {
            if (!DateTimeOffset.TryParse(expires, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed))
                throw reader.Invalid(reader.Find(spec, "expiresAt")!, "spec.expiresAt", "expected a date and time such as 2026-12-31T23:00:00Z");
            expiresAt = parsed;
        }
        int? expirationSeconds = null;
        if (reader.Find(spec, "expirationSeconds") is { } secondsNode)
            expirationSeconds = YamlText.ToValue(secondsNode) is long seconds and > 0 and < int.MaxValue ? (int)seconds
                : throw reader.Invalid(secondsNode, "spec.expirationSeconds", "expected a positive number of seconds");
        return new ServiceConnector(name, reader.String(spec, "type", "spec", required: true)!, reader.String(spec, "authMethod", "spec", required: true)!,
            reader.ValueMap(spec, "configuration", "spec"), reader.String(spec, "resourceType", "spec"), reader.String(spec, "resourceId", "spec"),
            expiresAt, expirationSeconds, reader.StringMap(metadata, "labels", "metadata"), reader.String(metadata, "description", "metadata"), scope, path);
    }

    private static Pipeline ReadPipeline(DocumentReader reader, YamlMappingNode metadata, YamlMappingNode spec, StoreScope scope, string? path)
    {
        var name = Name(reader, metadata, "pipeline");
        var requirements = new List<PipelineRequirement>();
        var requiresNode = reader.Find(spec, "requires");
        if (requiresNode is YamlMappingNode requires)
            foreach (var (typeNode, flavorsNode) in requires.Children)
            {
                var rawType = ((YamlScalarNode)typeNode).Value ?? "";
                string type;
                try { type = ComponentTypes.Normalize(rawType); }
                catch (StackOpsException) { throw reader.Invalid(typeNode, $"spec.requires.{rawType}", $"'{rawType}' is not a component type"); }
                var flavors = flavorsNode switch
                {
                    YamlSequenceNode sequence => sequence.Children.Select(c => (c as YamlScalarNode)?.Value ?? throw reader.Invalid(c, $"spec.requires.{rawType}", "expected flavor names")).ToList(),
                    YamlScalarNode scalar when YamlText.ToValue(scalar) is null => [],
                    YamlScalarNode scalar => [scalar.Value!],
                    _ => throw reader.Invalid(flavorsNode, $"spec.requires.{rawType}", "expected the accepted flavors (a list, or empty for any)"),
                };
                requirements.Add(new PipelineRequirement(type, flavors));
            }
        else if (requiresNode is not null && YamlText.ToValue(requiresNode) is not null)
            throw reader.Invalid(requiresNode, "spec.requires", "expected component types, each with the flavors it accepts (empty for any)");
        var repository = reader.String(spec, "imageRepository", "spec", required: true)!;
        return new Pipeline(name, requirements, repository, reader.ValueMap(spec, "run", "spec"), reader.String(metadata, "description", "metadata"),
            reader.StringMap(metadata, "labels", "metadata"), scope, path, reader.StringList(spec, "command", "spec"));
    }

    private static PipelineVersion ReadPipelineVersion(DocumentReader reader, YamlMappingNode metadata, YamlMappingNode spec, string? path)
    {
        var version = Name(reader, metadata, "pipeline version");
        return new PipelineVersion(reader.String(spec, "pipeline", "spec", required: true)!, version, reader.String(spec, "imageDigest", "spec", required: true)!,
            reader.String(spec, "sourceRevision", "spec"), reader.String(spec, "sourceRef", "spec"), reader.String(spec, "publishedBy", "spec", required: true)!,
            Date(reader, spec, "publishedAt", "spec", required: true)!.Value, reader.String(spec, "stage", "spec", required: true)!, path);
    }

    private static Lifecycle ReadLifecycle(DocumentReader reader, YamlMappingNode metadata, YamlMappingNode spec, string? path) =>
        new(Name(reader, metadata, "lifecycle"), ReadStages(reader, spec, reader.Items(spec, "stages"), "spec.stages"), path);

    /// <summary>
    /// A lifecycle from the stages given to a parameter (Set-StackLifecycle -Stage), read by the same rules as
    /// a Lifecycle document: a problem names the parameter and the key (-Stage[1].Gates.FreezeWindows), not a line.
    /// </summary>
    public static Lifecycle ReadLifecycle(string name, IReadOnlyList<IReadOnlyDictionary<string, object?>> stages, string parameter)
    {
        NameRules.Validate("Lifecycle", name);
        var reader = DocumentReader.ForValues(parameter);
        return new Lifecycle(name, ReadStages(reader, reader.Root, stages.Select(s => YamlText.ToNode(s)).ToList(), ""), null);
    }

    private static List<LifecycleStage> ReadStages(DocumentReader reader, YamlMappingNode parent, IReadOnlyList<YamlNode> nodes, string listPath)
    {
        var stages = new List<LifecycleStage>();
        for (var i = 0; i < nodes.Count; i++)
        {
            var at = $"{listPath}[{i}]";
            var stage = nodes[i] as YamlMappingNode ?? throw reader.Invalid(nodes[i], at, "expected a stage (name, stack, environment, gates)");
            reader.OnlyKeys(stage, at, "name", "stack", "environment", "environmentUrl", "gates");
            var stageName = reader.String(stage, "name", at, required: true)!;
            if (NameRules.Problem(stageName) is { } problem) throw reader.Invalid(stage, $"{at}.name", $"'{Fail.Printable(stageName)}' is not a valid stage name: {problem}");
            if (stages.Any(s => string.Equals(s.Name, stageName, StringComparison.OrdinalIgnoreCase))) throw reader.Invalid(stage, $"{at}.name", $"stage '{stageName}' is listed twice");
            stages.Add(new LifecycleStage(stageName, reader.String(stage, "stack", at, required: true)!, reader.String(stage, "environment", at),
                reader.String(stage, "environmentUrl", at), ReadGates(reader, reader.Mapping(stage, "gates", at), $"{at}.gates")));
        }
        if (stages.Count == 0) throw reader.Invalid(parent, listPath, "a lifecycle has at least one stage (the stages in order)");
        return stages;
    }

    private static StageGates ReadGates(DocumentReader reader, YamlMappingNode? gates, string at)
    {
        if (gates is null) return StageGates.None;
        reader.OnlyKeys(gates, at, "requireVerifiedConnectors", "approvals", "soakTime", "allowedRefs", "freezeWindows");
        ApprovalGate? approvals = null;
        if (reader.Mapping(gates, "approvals", at) is { } approvalNode)
        {
            reader.OnlyKeys(approvalNode, $"{at}.approvals", "count", "from", "allowSelfApproval");
            var count = YamlText.ToValue(reader.Find(approvalNode, "count") ?? new YamlScalarNode("1")) is long n and > 0 and < 100 ? (int)n
                : throw reader.Invalid(approvalNode, $"{at}.approvals.count", "expected a number of approvers from 1 to 99");
            approvals = new ApprovalGate(count, reader.StringList(approvalNode, "from", $"{at}.approvals"), reader.Boolean(approvalNode, "allowSelfApproval", $"{at}.approvals"));
        }
        TimeSpan? soak = null;
        if (reader.String(gates, "soakTime", at) is { } soakText)
            soak = Durations.TryParse(soakText, out var parsed) ? parsed : throw reader.Invalid(reader.Find(gates, "soakTime")!, $"{at}.soakTime", "expected a duration such as 30m, 24h or 2d");
        var windowNodes = reader.Items(gates, "freezeWindows");
        var windows = windowNodes.Select((node, i) => ReadWindow(reader, node as YamlMappingNode
            ?? throw reader.Invalid(node, $"{at}.freezeWindows[{i}]", "expected a window (name, days, from, to, timeZone; or start and end)"), $"{at}.freezeWindows[{i}]")).ToList();
        return new StageGates(reader.Boolean(gates, "requireVerifiedConnectors", at), approvals, soak, reader.StringList(gates, "allowedRefs", at), windows);
    }

    private static FreezeWindow ReadWindow(DocumentReader reader, YamlMappingNode window, string at)
    {
        reader.OnlyKeys(window, at, "name", "days", "from", "to", "timeZone", "start", "end");
        var name = reader.String(window, "name", at);
        var start = Date(reader, window, "start", at);
        if (start is not null)
        {
            var end = Date(reader, window, "end", at, required: true)!.Value;
            if (end <= start) throw reader.Invalid(window, $"{at}.end", "the end must be after the start");
            return new FreezeWindow(name, [], null, null, "UTC", start, end);
        }
        var days = reader.StringList(window, "days", at).Select(d => Enum.GetValues<DayOfWeek>().FirstOrDefault(v => v.ToString().StartsWith(d, StringComparison.OrdinalIgnoreCase) && d.Length >= 3, (DayOfWeek)(-1)) is var day && (int)day >= 0
            ? day : throw reader.Invalid(window, $"{at}.days", $"'{d}' is not a day of the week")).ToList();
        if (days.Count == 0) throw reader.Invalid(window, $"{at}.days", "a recurring window names its days (or give start and end for a dated one)");
        TimeOnly? Time(string key) => reader.String(window, key, at) is { } text
            ? TimeOnly.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var time) ? time : throw reader.Invalid(window, $"{at}.{key}", $"'{text}' is not a time of day (HH:mm)")
            : null;
        var zone = reader.String(window, "timeZone", at) ?? "UTC";
        try { TimeZoneInfo.FindSystemTimeZoneById(zone); }
        catch (TimeZoneNotFoundException) { throw reader.Invalid(window, $"{at}.timeZone", $"'{zone}' is not a time zone of this machine (use an IANA id such as Europe/Paris)"); }
        return new FreezeWindow(name, days, Time("from"), Time("to"), zone, null, null);
    }

    private static PromotionRecord ReadPromotion(DocumentReader reader, YamlMappingNode metadata, YamlMappingNode spec, string? path)
    {
        var id = Name(reader, metadata, "promotion");
        var state = reader.String(spec, "state", "spec", required: true)!;
        if (!Enum.TryParse<PromotionState>(state, ignoreCase: true, out var parsedState))
            throw reader.Invalid(reader.Find(spec, "state")!, "spec.state", $"'{state}' is not a promotion state ({string.Join(", ", Enum.GetNames<PromotionState>())})");
        var decisions = new List<ApprovalDecision>();
        if (reader.Find(spec, "decisions") is YamlSequenceNode decisionNodes)
            foreach (var node in decisionNodes.Children.OfType<YamlMappingNode>())
                decisions.Add(new ApprovalDecision(reader.String(node, "by", "spec.decisions", required: true)!, reader.String(node, "decision", "spec.decisions", required: true) == "approved",
                    reader.String(node, "comment", "spec.decisions"), Date(reader, node, "at", "spec.decisions", required: true)!.Value));
        var steps = new List<PromotionStep>();
        if (reader.Find(spec, "steps") is YamlSequenceNode stepNodes)
            foreach (var node in stepNodes.Children.OfType<YamlMappingNode>())
                steps.Add(new PromotionStep(reader.String(node, "name", "spec.steps", required: true)!,
                    Enum.TryParse<StepOutcome>(reader.String(node, "outcome", "spec.steps", required: true), true, out var outcome) ? outcome : throw reader.Invalid(node, "spec.steps.outcome", "expected passed, failed or skipped"),
                    reader.String(node, "message", "spec.steps") ?? "", Date(reader, node, "at", "spec.steps", required: true)!.Value));
        return new PromotionRecord(id, reader.String(spec, "pipeline", "spec", required: true)!, reader.String(spec, "version", "spec", required: true)!,
            reader.String(spec, "from", "spec"), reader.String(spec, "to", "spec", required: true)!, parsedState, reader.String(spec, "requestedBy", "spec", required: true)!,
            Date(reader, spec, "requestedAt", "spec", required: true)!.Value, decisions, steps, Date(reader, spec, "completedAt", "spec"),
            reader.String(spec, "imageDigest", "spec"), reader.String(spec, "image", "spec"), reader.Boolean(spec, "rollback", "spec"), reader.String(spec, "comment", "spec"), path);
    }

    private static DateTimeOffset? Date(DocumentReader reader, YamlMappingNode map, string key, string at, bool required = false)
    {
        var text = reader.String(map, key, at, required);
        if (text is null) return null;
        return DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed)
            ? parsed : throw reader.Invalid(reader.Find(map, key)!, $"{at}.{key}", $"'{text}' is not a date and time such as 2026-12-31T23:00:00Z");
    }

    private static string Timestamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);

    public static Dictionary<string, object?> ToTree(object document) => document switch
    {
        Stack stack => Envelope(StackKind, Metadata(stack.Name, null, stack.Labels, stack.Description), new Dictionary<string, object?>
        {
            ["components"] = stack.Components.ToDictionary(p => p.Key, p => (object?)p.Value),
        }),
        StackComponent component => Envelope(ComponentKind, Metadata(component.Name, component.Type, component.Labels, null), ComponentSpec(component)),
        Flavor flavor => Envelope(FlavorKind, Metadata(flavor.Name, flavor.Type, null, null), FlavorSpec(flavor)),
        SecretBackendDefinition backend => Envelope(SecretBackendKind, Metadata(backend.Name, null, null, backend.Description), SecretBackendSpec(backend)),
        ServiceConnector connector => Envelope(ConnectorKind, Metadata(connector.Name, null, connector.Labels, connector.Description), ConnectorSpec(connector)),
        Pipeline pipeline => Envelope(PipelineKind, Metadata(pipeline.Name, null, pipeline.Labels, pipeline.Description), Without(new Dictionary<string, object?>
        {
            ["requires"] = pipeline.Requirements.ToDictionary(r => r.Type, r => (object?)r.Flavors.ToList()),
            ["imageRepository"] = pipeline.ImageRepository,
            ["command"] = pipeline.Command.Count == 0 ? null : pipeline.Command.ToList(),
            ["run"] = pipeline.RunConfiguration.ToDictionary(p => p.Key, p => p.Value),
        })),
        PipelineVersion version => Envelope(PipelineVersionKind, Metadata(version.Version, null, null, null), Without(new Dictionary<string, object?>
        {
            ["pipeline"] = version.Pipeline, ["imageDigest"] = version.ImageDigest, ["sourceRevision"] = version.SourceRevision, ["sourceRef"] = version.SourceRef,
            ["publishedBy"] = version.PublishedBy, ["publishedAt"] = Timestamp(version.PublishedAt), ["stage"] = version.Stage,
        })),
        Lifecycle lifecycle => Envelope(LifecycleKind, Metadata(lifecycle.Name, null, null, null), new Dictionary<string, object?>
        {
            ["stages"] = lifecycle.Stages.Select(s => (object?)Without(new Dictionary<string, object?>
            {
                ["name"] = s.Name, ["stack"] = s.Stack, ["environment"] = s.Environment, ["environmentUrl"] = s.EnvironmentUrl, ["gates"] = GatesTree(s.Gates),
            })).ToList(),
        }),
        PromotionRecord record => Envelope(PromotionKind, Metadata(record.Id, null, null, null), Without(new Dictionary<string, object?>
        {
            ["pipeline"] = record.Pipeline, ["version"] = record.Version, ["from"] = record.From, ["to"] = record.To, ["state"] = record.State.ToString(),
            ["rollback"] = record.IsRollback ? true : null, ["comment"] = record.Comment,
            ["requestedBy"] = record.RequestedBy, ["requestedAt"] = Timestamp(record.RequestedAt),
            ["decisions"] = record.Decisions.Count == 0 ? null : record.Decisions.Select(d => (object?)Without(new Dictionary<string, object?>
                { ["by"] = d.By, ["decision"] = d.Approved ? "approved" : "denied", ["comment"] = d.Comment, ["at"] = Timestamp(d.At) })).ToList(),
            ["steps"] = record.Steps.Count == 0 ? null : record.Steps.Select(s => (object?)new Dictionary<string, object?>
                { ["name"] = s.Name, ["outcome"] = s.Outcome.ToString().ToLowerInvariant(), ["message"] = s.Message, ["at"] = Timestamp(s.At) }).ToList(),
            ["completedAt"] = record.CompletedAt is { } done ? Timestamp(done) : null,
            ["imageDigest"] = record.ImageDigest, ["image"] = record.Image,
        })),
        _ => throw new ArgumentException($"{document.GetType().Name} is not a document", nameof(document)),
    };

    public static string ToYaml(object document) => YamlText.Write(ToTree(document));

    private static Dictionary<string, object?> Envelope(string kind, Dictionary<string, object?> metadata, Dictionary<string, object?> spec) => new()
    {
        ["apiVersion"] = ApiVersion,
        ["kind"] = kind,
        ["metadata"] = metadata,
        ["spec"] = spec,
    };

    private static Dictionary<string, object?> Metadata(string name, string? type, IReadOnlyDictionary<string, string>? labels, string? description)
    {
        var metadata = new Dictionary<string, object?> { ["name"] = name };
        if (type is not null) metadata["type"] = type;
        if (description is not null) metadata["description"] = description;
        if (labels is { Count: > 0 }) metadata["labels"] = labels.ToDictionary(p => p.Key, p => (object?)p.Value);
        return metadata;
    }

    private static Dictionary<string, object?> ComponentSpec(StackComponent component)
    {
        var spec = new Dictionary<string, object?>
        {
            ["flavor"] = component.Flavor,
            ["configuration"] = component.Configuration.ToDictionary(p => p.Key, p => p.Value),
        };
        if (component.Connector is { } link)
        {
            var connector = new Dictionary<string, object?> { ["name"] = link.Name };
            if (link.ResourceId is not null) connector["resourceId"] = link.ResourceId;
            spec["connector"] = connector;
        }
        return spec;
    }

    private static Dictionary<string, object?> Without(Dictionary<string, object?> map) => map.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value);

    private static Dictionary<string, object?>? GatesTree(StageGates gates)
    {
        var tree = Without(new Dictionary<string, object?>
        {
            ["requireVerifiedConnectors"] = gates.RequireVerifiedConnectors ? true : null,
            ["approvals"] = gates.Approvals is { } a ? Without(new Dictionary<string, object?>
                { ["count"] = (long)a.Count, ["from"] = a.Approvers.Count == 0 ? null : a.Approvers.ToList(), ["allowSelfApproval"] = a.AllowSelfApproval ? true : null }) : null,
            ["soakTime"] = gates.SoakTime is { } soak ? Durations.Format(soak) : null,
            ["allowedRefs"] = gates.AllowedRefs.Count == 0 ? null : gates.AllowedRefs.ToList(),
            ["freezeWindows"] = gates.FreezeWindows.Count == 0 ? null : gates.FreezeWindows.Select(w => (object?)Without(w.IsRecurring
                ? new Dictionary<string, object?> { ["name"] = w.Name, ["days"] = w.Days.Select(d => d.ToString()).ToList(), ["from"] = w.From?.ToString("HH:mm"), ["to"] = w.To?.ToString("HH:mm"), ["timeZone"] = w.TimeZone }
                : new Dictionary<string, object?> { ["name"] = w.Name, ["start"] = Timestamp(w.Start!.Value), ["end"] = Timestamp(w.End!.Value) })).ToList(),
        });
        return tree.Count == 0 ? null : tree;
    }

    private static Dictionary<string, object?> ConnectorSpec(ServiceConnector connector)
    {
        var spec = new Dictionary<string, object?> { ["type"] = connector.Type, ["authMethod"] = connector.AuthMethod };
        if (connector.ResourceType is not null) spec["resourceType"] = connector.ResourceType;
        if (connector.ResourceId is not null) spec["resourceId"] = connector.ResourceId;
        if (connector.ExpiresAt is { } expires) spec["expiresAt"] = expires.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        if (connector.ExpirationSeconds is { } seconds) spec["expirationSeconds"] = (long)seconds;
        spec["configuration"] = connector.Configuration.ToDictionary(p => p.Key, p => p.Value);
        return spec;
    }

    private static Dictionary<string, object?> SecretBackendSpec(SecretBackendDefinition backend)
    {
        var spec = new Dictionary<string, object?> { ["type"] = backend.Type };
        if (backend.Vault is not null) spec["vault"] = backend.Vault;
        if (backend.Integration is not null) spec["integration"] = backend.Integration;
        if (backend.IsDefault) spec["default"] = true;
        return spec;
    }

    private static Dictionary<string, object?> FlavorSpec(Flavor flavor)
    {
        var spec = new Dictionary<string, object?>();
        if (flavor.Description is not null) spec["description"] = flavor.Description;
        spec["local"] = flavor.IsLocal;
        if (flavor.LocalWhen is { } when) spec["localWhen"] = new Dictionary<string, object?> { ["field"] = when.Field, ["pattern"] = when.Pattern };
        if (flavor.Requirements.Components.Count > 0 || flavor.Requirements.RejectLocalComponents)
            spec["requirements"] = new Dictionary<string, object?>
            {
                ["components"] = flavor.Requirements.Components.ToList(),
                ["rejectLocalComponents"] = flavor.Requirements.RejectLocalComponents,
            };
        if (flavor.Connector is { } requirement)
        {
            var connector = new Dictionary<string, object?> { ["resourceType"] = requirement.ResourceType };
            if (requirement.ConnectorType is not null) connector["connectorType"] = requirement.ConnectorType;
            if (requirement.ResourceIdField is not null) connector["resourceIdField"] = requirement.ResourceIdField;
            spec["connector"] = connector;
        }
        spec["configuration"] = flavor.Configuration.ToDictionary(f => f.Name, f =>
        {
            var field = new Dictionary<string, object?> { ["type"] = f.Type.ToString().ToLowerInvariant() };
            if (f.Required) field["required"] = true;
            if (f.Default is not null) field["default"] = f.Default;
            if (f.Description is not null) field["description"] = f.Description;
            if (f.Secret) field["secret"] = true;
            if (f.ClearText) field["clearText"] = true;
            if (f.Values.Count > 0) field["values"] = f.Values.ToList();
            return (object?)field;
        });
        return spec;
    }
}
