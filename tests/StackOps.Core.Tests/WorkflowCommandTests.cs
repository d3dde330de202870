using StackOps.Core.GitHub;

namespace StackOps.Core.Tests;

/// <summary>The runner's protocol: escaped workflow commands and heredoc outputs that no value can break.</summary>
public sealed class WorkflowCommandTests
{
    [Fact]
    public void CommandsEscapeDataAndProperties()
    {
        Assert.Equal("::error file=conf/a%3Ab%2Cc.yaml,line=7,title=Secret%0AMissing::100%25 of it%0Anext line%0D",
            WorkflowCommands.Error("100% of it\nnext line\r", "conf/a:b,c.yaml", 7, "Secret\nMissing"));
        Assert.Equal("::error::plain", WorkflowCommands.Error("plain"));
        Assert.Equal("::add-mask::line one%0Aline two", WorkflowCommands.AddMask("line one\nline two"));
        Assert.Equal("::group::1. image: passed", WorkflowCommands.Group("1. image: passed"));
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
