#Requires -Version 7.4
<#
.SYNOPSIS
    Runs StackOps' Pester 5 tests against a built module.
.DESCRIPTION
    `dotnet test StackOps.sln` runs this script (PesterSuiteTests) with the tool manifest's pwsh, the
    Debug module and the Pester that the test project restores from NuGet. By hand, after
    `dotnet build StackOps.sln -c Release`:  dotnet tool restore; dotnet pwsh -File tests/Pester/Invoke-Pester.ps1
.PARAMETER Module
    The module manifest to test; the Release build (out/StackOps) by default.
.PARAMETER Server
    The team server's assembly, which Server.Tests.ps1 starts; by default the build of the module's
    configuration (src/StackOps.Server/bin/Release/..., or Debug for a Debug module).
.PARAMETER Pester
    The Pester module to use; by default the one restored from NuGet (pester/5.7.1 in the NuGet
    packages folder), else an installed Pester 5.
#>
[CmdletBinding()]
param(
    [string] $Module = [System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'out', 'StackOps', 'StackOps.psd1'),
    [string] $Pester,
    [string] $Server,
    [string] $ResultPath = [System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'out', 'pester.xml')
)
$ErrorActionPreference = 'Stop'
if (-not (Test-Path $Module)) { throw "No module at ${Module}: build it first (dotnet build StackOps.sln -c Release)." }
if (-not $Pester) {
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { [System.IO.Path]::Combine([Environment]::GetFolderPath('UserProfile'), '.nuget', 'packages') }
    $restored = [System.IO.Path]::Combine($packages, 'pester', '5.7.1', 'tools', 'Pester.psd1')
    $Pester = if (Test-Path $restored) { $restored } else { 'Pester' }
}
Import-Module $Pester -MinimumVersion 5.0
# The test files import the module named here (Common.ps1).
$env:STACKOPS_TEST_MODULE = (Resolve-Path $Module).Path
if (-not $Server) {
    $configurationName = if ($env:STACKOPS_TEST_MODULE -match '[\\/]out[\\/]Debug[\\/]') { 'Debug' } else { 'Release' }
    $Server = [System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'src', 'StackOps.Server', 'bin', $configurationName, 'net10.0', 'StackOps.Server.dll')
}
$env:STACKOPS_TEST_SERVER = [System.IO.Path]::GetFullPath($Server)

$configuration = New-PesterConfiguration
$configuration.Run.Path = $PSScriptRoot
$configuration.Run.Exit = $true
$configuration.Output.Verbosity = 'Detailed'
# A log (CI, a test runner) gets plain text, a console colours.
if ([Console]::IsOutputRedirected) { $configuration.Output.RenderMode = 'Plaintext' }
$configuration.TestResult.Enabled = $true
$configuration.TestResult.OutputFormat = 'NUnitXml'
$configuration.TestResult.OutputPath = $ResultPath
Invoke-Pester -Configuration $configuration
