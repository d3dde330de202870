#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    Import-Module $ModuleManifest -Force
}

Describe 'Cloud stacks' {
    BeforeEach { $work = Enter-TestStore }
    AfterEach { Exit-TestStore }

    It 'New-CloudStack writes a module for each cloud, with its variables and a .gitignore for the state' -ForEach @(
        @{ Provider = 'aws'; Region = 'eu-west-1'; Variable = @{} }
        @{ Provider = 'azure'; Region = 'westeurope'; Variable = @{ subscription_id = '00000000-1111-2222-3333-444444444444' } }
        @{ Provider = 'gcp'; Region = 'europe-west1'; Variable = @{ project_id = 'ml-prod' } }
    ) {
        $module = New-CloudStack "ml-$Provider" -Provider $Provider -Region $Region -Repository octo-org/ml -Environment production -Variable $Variable
        $module.Provider | Should -Be $Provider
        'main.tf', 'outputs.tf', 'variables.tf', 'common-variables.tf', '.gitignore' | ForEach-Object { Join-Path $module.Path $_ | Should -Exist }
        $variables = Get-Content (Join-Path $module.Path 'stackops.auto.tfvars.json') -Raw | ConvertFrom-Json
        $variables.github_repository | Should -Be 'octo-org/ml'
        $variables.github_environment | Should -Be 'production'
        Get-Content (Join-Path $module.Path '.gitignore') | Should -Contain '*.tfstate'
    }

    It 'refuses what the module cannot take, and writes nothing' {
        { New-CloudStack ml -Provider gcp -Region europe-west1 -Repository octo-org/ml -ErrorAction Stop } |
            Should -Throw -ErrorId 'ModuleVariableMissing,StackOps.PowerShell.Commands.NewCloudStackCommand'
        { New-CloudStack ml -Provider aws -Region eu-west-1 -Repository octo-org/ml -Orchestrator kubernetes -ErrorAction Stop } |
            Should -Throw -ErrorId 'ClusterNameMissing,StackOps.PowerShell.Commands.NewCloudStackCommand'
        { New-CloudStack ml -Provider aws -Region eu-west-1 -Repository 'octo-org/ml"' -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidRepository,StackOps.PowerShell.Commands.NewCloudStackCommand'
        Join-Path $env:STACKOPS_HOME 'infrastructure/ml' | Should -Not -Exist
    }

    It 'Deploy-CloudStack without a module says how to write one' {
        { Deploy-CloudStack nothing-here -ErrorAction Stop } |
            Should -Throw -ErrorId 'CloudStackModuleNotFound,StackOps.PowerShell.Commands.DeployCloudStackCommand'
    }
}
