#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

# The action's entry script as the runner starts it (pwsh -File), for what only a real process shows:
# its exit code. The promotion scenarios against GitHub run in the xunit suite (ActionTests).
BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    Import-Module $ModuleManifest -Force
    $script:Entry = [System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'action', 'entry.ps1')

    # Runs entry.ps1 in a new pwsh with a runner's variables and these inputs; returns its exit code, log and outputs.
    function Invoke-Entry([hashtable] $Inputs) {
        $outputs = Join-Path $TestDrive "output-$([guid]::NewGuid().ToString('n'))"
        $saved = @{}
        $variables = @{ GITHUB_WORKSPACE = $work; GITHUB_OUTPUT = $outputs; INPUT_STORE = '.stackops' }
        foreach ($name in $Inputs.Keys) { $variables["INPUT_$($name.Replace('-', '_').ToUpperInvariant())"] = $Inputs[$name] }
        foreach ($name in $variables.Keys) {
            $saved[$name] = [Environment]::GetEnvironmentVariable($name)
            [Environment]::SetEnvironmentVariable($name, $variables[$name])
        }
        try { $log = & ([System.IO.Path]::Combine($PSHOME, $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' }))) -NoProfile -NonInteractive -File $Entry -Module $ModuleManifest 2>&1 | ForEach-Object { "$_" } }
        finally { foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) } }
        $parsed = @{}
        $lines = @(Get-Content $outputs)
        for ($i = 0; $i -lt $lines.Count; $i++) {
            if ($lines[$i] -match '^([\w-]+)<<(.+)$') {
                $name, $delimiter, $value = $Matches[1], $Matches[2], @()
                while ($lines[++$i] -ne $delimiter) { $value += $lines[$i] }
                $parsed[$name] = $value -join "`n"
            }
        }
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Log = $log; Outputs = $parsed }
    }
}

Describe 'The action entry script' {
    BeforeEach {
        $work = Enter-TestStore
        Initialize-StackRepository
        New-Stack dev -Orchestrator default -ArtifactStore default
        Set-StackLifecycle -Stage @{ Name = 'dev'; Stack = 'dev' }
    }
    AfterEach { Exit-TestStore }

    It 'fails the step (exit code 1) on a missing input, and says which' {
        $run = Invoke-Entry @{ pipeline = 'training'; to = 'dev' }
        $run.ExitCode | Should -Be 1
        $run.Log | Should -Contain "::error title=StackOps::The input 'version' is required: give it in the step's with: block (pipeline, version and to are required)."
        $run.Outputs.reason | Should -Be 'invalid-input'
        $run.Outputs.promoted | Should -Be 'false'
    }

    It 'fails the step on an unknown stage, listing the stages' {
        $run = Invoke-Entry @{ pipeline = 'training'; version = '1.0.0'; to = 'qa' }
        $run.ExitCode | Should -Be 1
        $run.Log | Where-Object { $_ -like '::error*' } | Should -BeLike "*'qa' is not a stage of the lifecycle (dev)*"
    }
}
