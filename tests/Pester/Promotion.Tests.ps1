#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

BeforeDiscovery {
    $script:HasRegistry = Test-Path /usr/bin/docker-registry
}

BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    Import-Module $ModuleManifest -Force
}

Describe 'Promotion between stacks' -Skip:(-not $HasRegistry) {
    BeforeAll {
        $shared = Start-TestRegistry
        $production = Start-TestRegistry
    }
    AfterAll {
        # SIGTERM, which timeout passes on to the registry (Stop-Process would kill timeout alone).
        & kill $shared.Process.Id $production.Process.Id
    }
    BeforeEach {
        $work = Enter-TestStore
        $env:STACKOPS_USER = 'publisher@example.com'
        foreach ($stage in 'dev', 'staging', 'production') {
            $registryHost = if ($stage -eq 'production') { $production.Host } else { $shared.Host }
            New-StackComponent container_registry "$stage-registry" default -Configuration @{ uri = "$registryHost/$(Split-Path $work -Leaf)/$stage" }
            New-Stack $stage -Orchestrator default -ArtifactStore default -ContainerRegistry "$stage-registry"
        }
        Set-StackLifecycle -Stage @{ Name = 'dev'; Stack = 'dev' }, @{ Name = 'staging'; Stack = 'staging' },
            @{ Name = 'production'; Stack = 'production'; Gates = @{ Approvals = @{ Count = 1 } } }
        New-StackPipeline training ml/trainer -Require @{ container_registry = $null }
        $prefix = Split-Path $work -Leaf
    }
    AfterEach {
        Remove-Item Env:STACKOPS_USER -ErrorAction Ignore
        Exit-TestStore
    }

    It 'promotes dev → staging → production with an approval, then rolls back' {
        Push-TestImage $shared.Host "$prefix/dev/ml/trainer" '1.0.0' 'first'
        Push-TestImage $shared.Host "$prefix/dev/ml/trainer" '1.1.0' 'second'
        Publish-StackPipeline training 1.0.0
        Invoke-StackPromotion training 1.0.0 -To staging
        (Get-StackPipeline training -Stage staging).Version | Should -Be '1.0.0'

        { Invoke-StackPromotion training 1.0.0 -To production -ErrorAction Stop } | Should -Throw -ErrorId 'ApprovalGateNotMet,StackOps.PowerShell.Commands.InvokeStackPromotionCommand'
        Request-StackPromotion training 1.0.0 -To production | Out-Null
        $env:STACKOPS_USER = 'alice@example.com'
        Approve-StackPromotion training 1.0.0 -To production
        $record = Invoke-StackPromotion training 1.0.0 -To production
        $record.State | Should -Be 'Succeeded'
        $record.Image | Should -BeLike "$($production.Host)/$prefix/production/ml/trainer@sha256:*"

        Publish-StackPipeline training 1.1.0
        Invoke-StackPromotion training 1.1.0 -To staging
        Request-StackPromotion training 1.1.0 -To production | Out-Null
        $env:STACKOPS_USER = 'bob@example.com'
        Approve-StackPromotion training 1.1.0 -To production
        Invoke-StackPromotion training 1.1.0 -To production
        Request-StackPromotion training 1.0.0 -To production | Out-Null
        $env:STACKOPS_USER = 'alice@example.com'
        Approve-StackPromotion training 1.0.0 -To production
        (Invoke-StackPromotion training 1.0.0 -To production).IsRollback | Should -BeTrue
        (Get-StackPipeline training -Stage production).Version | Should -Be '1.0.0'
        (Get-StackPromotion training -Stage production -State Succeeded).Version | Should -Be @('1.0.0', '1.1.0', '1.0.0')
    }

    # PowerShell itself transcribes the run's errors (Write-Error, a native command's stderr) before StackOps sees them: not tested here.
    It '-Run output is masked on the console and in a transcript' {
        New-StackSecret mlflow -Key password -SecureValue (S 'pester-run-secret-0451')
        New-StackComponent experiment_tracker mlflow mlflow -Configuration @{ tracking_uri = 'https://mlflow.example.com'; tracking_password = '{{ mlflow.password }}' }
        Set-Stack staging -ExperimentTracker mlflow
        Push-TestImage $shared.Host "$prefix/dev/ml/trainer" '1.0.0' 'first'
        Publish-StackPipeline training 1.0.0
        $transcript = Join-Path $TestDrive 'transcript.txt'
        Start-Transcript -Path $transcript | Out-Null
        try {
            Invoke-StackPromotion training 1.0.0 -To staging -Verbose -Run {
                $secret = $env:STACKOPS_EXPERIMENT_TRACKER_TRACKING_PASSWORD
                "output: $secret"
                Write-Host "host: $secret"
                Write-Warning "warning: $secret"
                Write-Verbose "verbose: $secret" -Verbose
                sh -c 'echo "native out: $STACKOPS_EXPERIMENT_TRACKER_TRACKING_PASSWORD"'
            }
        }
        finally { Stop-Transcript | Out-Null }
        $text = Get-Content $transcript -Raw
        $text | Should -Not -Match 'pester-run-secret-0451'
        foreach ($line in 'output', 'host', 'warning', 'verbose', 'native out') { $text | Should -Match "$line\: \*\*\*" }
        (Get-StackPipeline training -Stage staging).Version | Should -Be '1.0.0'
    }

    It '-WhatIf shows every step and changes nothing' {
        Push-TestImage $shared.Host "$prefix/dev/ml/trainer" '1.0.0' 'first'
        Publish-StackPipeline training 1.0.0
        $plan = Invoke-StackPromotion training 1.0.0 -To staging -WhatIf 6>&1 | Out-String
        $plan | Should -Match 'What if: image'
        $plan | Should -Match 'would copy'
        (Get-StackPipeline training -Stage staging).Version | Should -BeNullOrEmpty
    }
}
