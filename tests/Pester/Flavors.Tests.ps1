#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    Import-Module $ModuleManifest -Force
}

Describe 'Flavors' {
    BeforeEach { $work = Enter-TestStore }
    AfterEach { Exit-TestStore }

    It 'lists the built-in flavors with their schema' {
        $s3 = Get-StackFlavor s3 -Type artifact_store
        $s3.IsBuiltIn | Should -BeTrue
        ($s3.Configuration | Where-Object Name -eq 'path').Required | Should -BeTrue
        (Get-StackFlavor -Type orchestrator).Name | Should -Contain 'kubernetes'
    }

    It 'registers a custom flavor, validates with it and refuses to unregister it while used' {
        $file = Join-Path $TestDrive 'nomad.yaml'
        Set-Content -Path $file -Value @'
apiVersion: stackops.io/v1
kind: Flavor
metadata:
  name: nomad
  type: orchestrator
spec:
  description: Runs pipelines as Nomad jobs.
  configuration:
    address:
      type: string
      required: true
'@
        (Register-StackFlavor $file -PassThru).Name | Should -Be 'nomad'
        { New-StackComponent orchestrator n nomad -ErrorAction Stop } | Should -Throw -ErrorId 'MissingConfigurationKey,StackOps.PowerShell.Commands.NewStackComponentCommand'
        New-StackComponent orchestrator n nomad -Configuration @{ address = 'https://nomad:4646' }
        { Unregister-StackFlavor orchestrator nomad -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'FlavorInUse,StackOps.PowerShell.Commands.UnregisterStackFlavorCommand'
        Remove-StackComponent orchestrator n -Confirm:$false
        Unregister-StackFlavor orchestrator nomad -Confirm:$false
        Join-Path $env:STACKOPS_HOME 'flavors/orchestrator/nomad.yaml' | Should -Not -Exist
    }
}
