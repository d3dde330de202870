#Requires -Version 7.4
<#
.SYNOPSIS
    The figures that only a real pwsh gives: Import-Module over an empty pwsh (new processes,
    alternating), and, on a store of 10,000 stacks, Get-Stack warm, its first object, and
    Get-Stack | Format-Table. Run by the benchmark (dotnet run -c Release --project bench/StackOps.Benchmarks);
    prints one JSON object.
#>
param(
    [Parameter(Mandatory)] [string] $Module,
    [Parameter(Mandatory)] [string] $Store,
    # Integrations' build outputs (separated by ';'), registered in a home of their own for the import figure with integrations.
    [string] $Integrations = '',
    [int] $Rounds = 10
)
$ErrorActionPreference = 'Stop'

function Median([double[]] $Values) { ($Values | Sort-Object)[[int][Math]::Floor($Values.Count / 2)] }

# Import: wall time of a new pwsh that imports the module, against a new pwsh that does nothing, alternating.
# This pwsh again: `dotnet pwsh` runs pwsh.dll through dotnet, an installed pwsh is its own program.
$self = [Environment]::GetCommandLineArgs()[0]
$pwsh, $pwshArguments = if ($self -like '*.dll') { 'dotnet', @($self) } else { (Get-Process -Id $PID).Path, @() }
# PowerShell's own floor for any module: a new pwsh importing a manifest that declares nothing.
$emptyModule = Join-Path ([IO.Path]::GetTempPath()) "stackops-bench-empty-$PID/Empty.psd1"
$null = New-Item -ItemType Directory (Split-Path $emptyModule) -Force
Set-Content $emptyModule "@{ ModuleVersion = '0.1.0'; GUID = '$([guid]::NewGuid())' }"
$empty = @(); $withEmptyModule = @(); $withModule = @()
foreach ($round in 1..$Rounds) {
    $empty += (Measure-Command { & $pwsh @pwshArguments -NoProfile -NonInteractive -Command 'exit' }).TotalMilliseconds
    $withEmptyModule += (Measure-Command { & $pwsh @pwshArguments -NoProfile -NonInteractive -Command "Import-Module '$emptyModule'; exit" }).TotalMilliseconds
    $withModule += (Measure-Command { & $pwsh @pwshArguments -NoProfile -NonInteractive -Command "Import-Module '$Module'; exit" }).TotalMilliseconds
}
Remove-Item (Split-Path $emptyModule) -Recurse -Force
$inProcess = (Measure-Command { Import-Module $Module }).TotalMilliseconds

# Import with integrations registered (none used), against the same import with none, alternating.
$integrationHome = Join-Path ([IO.Path]::GetTempPath()) "stackops-bench-integrations-$PID"
$emptyHome = Join-Path ([IO.Path]::GetTempPath()) "stackops-bench-home-$PID"
$null = New-Item -ItemType Directory $integrationHome, $emptyHome -Force
$env:STACKOPS_HOME = $integrationHome
$registered = @($Integrations -split ';' | Where-Object { $_ })
foreach ($integration in $registered) { $null = Register-StackIntegration $integration }
$withoutIntegrations = @(); $withIntegrations = @()
foreach ($round in 1..$Rounds) {
    $env:STACKOPS_HOME = $emptyHome
    $withoutIntegrations += (Measure-Command { & $pwsh @pwshArguments -NoProfile -NonInteractive -Command "Import-Module '$Module'; exit" }).TotalMilliseconds
    $env:STACKOPS_HOME = $integrationHome
    $withIntegrations += (Measure-Command { & $pwsh @pwshArguments -NoProfile -NonInteractive -Command "Import-Module '$Module'; exit" }).TotalMilliseconds
}
Remove-Item $integrationHome, $emptyHome -Recurse -Force


$env:STACKOPS_HOME = $Store
Remove-Item Env:STACKOPS_ACTIVE_STACK -ErrorAction Ignore
Push-Location $Store
try {
    $count = @(Get-Stack).Count
    $lists = foreach ($round in 1..$Rounds) { (Measure-Command { Get-Stack }).TotalMilliseconds }
    $firsts = foreach ($round in 1..$Rounds) {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $script:first = $null
        # The first stack read from the store: the built-in default one comes before it and is read from nowhere.
        Get-Stack | ForEach-Object { if ($null -eq $script:first -and $_.Name -ne 'default') { $script:first = $watch.Elapsed.TotalMilliseconds } }
        $script:first
    }
    $tables = foreach ($round in 1..[Math]::Max(3, $Rounds / 2)) { (Measure-Command { Get-Stack | Format-Table | Out-String -Width 120 }).TotalMilliseconds }
    $components = foreach ($round in 1..[Math]::Max(3, $Rounds / 2)) { (Measure-Command { Get-StackComponent }).TotalMilliseconds }
}
finally { Pop-Location }

[ordered]@{
    Stacks = $count
    ImportEmptyMs = Median $empty; ImportEmptyModuleMs = Median $withEmptyModule; ImportWithModuleMs = Median $withModule; ImportInProcessMs = $inProcess
    Integrations = $registered.Count; ImportWithoutIntegrationsMs = Median $withoutIntegrations; ImportWithIntegrationsMs = Median $withIntegrations
    GetStackMs = Median $lists; FirstObjectMs = Median $firsts; FormatTableMs = Median $tables; GetStackComponentMs = Median $components
} | ConvertTo-Json -Compress
