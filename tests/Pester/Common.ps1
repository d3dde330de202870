# Shared set-up for the StackOps Pester tests: the built module, and a fresh user store and
# working folder per test, so no test touches the real profile.
$script:ModuleManifest = if ($env:STACKOPS_TEST_MODULE) { $env:STACKOPS_TEST_MODULE } else { [System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'out', 'StackOps', 'StackOps.psd1') }

function Enter-TestStore {
    $root = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
    $env:STACKOPS_HOME = Join-Path $root 'home'
    Remove-Item Env:STACKOPS_ACTIVE_STACK -ErrorAction Ignore
    $work = New-Item -ItemType Directory -Path (Join-Path $root 'work')
    Push-Location $work
    $work.FullName
}

function Exit-TestStore {
    Pop-Location
    Remove-Item Env:STACKOPS_HOME -ErrorAction Ignore
}

# A SecureString from text, for the tests' credentials.
function S([string] $Text) { ConvertTo-SecureString $Text -AsPlainText -Force }
