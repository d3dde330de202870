#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    Import-Module $ModuleManifest -Force
}

Describe 'Export and import' {
    BeforeEach {
        $work = Enter-TestStore
        New-StackComponent orchestrator k8s kubernetes -Configuration @{ kubernetes_context = 'staging' }
        New-StackComponent artifact_store s3 s3 -Configuration @{ path = 's3://ml/artifacts'; key = '{{ aws.access_key_id }}' }
        New-StackComponent container_registry reg default -Configuration @{ uri = 'registry.example.com/ml' }
        New-Stack staging -Orchestrator k8s -ArtifactStore s3 -ContainerRegistry reg
    }
    AfterEach { Exit-TestStore }

    It 'export, remove and import reproduce the same stack' {
        $file = Join-Path $TestDrive 'staging.yaml'
        $before = Get-ChildItem (Join-Path $env:STACKOPS_HOME 'stacks'), (Join-Path $env:STACKOPS_HOME 'components') -Recurse -File | Get-FileHash
        Export-Stack staging -Path $file
        Get-Content $file -Raw | Should -Match '\{\{ aws\.access_key_id \}\}'
        Remove-Stack staging -IncludeComponents -Confirm:$false
        (Get-Stack).Name | Should -Be 'default'
        Import-Stack $file
        $after = Get-ChildItem (Join-Path $env:STACKOPS_HOME 'stacks'), (Join-Path $env:STACKOPS_HOME 'components') -Recurse -File | Get-FileHash
        Compare-Object $before $after -Property Path, Hash | Should -BeNullOrEmpty
    }

    It 'reads and writes ZenML''s export format' {
        $zenml = Export-Stack staging -Format ZenML
        $zenml | Should -Match 'stack_name: staging'
        $zenml | Should -Match 'zenml_version:'
        ($zenml | Import-Stack -Name zen -PassThru).Components['orchestrator'] | Should -Be 'k8s'
    }

    It 'a component clash needs -ComponentNamePrefix' {
        $yaml = Export-Stack staging
        Set-StackComponent artifact_store s3 -Configuration @{ path = 's3://other' }
        { $yaml | Import-Stack -Name copy -ErrorAction Stop } | Should -Throw -ErrorId 'ComponentNameConflict,StackOps.PowerShell.Commands.ImportStackCommand'
        $yaml | Import-Stack -Name copy -ComponentNamePrefix imported-
        (Get-Stack copy).Components['artifact_store'] | Should -Be 'imported-s3'
    }

    It 'a file that references a missing component changes nothing' {
        $file = Join-Path $TestDrive 'orphan.yaml'
        Set-Content $file "apiVersion: stackops.io/v1`nkind: Stack`nmetadata: { name: orphan }`nspec:`n  components: { orchestrator: ghost, artifact_store: default }"
        { Import-Stack $file -ErrorAction Stop } | Should -Throw -ErrorId 'ImportComponentMissing,StackOps.PowerShell.Commands.ImportStackCommand'
        Get-Stack orphan -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'malformed YAML is InvalidYaml' {
        { Import-Stack -Yaml 'stack_name: [oops' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidYaml,StackOps.PowerShell.Commands.ImportStackCommand'
    }
}
