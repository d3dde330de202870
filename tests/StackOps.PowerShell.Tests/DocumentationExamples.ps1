#Requires -Version 7.4
<#
.SYNOPSIS
    Runs the documentation's examples in this pwsh, for DocumentationExamplesTests.
.DESCRIPTION
    -Sessions is a JSON file that the test writes: a list of sessions, each with a home folder, the
    answers its prompts get, a module to import first (or none) and blocks of PowerShell taken from
    README.md or about_StackOps. A session is one console: a runspace of its own whose $HOME and
    current location are its home folder, with a host (TestHost.cs) that answers secret prompts as
    a user typing them would. A block to run is run statement by statement, each statement's output
    formatted as a console 80 columns wide would show it. A block to check is parsed, and every
    command in it whose name holds a '-' must exist and bind the arguments it is given (the names
    of native programs, such as gh or docker, are not checked). -Result gets one JSON record per
    statement run or command checked.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Sessions,
    [Parameter(Mandatory)] [string] $Module,
    [Parameter(Mandatory)] [string] $Result
)
$ErrorActionPreference = 'Stop'

Add-Type -Path ([System.IO.Path]::Combine($PSScriptRoot, 'TestHost.cs'))
# The commands of checked blocks are looked up here.
Import-Module $Module

# The console of someone who is not in CI and has set none of StackOps' variables.
foreach ($name in @('CI', 'XDG_CONFIG_HOME') + @([Environment]::GetEnvironmentVariables().Keys -like 'STACKOPS_*')) {
    [Environment]::SetEnvironmentVariable($name, $null)
}

function New-Record([string] $Source, [int] $Line, [string] $Text) {
    [pscustomobject]@{ Source = "${Source}:$Line"; Text = $Text; Output = @(); Host = @(); Warnings = @(); Errors = @(); Problems = @() }
}

function Invoke-Statement($Runspace, $Console, [string] $Text, $Record) {
    $written = $Console.Written.Count
    $shell = [powershell]::Create()
    $shell.Runspace = $Runspace
    $null = $shell.AddScript($Text).AddCommand('Out-String').AddParameter('Stream').AddParameter('Width', 80)
    $errors = [System.Collections.Generic.List[System.Management.Automation.ErrorRecord]]::new()
    try { $Record.Output = @($shell.Invoke()) }
    catch {
        $thrown = $_.Exception.InnerException
        $errors.Add($(if ($thrown -is [System.Management.Automation.IContainsErrorRecord]) { $thrown.ErrorRecord } else { $_ }))
    }
    $errors.InsertRange(0, $shell.Streams.Error)
    $Record.Errors = @($errors | ForEach-Object { [pscustomobject]@{ Id = $_.FullyQualifiedErrorId; Message = "$_" } })
    $Record.Warnings = @($shell.Streams.Warning | ForEach-Object Message)
    $Record.Host = @($Console.Written | Select-Object -Skip $written)
    $shell.Dispose()
    $Record
}

function Test-Command([System.Management.Automation.Language.CommandAst] $Command, $Record) {
    $name = $Command.GetCommandName()
    $Record.Problems = @(
        if ($name -and $name.Contains('-')) {
            if (-not (Get-Command $name -ErrorAction Ignore)) { "$name is not a command" }
            else {
                foreach ($failed in [System.Management.Automation.Language.StaticParameterBinder]::BindCommand($Command, $true).BindingExceptions.GetEnumerator()) {
                    "${name}: $($failed.Key) ($($failed.Value.BindingException.ErrorId))"
                }
            }
        })
    $Record
}

$records = foreach ($session in Get-Content -Raw $Sessions | ConvertFrom-Json) {
    $null = New-Item -ItemType Directory -Force $session.Home
    $env:HOME = $session.Home
    $console = [StackOps.PowerShell.Tests.TestHost]::new()
    foreach ($answer in $session.Answers) { $console.Answers.Enqueue($answer) }
    $runspace = [runspacefactory]::CreateRunspace($console)
    $runspace.Open()
    $null = $runspace.SessionStateProxy.Path.SetLocation($session.Home)
    try {
        if ($session.Module) { Invoke-Statement $runspace $console "Import-Module '$($session.Module)'" (New-Record $session.Module 0 'Import-Module') }
        foreach ($block in $session.Blocks) {
            $parseErrors = $null
            $ast = [System.Management.Automation.Language.Parser]::ParseInput($block.Text, [ref] $null, [ref] $parseErrors)
            if ($parseErrors) {
                foreach ($parseError in $parseErrors) {
                    $record = New-Record $block.Source ($block.Line + $parseError.Extent.StartLineNumber - 1) $parseError.Extent.Text
                    $record.Problems = @($parseError.Message)
                    $record
                }
                continue
            }
            if ($block.Run) {
                foreach ($statement in $ast.EndBlock.Statements) {
                    $record = New-Record $block.Source ($block.Line + $statement.Extent.StartLineNumber - 1) $statement.Extent.Text
                    Invoke-Statement $runspace $console $statement.Extent.Text $record
                }
            }
            else {
                foreach ($command in $ast.FindAll({ $args[0] -is [System.Management.Automation.Language.CommandAst] }, $true)) {
                    Test-Command $command (New-Record $block.Source ($block.Line + $command.Extent.StartLineNumber - 1) $command.Extent.Text)
                }
            }
        }
    }
    finally { $runspace.Dispose() }
}
ConvertTo-Json -InputObject @($records) -Depth 4 | Set-Content -Path $Result
