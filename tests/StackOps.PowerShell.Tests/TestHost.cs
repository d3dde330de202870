// Self-contained (no implicit usings), as DocumentationExamples.ps1 compiles it into a real pwsh with Add-Type.
#nullable enable
using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace StackOps.PowerShell.Tests;

/// <summary>
/// An interactive host for the hosted engine: it answers ReadLineAsSecureString with the values
/// queued by the test (as a user typing at the prompt would) and records everything written to it.
/// </summary>
public sealed class TestHost : PSHost
{
    private readonly TestHostUserInterface _ui = new();

    public Queue<string> Answers => _ui.Answers;
    public IReadOnlyList<string> Written => _ui.Written;
    public IReadOnlyList<string> Offered => _ui.Offered;

    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;
    public override Guid InstanceId { get; } = Guid.NewGuid();
    public override string Name => "StackOpsTestHost";
    public override Version Version => new(1, 0);
    public override PSHostUserInterface UI => _ui;
    public override void EnterNestedPrompt() => throw new NotSupportedException();
    public override void ExitNestedPrompt() => throw new NotSupportedException();
    public override void NotifyBeginApplication() { }
    public override void NotifyEndApplication() { }
    public override void SetShouldExit(int exitCode) { }

    private sealed class TestHostUserInterface : PSHostUserInterface
    {
        public Queue<string> Answers { get; } = new();
        public List<string> Written { get; } = [];

        public override PSHostRawUserInterface? RawUI => null;

        public override SecureString ReadLineAsSecureString()
        {
            if (Answers.Count == 0) throw new InvalidOperationException("The test gave no answer for this prompt.");
            var secure = new SecureString();
            foreach (var c in Answers.Dequeue()) secure.AppendChar(c);
            return secure;
        }

        public override string ReadLine() => throw new InvalidOperationException("StackOps must read secrets with ReadLineAsSecureString.");
        public override void Write(string value) => Written.Add(value);
        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Written.Add(value);
        public override void WriteLine(string value) => Written.Add(value);
        public override void WriteErrorLine(string value) => Written.Add(value);
        public override void WriteDebugLine(string message) => Written.Add(message);
        public override void WriteVerboseLine(string message) => Written.Add(message);
        public override void WriteWarningLine(string message) => Written.Add(message);
        public override void WriteProgress(long sourceId, ProgressRecord record) => Written.Add(record.ToString());
        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) => throw new NotSupportedException();
        /// <summary>The labels of every choice offered; the answer queued picks the choice whose label ends with it.</summary>
        public List<string> Offered { get; } = [];

        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
        {
            var labels = choices.Select(c => c.Label.Replace("&", "", StringComparison.Ordinal)).ToList();
            Offered.AddRange(labels);
            if (Answers.Count == 0) throw new NotSupportedException("The test gave no answer for this choice.");
            var answer = Answers.Dequeue();
            var index = labels.FindIndex(l => l.EndsWith(answer, StringComparison.Ordinal));
            return index >= 0 ? index : throw new InvalidOperationException($"No choice ends with '{answer}': {string.Join(", ", labels)}.");
        }
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw new NotSupportedException();
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw new NotSupportedException();
    }
}
