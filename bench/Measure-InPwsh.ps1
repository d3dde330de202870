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
    # A manifest that declares nothing: PowerShell's floor for any module.
    [Parameter(Mandatory)] [string] $EmptyModule,
    # A manifest and one cmdlet that does nothing: PowerShell's floor for a binary module.
    [Parameter(Mandatory)] [string] $OneCmdletModule,
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
# pwsh records the methods it compiled while starting in the StartupProfileData file of its cache folder, and the next
# pwsh compiles them ahead on another core (.NET's multicore JIT). With one shared folder, a pwsh that imports the
# module would start with the profile of the pwsh before it: fast after one that imported something, slow after one
# that did not. So each kind of process has a cache folder of its own ($env:XDG_CACHE_HOME, read by pwsh on Linux
# and macOS), warmed by one run: each starts like the same command run again by a user. Emptied before every run,
# the folders give the first run on a machine.
$caches = Join-Path ([IO.Path]::GetTempPath()) "stackops-bench-caches-$PID"
$null = New-Item -ItemType Directory $caches -Force
$savedCache = $env:XDG_CACHE_HOME
function Measure-NewPwsh([string] $Command, [string] $Kind, [switch] $Cold) {
    $env:XDG_CACHE_HOME = Join-Path $caches $Kind
    if ($Cold) { Remove-Item $env:XDG_CACHE_HOME -Recurse -Force -ErrorAction Ignore }
    try { (Measure-Command { & $pwsh @pwshArguments -NoProfile -NonInteractive -Command $Command }).TotalMilliseconds }
    finally { $env:XDG_CACHE_HOME = $savedCache }
}
$kinds = [ordered]@{
    Nothing = 'exit'; EmptyModule = "Import-Module '$EmptyModule'; exit"; OneCmdletModule = "Import-Module '$OneCmdletModule'; exit"; Module = "Import-Module '$Module'; exit"
}
$times = @{}
foreach ($kind in $kinds.Keys) { $times[$kind] = @(); $times["$kind-Cold"] = @(); $null = Measure-NewPwsh $kinds[$kind] $kind }
foreach ($round in 1..$Rounds) { foreach ($kind in $kinds.Keys) { $times[$kind] += Measure-NewPwsh $kinds[$kind] $kind } }
foreach ($round in 1..$Rounds) { foreach ($kind in $kinds.Keys) { $times["$kind-Cold"] += Measure-NewPwsh $kinds[$kind] "$kind-Cold" -Cold } }
$inProcess = (Measure-Command { Import-Module $Module }).TotalMilliseconds

# Import with integrations registered (none used), against the same import with none, alternating.
$integrationHome = Join-Path ([IO.Path]::GetTempPath()) "stackops-bench-integrations-$PID"
$emptyHome = Join-Path ([IO.Path]::GetTempPath()) "stackops-bench-home-$PID"
$null = New-Item -ItemType Directory $integrationHome, $emptyHome -Force
$env:STACKOPS_HOME = $integrationHome
$registered = @($Integrations -split ';' | Where-Object { $_ })
foreach ($integration in $registered) { $null = Register-StackIntegration $integration }
$withoutIntegrations = @(); $withIntegrations = @()
foreach ($round in 0..$Rounds) {
    $env:STACKOPS_HOME = $emptyHome
    $without = Measure-NewPwsh $kinds.Module 'Module'
    $env:STACKOPS_HOME = $integrationHome
    $with = Measure-NewPwsh $kinds.Module 'ModuleWithIntegrations'
    if ($round -gt 0) { $withoutIntegrations += $without; $withIntegrations += $with }
}
Remove-Item $integrationHome, $emptyHome, $caches -Recurse -Force

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
    ImportEmptyMs = Median $times.Nothing; ImportEmptyModuleMs = Median $times.EmptyModule; ImportOneCmdletModuleMs = Median $times.OneCmdletModule; ImportWithModuleMs = Median $times.Module
    ImportEmptyColdMs = Median $times['Nothing-Cold']; ImportEmptyModuleColdMs = Median $times['EmptyModule-Cold']
    ImportOneCmdletModuleColdMs = Median $times['OneCmdletModule-Cold']; ImportWithModuleColdMs = Median $times['Module-Cold']
    ImportInProcessMs = $inProcess
    Integrations = $registered.Count; ImportWithoutIntegrationsMs = Median $withoutIntegrations; ImportWithIntegrationsMs = Median $withIntegrations
    GetStackMs = Median $lists; FirstObjectMs = Median $firsts; FormatTableMs = Median $tables; GetStackComponentMs = Median $components
} | ConvertTo-Json -Compress
