#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

BeforeDiscovery {
    # The per-cmdlet cases are generated at discovery, so the module must be loaded then.
    . "$PSScriptRoot/Common.ps1"
    Import-Module $ModuleManifest -Force
    $cmdlets = (Get-Command -Module StackOps -CommandType Cmdlet).Name
}

BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    Import-Module $ModuleManifest -Force
}

Describe 'The StackOps module' {
    It 'has a valid manifest' {
        $manifest = Test-ModuleManifest -Path $ModuleManifest
        # Every cmdlet class of the module's assembly is exported, and nothing else.
        $classes = (Get-Module StackOps).ImplementingAssembly.GetTypes() |
            ForEach-Object { $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) } | ForEach-Object { "$($_.VerbName)-$($_.NounName)" }
        @($manifest.ExportedCmdlets.Keys | Sort-Object) | Should -Be @($classes | Sort-Object)
        $manifest.ExportedFunctions.Count | Should -Be 0
    }

    It 'uses approved verbs only' {
        $approved = (Get-Verb).Verb
        foreach ($command in Get-Command -Module StackOps) {
            $approved | Should -Contain $command.Verb
        }
    }

    It '<_> has help with a synopsis and examples' -ForEach $cmdlets {
        $help = Get-Help $_ -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis.Trim() | Should -Not -Be $_
        $help.Examples.Example | Should -Not -BeNullOrEmpty
    }

    It 'has the about_StackOps topic' {
        Get-Help about_StackOps | Out-String | Should -Match 'Initialize-StackRepository'
    }
}
