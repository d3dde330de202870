#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    Import-Module $ModuleManifest -Force
}

Describe 'Service connectors' {
    BeforeEach {
        $work = Enter-TestStore
        $savedCI = $env:CI
        Remove-Item Env:STACKOPS_ALLOW_IMPLICIT_AUTH -ErrorAction Ignore
    }
    AfterEach {
        $env:CI = $savedCI
        Exit-TestStore
    }

    It 'describes the connector types' {
        (Get-ServiceConnectorType).Name | Should -Be @('docker', 'kubernetes', 'github', 'aws', 'azure', 'gcp')
        (Get-ServiceConnectorType aws).AuthMethods.Name | Should -Contain 'iam-role'
        (Get-ServiceConnectorType -ResourceType s3-bucket).Name | Should -Be 'aws'
    }

    It 'keeps the credentials in a secret and references in the document' {
        New-ServiceConnector reg docker password -Configuration @{ username = 'ci'; password = (S 'pester-pw-1') } -ResourceType docker-registry -ResourceId registry.example.com -SkipVerification
        $document = Get-Content (Join-Path $env:STACKOPS_HOME 'connectors/reg.yaml') -Raw
        $document | Should -Match '\{\{ connector-reg\.password \}\}'
        $document | Should -Not -Match 'pester-pw-1'
        (Get-StackSecret connector-reg -AsPlainText).Values['password'] | Should -Be 'pester-pw-1'
    }

    It 'fails verification against an unreachable registry within the time limit' {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        { New-ServiceConnector reg docker password -Configuration @{ username = 'ci'; password = (S 'pw-123') } -ResourceType docker-registry -ResourceId 127.0.0.1:9 -TimeoutSec 2 -ErrorAction Stop } |
            Should -Throw -ErrorId 'ConnectorVerificationFailed,StackOps.PowerShell.Commands.NewServiceConnectorCommand'
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
        Join-Path $env:STACKOPS_HOME 'connectors/reg.yaml' | Should -Not -Exist
    }

    It 'refuses <Case> with <ErrorId>' -TestCases @(
        @{ Case = 'an unknown type'; Script = { New-ServiceConnector c nomad token -SkipVerification -ErrorAction Stop }; ErrorId = 'UnknownConnectorType' }
        @{ Case = 'an unknown auth method'; Script = { New-ServiceConnector c docker oauth -SkipVerification -ErrorAction Stop }; ErrorId = 'UnknownAuthMethod' }
        @{ Case = 'an extra field'; Script = { New-ServiceConnector c docker password -Configuration @{ username = 'u'; password = (S 'pw-123'); colour = 'blue' } -SkipVerification -ErrorAction Stop }; ErrorId = 'UnknownConfigurationKey' }
        @{ Case = 'implicit auth'; Script = { New-ServiceConnector c aws implicit -Configuration @{ region = 'eu-west-1' } -SkipVerification -ErrorAction Stop }; ErrorId = 'ImplicitAuthDisabled' }
    ) {
        $Script | Should -Throw -ErrorId "$ErrorId,StackOps.PowerShell.Commands.NewServiceConnectorCommand"
    }

    It 'never prompts in CI for a missing credential' {
        $env:CI = 'true'
        { New-ServiceConnector c docker password -Configuration @{ username = 'u' } -SkipVerification -ErrorAction Stop } |
            Should -Throw -ErrorId 'SecretValueMissing,StackOps.PowerShell.Commands.NewServiceConnectorCommand'
    }

    It 'links components to fitting connectors and keeps a connector in use' {
        New-ServiceConnector aws aws secret-key -Configuration @{ region = 'eu-west-1'; aws_access_key_id = (S 'AKIA-1'); aws_secret_access_key = (S 'sk-12') } -SkipVerification
        New-ServiceConnector reg docker password -Configuration @{ username = 'u'; password = (S 'pw-123') } -SkipVerification
        New-StackComponent artifact_store s3 s3 -Configuration @{ path = 's3://ml-data/artifacts' }
        { Connect-StackComponent artifact_store s3 reg -ErrorAction Stop } | Should -Throw -ErrorId 'ConnectorMismatch,StackOps.PowerShell.Commands.ConnectStackComponentCommand'
        (Connect-StackComponent artifact_store s3 aws).Connector.ResourceId | Should -Be 's3://ml-data'
        { Remove-ServiceConnector aws -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'ConnectorInUse,StackOps.PowerShell.Commands.RemoveServiceConnectorCommand'
        Disconnect-StackComponent artifact_store s3
        Remove-ServiceConnector aws -Confirm:$false
        Get-ServiceConnector | Should -HaveCount 1
    }

    It 'an expired connector says how to renew it' {
        New-ServiceConnector k8s kubernetes token -Configuration @{ server = 'https://127.0.0.1:6443'; token = (S 'tok-1') } -ExpiresAt ([DateTimeOffset]::UtcNow.AddMinutes(1)) -SkipVerification
        { Test-ServiceConnector k8s -ErrorAction Stop } | Should -Throw -ErrorId 'ConnectorExpired,StackOps.PowerShell.Commands.TestServiceConnectorCommand'
    }
}
