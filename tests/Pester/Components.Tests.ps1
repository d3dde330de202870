#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    Import-Module $ModuleManifest -Force
}

Describe 'Components' {
    BeforeEach { $work = Enter-TestStore }
    AfterEach { Exit-TestStore }

    It 'creates, changes, renames, copies and removes a component' {
        New-StackComponent artifact_store s3-dev s3 -Configuration @{ path = 's3://dev'; key = '{{ aws.access_key_id }}' } -Label @{ team = 'ml' }
        $component = Get-StackComponent s3-dev
        $component.Type | Should -Be 'artifact_store'
        $component.Configuration['path'] | Should -Be 's3://dev'
        Get-Content (Join-Path $env:STACKOPS_HOME 'components/artifact_store/s3-dev.yaml') -Raw | Should -Match '\{\{ aws\.access_key_id \}\}'

        $updated = Get-StackComponent s3-dev | Set-StackComponent -Configuration @{ path = 's3://dev2' } -RemoveKey key -PassThru
        $updated.Configuration['path'] | Should -Be 's3://dev2'
        $updated.Configuration.ContainsKey('key') | Should -BeFalse

        (Rename-StackComponent artifact_store s3-dev s3-main -PassThru).Name | Should -Be 's3-main'
        (Copy-StackComponent artifact_store s3-main s3-copy -PassThru).Name | Should -Be 's3-copy'
        Get-StackComponent s3-* | Remove-StackComponent -Confirm:$false
        Get-StackComponent -Type artifact_store | Where-Object Name -ne 'default' | Should -BeNullOrEmpty
    }

    It 'rejects <Case> with <ErrorId>' -TestCases @(
        @{ Case = 'an unknown key'; Configuration = @{ path = 's3://x'; paht = 's3://x' }; ErrorId = 'UnknownConfigurationKey' }
        @{ Case = 'a missing required key'; Configuration = @{}; ErrorId = 'MissingConfigurationKey' }
        @{ Case = 'a wrong type'; Configuration = @{ path = 42 }; ErrorId = 'InvalidConfigurationValue' }
    ) {
        { New-StackComponent artifact_store s3 s3 -Configuration $Configuration -ErrorAction Stop } |
            Should -Throw -ErrorId "$ErrorId,StackOps.PowerShell.Commands.NewStackComponentCommand"
        Join-Path $env:STACKOPS_HOME 'components/artifact_store/s3.yaml' | Should -Not -Exist
    }

    It 'an unknown flavor is FlavorNotFound' {
        { New-StackComponent orchestrator x nomad -ErrorAction Stop } | Should -Throw -ErrorId 'FlavorNotFound,StackOps.PowerShell.Commands.NewStackComponentCommand'
    }

    It 'a component in use cannot be removed' {
        New-StackComponent orchestrator mine local
        New-Stack dev -Orchestrator mine -ArtifactStore default
        { Remove-StackComponent orchestrator mine -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'ComponentInUse,StackOps.PowerShell.Commands.RemoveStackComponentCommand'
        Join-Path $env:STACKOPS_HOME 'components/orchestrator/mine.yaml' | Should -Exist
    }

    It 'renaming a component updates the stacks that use it' {
        New-StackComponent orchestrator mine local
        New-Stack dev -Orchestrator mine -ArtifactStore default
        Rename-StackComponent orchestrator mine ours
        (Get-Stack dev).Components['orchestrator'] | Should -Be 'ours'
    }

    It 'defaults apply on read and are never written' {
        New-StackComponent orchestrator k8s kubernetes
        (Get-StackComponent k8s).EffectiveConfiguration['kubernetes_namespace'] | Should -Be 'zenml'
        Get-Content (Join-Path $env:STACKOPS_HOME 'components/orchestrator/k8s.yaml') -Raw | Should -Not -Match 'kubernetes_namespace'
    }
}
