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

    It 'loads its engine at the first command that needs it, not at import' {
        # Shells that import StackOps in their profile pay the import at every start.
        $self = [Environment]::GetCommandLineArgs()[0]
        $pwsh, $pwshArguments = if ($self -like '*.dll') { 'dotnet', @($self) } else { (Get-Process -Id $PID).Path, @() }
        $engineLoaded = '([AppDomain]::CurrentDomain.GetAssemblies().GetName().Name -match ''^StackOps\.(Core|Abstractions)$'').Count'
        Enter-TestStore | Out-Null
        try {
            $counts = & $pwsh @pwshArguments -NoProfile -NonInteractive -Command "Import-Module '$ModuleManifest'; `$null = Get-Command -Module StackOps; $engineLoaded; `$null = Get-StackFlavor; $engineLoaded"
        }
        finally { Exit-TestStore }
        $counts | Should -Be @('0', '2')
    }
}
