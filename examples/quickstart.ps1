#requires -Version 7.4
<#
.SYNOPSIS
    StackOps quickstart: registers components and stacks in a temporary store, keeps a credential
    in a secret that a component references, validates the stacks, resolves the references,
    shows everything as tables, exports one stack, removes it and imports it back.
.PARAMETER ModulePath
    The module to import; the freshly built out/StackOps by default.
.PARAMETER StorePath
    The (empty) folder to use as the user store; a new temporary folder by default.
#>
[CmdletBinding()]
param(
    [string] $ModulePath = [System.IO.Path]::Combine($PSScriptRoot, '..', 'out', 'StackOps', 'StackOps.psd1'),
    [string] $StorePath = [System.IO.Directory]::CreateTempSubdirectory('stackops-quickstart-').FullName
)
$ErrorActionPreference = 'Stop'

Import-Module $ModulePath -Force
$env:STACKOPS_HOME = $StorePath
# Inside the store's folder no repository store (.stackops) is found above: every command uses the temporary user store.
Push-Location $StorePath
try {
    Write-Host "Store: $StorePath"

    # Components: a Kubernetes orchestrator, an S3 artifact store whose key is a secret reference, and a registry.
    New-StackComponent -Type orchestrator -Name k8s-staging -Flavor kubernetes -Configuration @{ kubernetes_context = 'staging'; kubernetes_namespace = 'ml' }
    New-StackComponent -Type artifact_store -Name s3-staging -Flavor s3 -Configuration @{
        path = 's3://ml-staging/artifacts'
        key  = '{{ aws_staging.access_key_id }}'
    } -Label @{ team = 'ml' }
    New-StackComponent -Type container_registry -Name ecr-staging -Flavor aws -Configuration @{ uri = '123456789012.dkr.ecr.eu-west-1.amazonaws.com' }

    # The credential lives in a secret (encrypted in the user's StackOps home); the component holds only the reference.
    # Interactively you would type it: New-StackSecret aws_staging -Key access_key_id (prompts without echo).
    New-StackSecret -Name aws_staging -Value @{ access_key_id = ConvertTo-SecureString 'AKIAQUICKSTARTEXAMPLE' -AsPlainText -Force }
    Get-StackSecret | Format-Table

    # Stacks: a local one for development and a remote one for staging.
    New-Stack -Name dev -Orchestrator default -ArtifactStore default -Description 'Runs on this machine.'
    New-Stack -Name staging -Orchestrator k8s-staging -ArtifactStore s3-staging -ContainerRegistry ecr-staging -Label @{ stage = 'staging' }
    Set-ActiveStack -Name dev

    Get-Stack | Format-Table
    Get-StackComponent | Format-Table

    # Validation: both stacks pass; a remote orchestrator without a registry would not.
    $results = Get-Stack | Test-Stack
    $results | Format-Table
    if ($results | Where-Object { -not $_.IsValid }) { throw 'A stack failed validation.' }

    # The effective configuration with the reference resolved: the key is a SecureString, the YAML keeps the reference.
    Resolve-StackConfiguration -Stack staging | Format-Table

    # Export, remove, import: the stack comes back as it was.
    $exportFile = [System.IO.Path]::Combine($StorePath, 'staging.export.yaml')
    Export-Stack -Name staging -Path $exportFile
    Remove-Stack -Name staging -IncludeComponents -Confirm:$false
    Import-Stack -Path $exportFile -PassThru | Format-Table

    Write-Host "Done. The store's YAML documents are in $StorePath."
}
finally { Pop-Location }
