@{
    RootModule           = 'StackOps.PowerShell.dll'
    # Loaded first: it puts StackOps' private dependencies in their own AssemblyLoadContext.
    NestedModules        = @('StackOps.Loader.dll')
    ModuleVersion        = '{{ModuleVersion}}'
    CompatiblePSEditions = @('Core')
    GUID                 = '6f1c3a52-8d4e-4b7a-9c3e-2a5d7e9b1f40'
    Author               = 'StackOps'
    CompanyName          = 'StackOps'
    Copyright            = '(c) StackOps contributors. Licensed under the MIT License.'
    Description          = 'ZenML-style stacks and components for PowerShell: register stacks of orchestrators, artifact stores, container registries and more, validate them against flavor schemas, keep them as reviewable YAML, keep credentials out of them with secret references resolved from encrypted local files, environment variables or SecretManagement vaults, give components short-lived credentials through service connectors (Docker registries, Kubernetes, GitHub, AWS, Azure, Google Cloud), and promote pipeline versions from stack to stack through gates, copying their images between registries.'
    PowerShellVersion    = '7.4'
    FormatsToProcess     = @('StackOps.format.ps1xml')
    CmdletsToExport      = @(
        'Initialize-StackRepository'
        'Get-Stack'
        'New-Stack'
        'Set-Stack'
        'Rename-Stack'
        'Copy-Stack'
        'Remove-Stack'
        'Set-ActiveStack'
        'Test-Stack'
        'Export-Stack'
        'Import-Stack'
        'Get-StackComponent'
        'New-StackComponent'
        'Set-StackComponent'
        'Rename-StackComponent'
        'Copy-StackComponent'
        'Remove-StackComponent'
        'Get-StackFlavor'
        'Register-StackFlavor'
        'Unregister-StackFlavor'
        'New-StackSecret'
        'Get-StackSecret'
        'Set-StackSecret'
        'Rename-StackSecret'
        'Remove-StackSecret'
        'Register-StackSecret'
        'Resolve-StackConfiguration'
        'Get-StackSecretBackend'
        'Register-StackSecretBackend'
        'Unregister-StackSecretBackend'
        'New-ServiceConnector'
        'Get-ServiceConnector'
        'Set-ServiceConnector'
        'Remove-ServiceConnector'
        'Test-ServiceConnector'
        'Get-ServiceConnectorResource'
        'Get-ServiceConnectorType'
        'Get-ServiceConnectorCredential'
        'Connect-ServiceConnector'
        'Connect-StackComponent'
        'Disconnect-StackComponent'
        'New-StackPipeline'
        'Set-StackPipeline'
        'Get-StackPipeline'
        'Remove-StackPipeline'
        'Publish-StackPipeline'
        'Get-StackLifecycle'
        'Set-StackLifecycle'
        'Invoke-StackPromotion'
        'Request-StackPromotion'
        'Approve-StackPromotion'
        'Deny-StackPromotion'
        'Get-StackPromotion'
        'Invoke-StackPromotionAction'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('MLOps', 'ZenML', 'Stacks', 'Secrets', 'ServiceConnectors', 'Promotion', 'GitHubActions', 'Infrastructure', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            LicenseUri   = 'https://github.com/stackops/stackops/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/stackops/stackops'
            ReleaseNotes = 'https://github.com/stackops/stackops/blob/main/CHANGELOG.md'
        }
    }
}
