using StackOps.Core.GitHub;
using StackOps.Tests.Shared;

namespace StackOps.Core.Tests;

/// <summary>The runner's protocol: escaped workflow commands and heredoc outputs that no value can break.</summary>
public sealed class WorkflowCommandTests
{
    [Fact]
    public void CommandsEscapeDataAndProperties()
    {
        Assert.Equal("::error file=conf/a%3Ab%2Cc.yaml,line=7,title=Secret%0AMissing::100%25 of it%0Anext line%0D",
            WorkflowCommands.Error("100% of it\nnext line\r", "conf/a:b,c.yaml", 7, "Secret\nMissing").Line);
        Assert.Equal("::error::plain", WorkflowCommands.Error("plain").Line);
        Assert.Equal("::add-mask::line one%0Aline two", WorkflowCommands.AddMask("line one\nline two").Line);
        Assert.Equal("::group::1. image: passed", WorkflowCommands.Group("1. image: passed").Line);
    }

    private const string Hostile = "::warning::planted\r::stop-commands::abc\n\t::error title=x::planted\nsee ##[warning]planted";

    [Fact]
    public void TextBetweenCommandsIsNeverACommandAndTheCommandsStillWork()
    {
        var printed = new List<string>();
        var log = new ActionLog(printed.Add);
        log.Command(WorkflowCommands.Group("1. image: failed"));
        log.Text("a line with nothing the runner reads");
        log.Text(Hostile);
        log.Text("::stop-commands::");
        log.Command(WorkflowCommands.EndGroup);
        log.Command(WorkflowCommands.Error("the image step failed: " + Hostile, title: "StackOps"));
        log.Text("the end ::");
        log.Close();

        var runner = RunnerLog.Read(printed);
        Assert.False(runner.Stopped);
        Assert.Equal(["group", "endgroup", "error"], runner.Commands.Where(c => c.Name != "stop-commands" && !c.Name.StartsWith("stackops-")).Select(c => c.Name));
        Assert.Equal("the image step failed: " + Hostile, Assert.Single(runner.Annotations).Data);
        Assert.Equal(["a line with nothing the runner reads", "::warning::planted", "::stop-commands::abc", "\t::error title=x::planted", "see ##[warning]planted", "::stop-commands::", "the end ::"],
            runner.Text);
        // Two blocks (text after a command opens a new one), each with its own token; the plain line needs none.
        var tokens = runner.Commands.Where(c => c.Name == "stop-commands").Select(c => c.Data).ToList();
        Assert.Equal(2, tokens.Distinct().Count());
        Assert.All(tokens, t => Assert.Matches("^stackops-[0-9a-f]{32}$", t));
        Assert.Equal("a line with nothing the runner reads", printed[1]);
    }

    [Fact]
    public void TextThatHoldsTheBlocksTokenGetsANewBlock()
    {
        var printed = new List<string>();
        var log = new ActionLog(printed.Add);
        log.Text("::warning::first");
        var token = printed[0]["::stop-commands::".Length..];
        log.Text($"::{token.ToUpperInvariant()}::\n::warning::second");
        log.Close();
        var runner = RunnerLog.Read(printed);
        Assert.Empty(runner.Annotations);
        Assert.False(runner.Stopped);
        Assert.Contains($"::{token.ToUpperInvariant()}::", runner.Text);
        Assert.Equal(2, runner.Commands.Count(c => c.Name == "stop-commands"));
    }

    [Fact]
    public void MasksComeBeforeTheTextThatHoldsThemAndOutsideABlock()
    {
        var printed = new List<string>();
        var log = new ActionLog(printed.Add);
        var secret = "ws-" + Guid.NewGuid().ToString("N");
        log.Text("::notice::opens a block");
        log.Announce(secret);
        Secrets.SecretMasker.Shared.Register(secret);
        log.Text($"::warning::the value is {secret}");
        log.Close();
        var runner = RunnerLog.Read(printed);
        Assert.Equal(secret, Assert.Single(runner.Commands, c => c.Name == "add-mask").Data);
        Assert.DoesNotContain(printed, l => l.Contains(secret) && !l.StartsWith("::add-mask::"));
        Assert.Contains("::warning::the value is ***", runner.Text);
        Assert.Empty(runner.Annotations);
    }

    [Fact]
    public void OutputsAreHeredocsThatAValueCannotEnd()
    {
        var path = Path.GetTempFileName();
        try
        {
            WorkflowCommands.WriteOutputs(path, [("reason", "promoted"), ("note", "two\nlines\nEOF")]);
            var lines = File.ReadAllLines(path);
            Assert.Equal(8, lines.Length);
            Assert.Matches("^reason<<(stackops_[0-9a-f]{32})$", lines[0]);
            Assert.Equal(["promoted", lines[0]["reason<<".Length..]], lines[1..3]);
            Assert.Equal(["two", "lines", "EOF"], lines[4..7]);
            Assert.Equal(lines[3]["note<<".Length..], lines[7]);
        }
        finally { File.Delete(path); }
    }
}
