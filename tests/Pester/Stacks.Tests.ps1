#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    Import-Module $ModuleManifest -Force
}

Describe 'Stacks' {
    BeforeEach { $work = Enter-TestStore }
    AfterEach { Exit-TestStore }

    It 'every store has the default stack, active' {
        $stack = Get-Stack
        $stack.Name | Should -Be 'default'
        $stack.IsActive | Should -BeTrue
        $stack.Components['orchestrator'] | Should -Be 'default'
    }

    It 'New-Stack writes one YAML document and returns the stack' {
        (New-Stack dev -Orchestrator default -ArtifactStore default).Name | Should -Be 'dev'
        Join-Path $env:STACKOPS_HOME 'stacks/dev.yaml' | Should -Exist
        (New-Stack dev2 -Orchestrator default -ArtifactStore default).Name | Should -Be 'dev2'
    }

    It 'Get-Stack takes wildcards and arrays, and a missing name is ObjectNotFound' {
        'alpha', 'alpine', 'beta' | ForEach-Object { New-Stack $_ -Orchestrator default -ArtifactStore default }
        (Get-Stack al*).Name | Should -Be @('alpha', 'alpine')
        (Get-Stack alpha, beta).Name | Should -Be @('alpha', 'beta')
        Get-Stack zz* | Should -BeNullOrEmpty
        { Get-Stack nope -ErrorAction Stop } | Should -Throw -ErrorId 'StackNotFound,StackOps.PowerShell.Commands.GetStackCommand'
    }

    It 'pipelines remove exactly the matches' {
        'a1', 'a2', 'b1', 'c1' | ForEach-Object { New-Stack $_ -Orchestrator default -ArtifactStore default }
        Get-Stack a* | Remove-Stack -Confirm:$false
        'c1' | Remove-Stack -Confirm:$false
        (Get-Stack).Name | Sort-Object | Should -Be @('b1', 'default')
    }

    It '-WhatIf changes nothing' {
        New-Stack keep -Orchestrator default -ArtifactStore default
        $before = Get-ChildItem $env:STACKOPS_HOME -Recurse -File | Where-Object Name -ne '.lock' | Get-FileHash
        Remove-Stack keep -WhatIf
        Rename-Stack keep other -WhatIf
        Set-ActiveStack keep -WhatIf
        $after = Get-ChildItem $env:STACKOPS_HOME -Recurse -File | Where-Object Name -ne '.lock' | Get-FileHash
        Compare-Object $before $after -Property Path, Hash | Should -BeNullOrEmpty
    }

    It 'the default stack is immutable and the active stack cannot be removed' {
        { Remove-Stack default -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'DefaultStackImmutable,StackOps.PowerShell.Commands.RemoveStackCommand'
        New-Stack dev -Orchestrator default -ArtifactStore default
        Set-ActiveStack dev
        (Get-Stack -Active).Name | Should -Be 'dev'
        { Remove-Stack dev -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'ActiveStackRemoval,StackOps.PowerShell.Commands.RemoveStackCommand'
    }

    It 'a remote orchestrator needs a container registry' {
        New-StackComponent orchestrator k8s kubernetes -Configuration @{ kubernetes_context = 'staging' }
        New-StackComponent artifact_store s3 s3 -Configuration @{ path = 's3://bucket/artifacts' }
        { New-Stack remote -Orchestrator k8s -ArtifactStore s3 -ErrorAction Stop } | Should -Throw -ErrorId 'RequiredComponentMissing,StackOps.PowerShell.Commands.NewStackCommand'
        New-StackComponent container_registry reg default -Configuration @{ uri = 'localhost:5000' }
        { New-Stack remote -Orchestrator k8s -ArtifactStore s3 -ContainerRegistry reg -ErrorAction Stop } | Should -Throw -ErrorId 'LocalComponentNotAllowed,StackOps.PowerShell.Commands.NewStackCommand'
        Set-StackComponent container_registry reg -Configuration @{ uri = 'registry.example.com/ml' }
        New-Stack remote -Orchestrator k8s -ArtifactStore s3 -ContainerRegistry reg
        Test-Stack remote -Quiet | Should -BeTrue
    }

    It 'Test-Stack reports a finding per problem' {
        New-StackComponent orchestrator k8s kubernetes
        New-StackComponent artifact_store s3 s3 -Configuration @{ path = 's3://bucket' }
        New-StackComponent container_registry reg default -Configuration @{ uri = 'registry.example.com/ml' }
        New-Stack remote -Orchestrator k8s -ArtifactStore s3 -ContainerRegistry reg
        Remove-Item (Join-Path $env:STACKOPS_HOME 'components/container_registry/reg.yaml')
        $result = Test-Stack remote
        $result.IsValid | Should -BeFalse
        $result.Findings.Code | Should -Contain 'ComponentNotFound'
    }

    It 'names with <Name> are refused' -TestCases @(
        @{ Name = '../evil' }, @{ Name = 'a/b' }, @{ Name = 'a\b' }, @{ Name = "line`nbreak" }
    ) {
        { New-Stack $Name -Orchestrator default -ArtifactStore default -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidName,StackOps.PowerShell.Commands.NewStackCommand'
        Join-Path $env:STACKOPS_HOME 'stacks' | Should -Not -Exist
    }
}
