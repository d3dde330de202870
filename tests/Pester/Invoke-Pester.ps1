#Requires -Version 7.4
<#
.SYNOPSIS
    Runs StackOps' Pester 5 tests against the built module (out/StackOps; build it first).
#>
[CmdletBinding()]
param(
    [string] $ResultPath = [System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'out', 'pester.xml')
)
$ErrorActionPreference = 'Stop'
Import-Module Pester -MinimumVersion 5.0

$configuration = New-PesterConfiguration
$configuration.Run.Path = $PSScriptRoot
$configuration.Run.Exit = $true
$configuration.Output.Verbosity = 'Detailed'
$configuration.TestResult.Enabled = $true
$configuration.TestResult.OutputFormat = 'NUnitXml'
$configuration.TestResult.OutputPath = $ResultPath
Invoke-Pester -Configuration $configuration
