using System.Reflection;
using StackOps.Core.GitHub;
using YamlDotNet.RepresentationModel;

namespace StackOps.Core.Tests;

/// <summary>action.yml and the example workflow against the action's code and the workflow rules GitHub enforces.</summary>
public sealed class ActionDefinitionTests
{
    private static readonly string Root = typeof(ActionDefinitionTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    private static YamlMappingNode Load(params string[] path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Path.Combine([Root, .. path]));
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents.Single().RootNode;
    }

    private static YamlMappingNode Map(YamlNode node, string key) => (YamlMappingNode)((YamlMappingNode)node)[key];

    private static string? Text(YamlNode node, string key) =>
        ((YamlMappingNode)node).Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value : null;

    private static IEnumerable<string> Keys(YamlMappingNode node) => node.Children.Keys.Select(k => ((YamlScalarNode)k).Value!);

    /// <summary>The inputs the code reads, by the names action.yml gives them (INPUT_RECORD_DEPLOYMENT is record-deployment).</summary>
    private static (List<string> All, List<string> Required) InputsTheCodeReads()
    {
        var asked = new List<string>();
        ActionInputs.Read(variable => { asked.Add(variable); return "true"; });
        var required = new List<string>();
        foreach (var name in asked)
            try { ActionInputs.Read(variable => variable == name ? null : "true"); }
            catch (Errors.StackOpsException e) when (e.ErrorId == "ActionInputMissing") { required.Add(name); }
        static string Name(string variable) => variable["INPUT_".Length..].ToLowerInvariant().Replace('_', '-');
        return (asked.Select(Name).ToList(), required.Select(Name).ToList());
    }

    [Fact]
    public void ActionYmlDeclaresWhatTheCodeReadsAndWrites()
    {
        var action = Load("action.yml");
        var inputs = Map(action, "inputs");
        var (all, required) = InputsTheCodeReads();
        Assert.Equal(all.Order(), Keys(inputs).Order());
        Assert.Equal(required.Order(), Keys(inputs).Where(k => Text(inputs[k], "required") == "true").Order());
        Assert.All(Keys(inputs), k => Assert.False(string.IsNullOrWhiteSpace(Text(inputs[k], "description"))));

        var outputs = Map(action, "outputs");
        var written = new ActionResult(false, "x", null, null, null, null, null, false).Outputs().Select(o => o.Item1).ToList();
        Assert.Equal(written.Order(), Keys(outputs).Order());
        Assert.All(written, name => Assert.Equal($"${{{{ steps.promote.outputs.{name} }}}}", Text(outputs[name], "value")));
    }

    [Fact]
    public void ActionYmlIsACompositePwshActionThatNeverInterpolatesIntoScripts()
    {
        var runs = Map(Load("action.yml"), "runs");
        Assert.Equal("composite", Text(runs, "using"));
        var steps = ((YamlSequenceNode)runs["steps"]).Cast<YamlMappingNode>().ToList();
        foreach (var step in steps.Where(s => Text(s, "run") is not null))
        {
            Assert.Equal("pwsh", Text(step, "shell"));
            Assert.DoesNotContain("${{", Text(step, "run"));
        }
        var promote = Assert.Single(steps, s => Text(s, "id") == "promote");
        var environment = Map(promote, "env");
        foreach (var input in Keys(Map(Load("action.yml"), "inputs")))
            Assert.Equal($"${{{{ inputs.{input} }}}}", Text(environment, "INPUT_" + input.Replace('-', '_').ToUpperInvariant()));
        Assert.All(steps.Where(s => Text(s, "uses") is not null), s => Assert.Matches(@"^actions/[a-z-]+@v\d+$", Text(s, "uses")));
    }

    [Theory]
    [InlineData("promote.yml")]
    [InlineData("promote-with-server.yml")]
    public void TheExampleWorkflowGatesEachStageByItsEnvironment(string example)
    {
        var workflow = Load("action", "examples", example);
        var withServer = example == "promote-with-server.yml";
        var declared = Keys(Map(Load("action.yml"), "inputs")).ToHashSet();
        var (_, required) = InputsTheCodeReads();

        // The token needs deployments: write (the ledger) and actions: read (the run's approvals).
        var permissions = Map(workflow, "permissions");
        var known = new[] { "actions", "attestations", "checks", "contents", "deployments", "discussions", "id-token", "issues", "models", "packages", "pages", "pull-requests", "security-events", "statuses" };
        Assert.All(Keys(permissions), p => Assert.Contains(p, known));
        Assert.All(Keys(permissions), p => Assert.Contains(Text(permissions, p), new[] { "read", "write", "none" }));
        Assert.Equal(("write", "read"), (Text(permissions, "deployments"), Text(permissions, "actions")));
        // Through a team server, the jobs sign in with their OIDC token: no key, no secret in the workflow.
        if (withServer)
        {
            Assert.Equal("write", Text(permissions, "id-token"));
            Assert.StartsWith("https://", Text(Map(workflow, "env"), "STACKOPS_SERVER"));
            Assert.DoesNotContain("secrets.", File.ReadAllText(Path.Combine(Root, "action", "examples", example)));
        }

        var jobs = Map(workflow, "jobs");
        Assert.Equal(["staging", "production"], Keys(jobs));
        var groups = new List<string>();
        foreach (var name in Keys(jobs))
        {
            var job = (YamlMappingNode)jobs[name];
            Assert.NotNull(Text(job, "runs-on"));
            var environment = job["environment"] is YamlScalarNode scalar ? scalar.Value : Text(job["environment"], "name");
            Assert.Equal(name, environment);

            // Two promotions to one stage never overlap, and one waiting is not cancelled by the next.
            var concurrency = Map(job, "concurrency");
            groups.Add(Text(concurrency, "group")!);
            Assert.Contains(name, Text(concurrency, "group"));
            Assert.Equal("false", Text(concurrency, "cancel-in-progress"));

            var steps = ((YamlSequenceNode)job["steps"]).Cast<YamlMappingNode>().ToList();
            var promote = Assert.Single(steps, s => Text(s, "uses")?.StartsWith("stackops/stackops@", StringComparison.Ordinal) == true);
            var with = Map(promote, "with");
            Assert.All(Keys(with), input => Assert.Contains(input, declared));
            Assert.All(required, input => Assert.Contains(input, Keys(with)));
            Assert.Equal(name, Text(with, "to"));
            Assert.Equal("${{ inputs.version }}", Text(with, "version"));
            if (withServer) Assert.False(promote.Children.ContainsKey("env"));
            else
            {
                Assert.All(Keys(Map(promote, "env")), variable => Assert.Matches("^STACKOPS_SECRET_[A-Z0-9_]+__[A-Z0-9_]+$", variable));
                Assert.All(Keys(Map(promote, "env")), variable => Assert.Matches(@"^\$\{\{ secrets\.[A-Z0-9_]+ \}\}$", Text(Map(promote, "env"), variable)));
            }
        }
        Assert.Equal(groups.Count, groups.Distinct().Count());
        Assert.Equal("staging", Text(jobs["production"], "needs"));
        Assert.Contains("version", Keys(Map(Map(Map(workflow, "on"), "workflow_dispatch"), "inputs")));
    }
}
