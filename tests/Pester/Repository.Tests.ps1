#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    Import-Module $ModuleManifest -Force
}

Describe 'Repository and user scopes' {
    BeforeEach { $work = Enter-TestStore }
    AfterEach { Exit-TestStore }

    It 'finds the repository store from a subfolder and keeps -Scope User apart' {
        Initialize-StackRepository
        Join-Path $work '.stackops/.gitignore' | Should -Exist
        $sub = New-Item -ItemType Directory -Path (Join-Path $work 'src/pipelines')
        Push-Location $sub
        try {
            New-Stack repo -Orchestrator default -ArtifactStore default
            New-Stack mine -Orchestrator default -ArtifactStore default -Scope User
        }
        finally { Pop-Location }
        Join-Path $work '.stackops/stacks/repo.yaml' | Should -Exist
        Join-Path $env:STACKOPS_HOME 'stacks/mine.yaml' | Should -Exist
        (Get-Stack).Name | Sort-Object | Should -Be @('default', 'repo')
        (Get-Stack -Scope User).Name | Sort-Object | Should -Be @('default', 'mine')
    }

    It 'keeps the active stack out of the repository' {
        Initialize-StackRepository
        New-Stack repo -Orchestrator default -ArtifactStore default
        Set-ActiveStack repo
        (Get-Stack -Active).Name | Should -Be 'repo'
        Get-ChildItem (Join-Path $work '.stackops') -Recurse -File | Where-Object Name -like '*active*' | Should -BeNullOrEmpty
    }

    It 'initializing twice needs -Force' {
        Initialize-StackRepository
        { Initialize-StackRepository -ErrorAction Stop } | Should -Throw -ErrorId 'RepositoryAlreadyInitialized,StackOps.PowerShell.Commands.InitializeStackRepositoryCommand'
        Initialize-StackRepository -Force
    }
}
