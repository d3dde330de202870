#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    Import-Module $ModuleManifest -Force
}

Describe 'Secrets and secret references' {
    BeforeEach {
        $work = Enter-TestStore
        $savedCI = $env:CI
        Remove-Item Env:STACKOPS_SECRET_BACKEND, Env:STACKOPS_SECRETS_KEY -ErrorAction Ignore
        New-StackComponent artifact_store s3 s3 -Configuration @{ path = 's3://ml'; key = '{{ aws.access_key_id }}'; secret = '{{ aws.secret_access_key }}' }
        New-Stack prod -Orchestrator default -ArtifactStore s3
    }
    AfterEach {
        $env:CI = $savedCI
        Remove-Item Env:STACKOPS_SECRET_BACKEND, Env:STACKOPS_SECRET_AWS__ACCESS_KEY_ID, Env:STACKOPS_SECRET_AWS__SECRET_ACCESS_KEY -ErrorAction Ignore
        Exit-TestStore
    }

    It 'creates a secret, encrypted at rest, and returns its values as SecureStrings' {
        New-StackSecret aws -Value @{ access_key_id = (S 'AKIA-pester-1'); secret_access_key = (S 'sk-pester-2') }
        $secret = Get-StackSecret aws
        $secret.Keys | Should -Be @('access_key_id', 'secret_access_key')
        $secret.Values['access_key_id'] | Should -BeOfType [securestring]
        (Get-StackSecret aws -AsPlainText).Values['secret_access_key'] | Should -Be 'sk-pester-2'
        Get-Content (Join-Path $env:STACKOPS_HOME 'secrets/aws.secret') -Raw | Should -Not -Match 'AKIA-pester-1'
        if (-not $IsWindows) { (Get-Item (Join-Path $env:STACKOPS_HOME 'secrets.key')).UnixFileMode | Should -Be ([System.IO.UnixFileMode]'UserRead, UserWrite') }
    }

    It 'Test-Stack reports a missing secret with its file and line, and passes once it exists' {
        $finding = (Test-Stack prod).Findings | Where-Object Field -eq 'key'
        $finding.Code | Should -Be 'SecretNotFound'
        $finding.File | Should -BeLike '*s3.yaml'
        $finding.Line | Should -BeGreaterThan 0
        Test-Stack prod -SecretValidation None -Quiet | Should -BeTrue
        Register-StackSecret prod -Value @{ 'aws.access_key_id' = (S 'AKIA-pester-3'); 'aws.secret_access_key' = (S 'sk-pester-4') }
        Test-Stack prod -Quiet | Should -BeTrue
    }

    It 'resolves references and keeps them in the stored document' {
        New-StackSecret aws -Value @{ access_key_id = (S 'AKIA-pester-5'); secret_access_key = (S 'sk-pester-6') }
        $s3 = Resolve-StackConfiguration prod | Where-Object Name -eq 's3'
        $s3.Configuration['key'] | Should -BeOfType [securestring]
        (Resolve-StackConfiguration prod -AsPlainText | Where-Object Name -eq 's3').Configuration['secret'] | Should -Be 'sk-pester-6'
        Get-Content (Join-Path $env:STACKOPS_HOME 'components/artifact_store/s3.yaml') -Raw | Should -Match '\{\{ aws\.access_key_id \}\}'
    }

    It 'an unresolved reference is SecretReferenceUnresolved' {
        New-StackSecret aws -Value @{ access_key_id = (S 'AKIA-pester-7') }
        { Resolve-StackConfiguration prod -ErrorAction Stop } | Should -Throw -ErrorId 'SecretReferenceUnresolved,StackOps.PowerShell.Commands.ResolveStackConfigurationCommand'
    }

    It 'never prompts in CI: a missing value is SecretValueMissing and nothing is written' {
        $env:CI = 'true'
        { New-StackSecret token -Key value -ErrorAction Stop } | Should -Throw -ErrorId 'SecretValueMissing,StackOps.PowerShell.Commands.NewStackSecretCommand'
        Join-Path $env:STACKOPS_HOME 'secrets/token.secret' | Should -Not -Exist
    }

    It 'refuses clear-text values, bad names and malformed references' {
        { New-StackSecret x -Value @{ k = 'clear' } -ErrorAction Stop } | Should -Throw -ErrorId 'PlainTextSecretValue,StackOps.PowerShell.Commands.NewStackSecretCommand'
        { New-StackSecret '../x' -Value @{ k = (S 'v-123') } -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidName,StackOps.PowerShell.Commands.NewStackSecretCommand'
        { New-StackComponent artifact_store bad s3 -Configuration @{ path = 's3://x'; key = '{{ aws.}}' } -ErrorAction Stop } |
            Should -Throw -ErrorId 'MalformedSecretReference,StackOps.PowerShell.Commands.NewStackComponentCommand'
    }

    It 'reads secrets from STACKOPS_SECRET_<NAME>__<KEY> with the env backend' {
        $env:STACKOPS_SECRET_AWS__ACCESS_KEY_ID = 'AKIA-env-8'
        $env:STACKOPS_SECRET_AWS__SECRET_ACCESS_KEY = 'sk-env-9'
        $env:STACKOPS_SECRET_BACKEND = 'env'
        Test-Stack prod -Quiet | Should -BeTrue
        (Resolve-StackConfiguration prod -AsPlainText | Where-Object Name -eq 's3').Configuration['key'] | Should -Be 'AKIA-env-8'
    }

    It 'detects a tampered secret file' {
        New-StackSecret aws -Value @{ access_key_id = (S 'AKIA-pester-10') }
        $file = Join-Path $env:STACKOPS_HOME 'secrets/aws.secret'
        $envelope = Get-Content $file -Raw | ConvertFrom-Json
        $bytes = [Convert]::FromBase64String($envelope.ciphertext); $bytes[0] = $bytes[0] -bxor 1
        $envelope.ciphertext = [Convert]::ToBase64String($bytes)
        $envelope | ConvertTo-Json | Set-Content $file
        { Get-StackSecret aws -ErrorAction Stop } | Should -Throw -ErrorId 'SecretTampered,StackOps.PowerShell.Commands.GetStackSecretCommand'
    }

    It 'writes no value to the verbose, debug or warning streams' {
        $output = & {
            New-StackSecret aws -Value @{ access_key_id = (S 'AKIA-pester-11'); secret_access_key = (S 'sk-pester-12') } -Verbose -Debug -WarningAction Continue
            Resolve-StackConfiguration prod -Verbose -Debug -WarningAction Continue
            Remove-StackSecret aws -Force -Confirm:$false -Verbose -Debug -WarningAction Continue
        } *>&1 | Out-String
        $output | Should -Match 'Created secret'
        $output | Should -Not -Match 'AKIA-pester-11'
        $output | Should -Not -Match 'sk-pester-12'
    }
}
