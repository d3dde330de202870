using System.Management.Automation;

namespace OneCmdletModule;

[Cmdlet(VerbsCommon.Get, "Nothing")]
public sealed class GetNothingCommand : PSCmdlet;
