using StackOps.Core.IO;
using StackOps.Core.Model;

namespace StackOps.Core.Tests;

/// <summary>
/// Listings of a directory store stream their stacks and reuse the stacks and components they read
/// before while a file is unchanged, and never serve a stale document: any write to a file — the same
/// size, its time of last write set back, replaced by a rename — is read again.
/// </summary>
public sealed class ListingTests : IDisposable
{
    private readonly TestStore _store = new();

    public void Dispose() => _store.Dispose();

    private StackOpsEngine Engine => _store.Engine;

    private string LabelOf(string stack) => Engine.Stacks.List().Items.Single(s => s.Name == stack).Labels["tier"];

    private void Create(string name, string tier) =>
        Engine.Stacks.Create(name, new Dictionary<string, string> { ["orchestrator"] = "default", ["artifact_store"] = "default" }, new Dictionary<string, string?> { ["tier"] = tier });

    [Fact]
    public void TheRuntimeGivesEveryStampAListingNeeds()
    {
        Create("alpha", "aaaa");
        Assert.NotNull(SafeFiles.Stamp(new FileInfo(_store.File("stacks/alpha.yaml"))));
    }

    [Fact]
    public void AnUnchangedStackIsReusedAndAChangedOneIsReadAgainWhateverItsSizeAndTimeStamp()
    {
        Create("alpha", "aaaa");
        var first = Engine.Stacks.List().Items.Single(s => s.Name == "alpha");
        Assert.Same(first, Engine.Stacks.List().Items.Single(s => s.Name == "alpha"));

        var file = _store.File("stacks/alpha.yaml");
        var written = File.GetLastWriteTimeUtc(file);
        File.WriteAllText(file, File.ReadAllText(file).Replace("aaaa", "bbbb"));
        File.SetLastWriteTimeUtc(file, written);
        Assert.Equal("bbbb", LabelOf("alpha"));

        var replacement = _store.File("stacks/alpha.yaml.new");
        File.WriteAllText(replacement, File.ReadAllText(file).Replace("bbbb", "cccc"));
        File.Move(replacement, file, overwrite: true);
        Assert.Equal("cccc", LabelOf("alpha"));
    }

    [Fact]
    public void AStreamedListingGivesEachStackOrTheProblemInItsPlace()
    {
        Create("alpha", "aaaa");
        Create("beta", "bbbb");
        File.WriteAllText(_store.File("stacks/broken.yaml"), "description: [oops");
        File.Copy(_store.File("stacks/beta.yaml"), _store.File("stacks/Beta.yaml"));

        var entries = Engine.Stacks.Each().ToList();

        Assert.Equal(["default", "alpha"], entries.Where(e => e.Stack is not null).Select(e => e.Stack!.Name));
        Assert.Equal(["NameConflict", "InvalidYaml"], entries.Where(e => e.Problem is not null).Select(e => e.Problem!.ErrorId));
        Assert.True(entries.Single(e => e.Stack?.Name == "default").Stack!.IsActive);
    }

    [Fact]
    public void AListedStackCannotBeChangedByWhoeverHoldsIt()
    {
        Create("alpha", "aaaa");
        var stack = Engine.Stacks.List().Items.Single(s => s.Name == "alpha");
        Assert.Throws<NotSupportedException>(() => ((IDictionary<string, string>)stack.Labels)["tier"] = "changed");
        Assert.Throws<NotSupportedException>(() => ((IDictionary<string, string>)stack.Components)["orchestrator"] = "changed");
    }

    private StackComponent Orchestrator() => Engine.Components.List().Items.Single(c => c.Name == "k8s");

    private void CreateOrchestrator() =>
        Engine.Components.Create("orchestrator", "k8s", "kubernetes", new Dictionary<string, object?>
        {
            ["kubernetes_context"] = "aaaa",
            ["pod_settings"] = new Dictionary<string, object?> { ["node_selectors"] = new Dictionary<string, object?> { ["pool"] = "gpu" }, ["tolerations"] = new List<object?> { "spot" } },
        });

    [Fact]
    public void AnUnchangedComponentIsReusedWithItsDefaultsByListingsAndLookupsAndAChangedOneIsReadAgain()
    {
        CreateOrchestrator();
        var first = Orchestrator();
        Assert.Same(first, Orchestrator());
        Assert.Same(first, Engine.Components.Get("orchestrator", "k8s"));
        Assert.Equal("zenml", first.EffectiveConfiguration["kubernetes_namespace"]);

        var file = _store.File("components/orchestrator/k8s.yaml");
        var written = File.GetLastWriteTimeUtc(file);
        File.WriteAllText(file, File.ReadAllText(file).Replace("aaaa", "bbbb"));
        File.SetLastWriteTimeUtc(file, written);
        var changed = Orchestrator();
        Assert.Equal("bbbb", changed.Configuration["kubernetes_context"]);
        Assert.Equal("bbbb", changed.EffectiveConfiguration["kubernetes_context"]);
        Assert.Same(changed, Engine.Components.Get("orchestrator", "k8s"));
    }

    [Fact]
    public void AListedComponentCannotBeChangedByWhoeverHoldsIt()
    {
        CreateOrchestrator();
        var component = Orchestrator();
        var podSettings = (IDictionary<string, object?>)component.Configuration["pod_settings"]!;
        Assert.Throws<NotSupportedException>(() => ((IDictionary<string, object?>)component.Configuration)["kubernetes_context"] = "changed");
        Assert.Throws<NotSupportedException>(() => ((IDictionary<string, object?>)component.EffectiveConfiguration)["kubernetes_namespace"] = "changed");
        Assert.Throws<NotSupportedException>(() => podSettings["tolerations"] = null);
        Assert.Throws<NotSupportedException>(() => ((IDictionary<string, object?>)podSettings["node_selectors"]!)["pool"] = "cpu");
        Assert.Throws<NotSupportedException>(() => ((IList<object?>)podSettings["tolerations"]!).Add("on-demand"));
        Assert.Throws<NotSupportedException>(() => ((IDictionary<string, string>)component.Labels)["team"] = "changed");
        Assert.Equal("aaaa", Orchestrator().Configuration["kubernetes_context"]);
    }

    [Fact]
    public void AFlavorCannotBeChangedByWhoeverHoldsIt()
    {
        var builtIn = Engine.Flavors.Get("orchestrator", "kubernetes");
        Assert.Throws<NotSupportedException>(() => ((IList<Flavors.ConfigurationField>)builtIn.Configuration).RemoveAt(0));
        Assert.Throws<NotSupportedException>(() => ((IList<string>)builtIn.Requirements.Components).Add("container_registry"));
    }
}
