using StackOps.Core.Connectors;
using StackOps.Core.Errors;
using StackOps.Core.Flavors;
using StackOps.Core.Model;
using StackOps.Core.Pipelines;
using StackOps.Core.Secrets;
using StackOps.Core.Stacks;
using StackOps.Core.Store;
using StackOps.Core.Validation;
using StackOps.Core.Yaml;

namespace StackOps.Core.Access;

/// <summary>One change of a commit, as the store sees it: the document as stored now (null when new) and its new text (null when removed).</summary>
public sealed record DocumentChange(DocumentKey Key, StoredDocument? Current, string? Text)
{
    public string Action => Text is null ? AccessActions.Delete : Current is null ? AccessActions.Create : AccessActions.Update;
}

/// <summary>A permission a change needs: an action on a resource (a kind, and a name for one resource).</summary>
public sealed record Requirement(string Kind, string? Name, string Action);

/// <summary>
/// The rules a shared store applies to every change a client sends, whatever the client checked:
/// the document parses and is the one its key names; the principal may do what the change does
/// (create, update, delete the resource; use the connectors and secrets the new document refers
/// to; promote into a stage, approve its promotions, under its own name); and once applied, the
/// store still holds together (what a stack or component refers to exists, stacks validate,
/// nothing removed is in use). The client's engine checks the same rules first: these keep a
/// client that skips them from breaking the store for everyone.
/// </summary>
public static class ChangeRules
{
    /// <summary>The new document of a change, parsed and checked against its key; null for a removal.</summary>
    public static object? Parse(DocumentChange change, string source)
    {
        if (change.Text is null) return null;
        var document = DocumentCodec.ReadOne<object>(change.Text, source, StoreScope.Server, source);
        var key = StackOpsEngine.KeyOf(document);
        var sameName = key.Kind == DocumentCodec.LifecycleKind || string.Equals(key.Name, change.Key.Name, StringComparison.OrdinalIgnoreCase);
        if (key.Kind != change.Key.Kind || !sameName || !string.Equals(key.Type, change.Key.Type, StringComparison.OrdinalIgnoreCase))
            throw new StackOpsException("InvalidDocument", ErrorKind.InvalidData,
                $"{source}: the document is {key}, but the change is for {change.Key}. Send each document under its own kind, type and name.", source);
        return document;
    }

    /// <summary>What a change needs the principal to be allowed; a promotion or decision in another's name is refused here.</summary>
    public static IReadOnlyList<Requirement> Required(DocumentChange change, object? document, object? before, string principal)
    {
        var kind = ResourceKinds.Of(change.Key.Kind);
        var requirements = new List<Requirement>();
        switch (change.Key.Kind)
        {
            case DocumentCodec.PromotionKind:
                var previous = before as PromotionRecord;
                var stage = (document as PromotionRecord ?? previous)?.To;
                if (document is PromotionRecord record)
                {
                    if (previous is { State: not (PromotionState.Pending or PromotionState.Running) } && change.Text != change.Current!.Text)
                        throw new StackOpsException("PromotionRecordFinal", ErrorKind.SecurityError,
                            $"Promotion '{previous.Id}' is {previous.State}: a finished promotion's record never changes. Nothing was changed; a new attempt is a new record (Invoke-StackPromotion).", previous.Id);
                    var decided = ApprovalRules.Added(previous, record);
                    if (previous is null && !SameName(record.RequestedBy, principal))
                        throw IdentityMismatch(principal, $"requested by '{record.RequestedBy}'");
                    // A new attempt carries the decisions of its request, recorded there under their own names (CheckIntegrity matches them).
                    var lent = previous is null && record.State != PromotionState.Pending;
                    if (!lent && decided.FirstOrDefault(d => !SameName(d.By, principal)) is { } other)
                        throw IdentityMismatch(principal, $"decided by '{other.By}'");
                    var onlyDecisions = previous is not null && decided.Count > 0 && record.State is PromotionState.Pending or PromotionState.Denied;
                    requirements.Add(new(ResourceKinds.Stages, stage, onlyDecisions ? AccessActions.Approve : AccessActions.Promote));
                }
                else requirements.Add(new(ResourceKinds.Stages, stage, AccessActions.Delete));
                return requirements;
            case DocumentCodec.LifecycleKind:
                requirements.Add(new(kind, null, change.Action));
                return requirements;
            case DocumentCodec.PipelineVersionKind:
                requirements.Add(new(kind, change.Key.Type, change.Current is null && change.Text is not null ? AccessActions.Create : AccessActions.Update));
                return requirements;
        }
        requirements.Add(new(kind, change.Key.Name, change.Action));
        if (document is StackComponent component)
        {
            if (component.Connector is { } link) requirements.Add(new(ResourceKinds.Connectors, link.Name, AccessActions.Use));
            requirements.AddRange(SecretReferenceUse.In(component).Select(u => new Requirement(ResourceKinds.Secrets, u.Reference.SecretName, AccessActions.Use)).Distinct());
        }
        // A connector's own credentials (connector-NAME) are its own: only other secrets it refers to need use.
        if (document is ServiceConnector connector)
            requirements.AddRange(connector.Configuration.Values.Select(v => SecretReference.TryParse(v, out var reference) ? reference.SecretName : null)
                .OfType<string>().Where(s => !string.Equals(s, connector.SecretName, StringComparison.OrdinalIgnoreCase))
                .Distinct(StringComparer.OrdinalIgnoreCase).Select(s => new Requirement(ResourceKinds.Secrets, s, AccessActions.Use)));
        return requirements;
    }

    private static bool SameName(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static StackOpsException IdentityMismatch(string principal, string what) =>
        new("IdentityMismatch", ErrorKind.SecurityError,
            $"This change records a promotion {what}, but the server knows the caller as '{principal}': on a team server, promotions and approvals are recorded under the caller's own name. Nothing was changed.", principal);

    /// <summary>
    /// Checks the store after a commit was applied (the store reads the applied state): every
    /// document the commit wrote still refers to what exists and validates, and no document it
    /// removed is still in use. Throws the same errors the engine's own checks throw.
    /// </summary>
    public static void CheckIntegrity(IStackStore applied, IReadOnlyList<DocumentChange> changes)
    {
        var view = new DocumentView(applied);
        var catalog = new FlavorCatalog(view);
        foreach (var change in changes)
        {
            var key = change.Key;
            var what = $"apply the change of {key}";
            switch (key.Kind)
            {
                case DocumentCodec.StackKind when change.Text is not null && view.FindStack(key.Name) is { } stack:
                    Valid(view, stack);
                    break;
                case DocumentCodec.ComponentKind when change.Text is null:
                    if (view.StacksUsing(key.Type!, key.Name, what) is { Count: > 0 } stacks)
                        throw Fail.ComponentInUse(new StackComponent(key.Type!, key.Name, "", new Dictionary<string, object?>()), stacks,
                            $"give those stacks another {key.Type} or none (Set-Stack), or remove them (Remove-Stack)");
                    break;
                case DocumentCodec.ComponentKind when view.FindComponent(key.Type!, key.Name) is { } component:
                    var flavor = catalog.Get(component.Type, component.Flavor);
                    ConfigurationValidator.Validate(flavor, component.Configuration, component.Name, strict: false, warn: _ => { });
                    if (component.Connector is { } link && view.Connector(link.Name) is null)
                        throw new StackOpsException("ServiceConnectorNotFound", ErrorKind.NotFound,
                            $"The {component.Type} '{component.Name}' is linked to service connector '{link.Name}', which does not exist. Register it first, or link another.", component);
                    if (ChangesItsStacks(change, component, flavor))
                        foreach (var user in view.StacksUsing(component.Type, component.Name, what)) Valid(view, view.FindStack(user)!);
                    break;
                case DocumentCodec.FlavorKind when change.Text is null:
                    if (view.ComponentsOfFlavor(key.Type!, key.Name, what) is { Count: > 0 } components)
                        throw Fail.FlavorInUse(new Flavor(key.Name, key.Type!, null, false, null, FlavorRequirements.None, [], false, null), components);
                    break;
                case DocumentCodec.PromotionKind when change.Text is not null:
                    var record = DocumentCodec.ReadOne<PromotionRecord>(change.Text, key.ToString(), StoreScope.Server, key.ToString());
                    var previous = change.Current is null ? null : DocumentCodec.ReadOne<PromotionRecord>(change.Current.Text, change.Current.Path, StoreScope.Server, change.Current.Path);
                    if (previous is null && record.State != PromotionState.Pending)
                    {
                        if (record.Decisions.Count > 0 && !RequestRecorded(applied, record)) throw LentDecisionsUnknown(record);
                        break;
                    }
                    var gate = view.Lifecycle()?.Stages.FirstOrDefault(s => string.Equals(s.Name, record.To, StringComparison.OrdinalIgnoreCase))?.Gates.Approvals;
                    var decisions = (previous?.Decisions ?? []).ToList();
                    foreach (var decision in ApprovalRules.Added(previous, record))
                    {
                        ApprovalRules.Check(record.With(decisions: decisions), gate, decision.By, decision.Approved);
                        decisions.Add(decision);
                    }
                    break;
                case DocumentCodec.ConnectorKind when change.Text is null:
                    if (view.ComponentsLinkedTo(key.Name, what) is { Count: > 0 } linked)
                        throw new StackOpsException("ConnectorInUse", ErrorKind.InvalidOperation,
                            $"Service connector '{key.Name}' is used by {string.Join(", ", linked)}, so it cannot be removed. Unlink them first with Disconnect-StackComponent.", key.Name);
                    break;
            }
        }
    }

    /// <summary>Whether a request of the attempt's pipeline, version and stage recorded exactly the decisions the attempt carries.</summary>
    private static bool RequestRecorded(IStackStore applied, PromotionRecord attempt) =>
        applied.ReadAll(DocumentCodec.PromotionKind).Where(d => d.Problem is null)
            .Select(d => DocumentCodec.ReadOne<PromotionRecord>(d.Text, d.Path, StoreScope.Server, d.Path))
            .Any(r => r.State is PromotionState.Pending or PromotionState.Fulfilled && SameName(r.Pipeline, attempt.Pipeline) && SameName(r.Version, attempt.Version)
                && SameName(r.To, attempt.To) && r.Decisions.SequenceEqual(attempt.Decisions));

    private static StackOpsException LentDecisionsUnknown(PromotionRecord attempt) =>
        new("ApprovalTampered", ErrorKind.SecurityError,
            $"Promotion '{attempt.Id}' carries decisions that no request of {attempt.Pipeline} {attempt.Version} to '{attempt.To}' recorded. An attempt carries only its request's decisions (Request-StackPromotion, then Approve-StackPromotion by the approvers). Nothing was changed.", attempt.Id);

    /// <summary>
    /// Whether a component's change can make a stack that uses it invalid: what a stack asks of its
    /// components beyond their own validity is their flavor and whether they run locally. A new
    /// component has no stack yet (a stack written in the same commit is checked on its own).
    /// </summary>
    private static bool ChangesItsStacks(DocumentChange change, StackComponent component, Flavor flavor)
    {
        if (change.Current is null) return false;
        var before = DocumentCodec.ReadOne<StackComponent>(change.Current.Text, change.Current.Path, StoreScope.Server, change.Current.Path);
        return !string.Equals(before.Flavor, component.Flavor, StringComparison.OrdinalIgnoreCase)
            || flavor.IsLocalFor(before.Configuration) != flavor.IsLocalFor(component.Configuration);
    }

    private static void Valid(DocumentView view, Stack stack)
    {
        var result = StackService.Validate(view, stack);
        if (!result.IsValid) throw result.ToException(stack);
    }
}
