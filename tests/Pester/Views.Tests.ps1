#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

# The format views (module/StackOps.format.ps1xml), rendered as a user sees them: at 80 columns every
# view keeps its columns and whole headers, values wrap instead of vanishing, -AsPlainText shows values,
# and Format-List shows nested objects as text, not as .NET type names.

BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    Import-Module $ModuleManifest -Force

    # One sample, or a few, of every type that has a view, as a user's store gives them.
    function New-ViewSamples {
        $s = @{}
        # StackOps' types live in its own AssemblyLoadContext: they are reached through an object's assembly.
        $core = (Get-Stack default).GetType().Assembly
        function T([string] $Name) { $core.GetType("StackOps.Core.$Name", $true) }
        function Typed([string] $Name, [object[]] $Items) { $array = [Array]::CreateInstance((T $Name), $Items.Count); for ($i = 0; $i -lt $Items.Count; $i++) { $array[$i] = $Items[$i] }; , $array }
        $s.StoreLocation = Initialize-StackRepository -PassThru
        $s.StackComponent = @(
            New-StackComponent orchestrator k8s-staging kubernetes -Configuration @{ kubernetes_context = 'staging-cluster'; kubernetes_namespace = 'ml-pipelines' } -Label @{ team = 'ml'; tier = 'staging' }
            New-StackComponent artifact_store s3-staging s3 -Configuration @{ path = 's3://ml-staging/artifacts'; key = '{{ aws_staging.access_key_id }}'; secret = '{{ aws_staging.secret_access_key }}' }
            New-StackComponent container_registry ecr-staging aws -Configuration @{ uri = '123456789012.dkr.ecr.eu-west-1.amazonaws.com' }
            New-StackComponent experiment_tracker mlflow-staging mlflow -Configuration @{ tracking_uri = 'https://mlflow.example.com'; tracking_username = '{{ mlflow.username }}'; tracking_password = '{{ mlflow.password }}' })
        $s.StackSecretInfo = @(
            New-StackSecret aws_staging -Value @{ access_key_id = (S 'AKIAEXAMPLEVIEWS0001'); secret_access_key = (S 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY') } -Label @{ team = 'ml' }
            New-StackSecret mlflow -Value @{ username = 'ml-bot'; password = (S 'mlflow-view-password') })
        $s.StackSecretInfoPlain = Get-StackSecret -AsPlainText
        $s.Stack = @(
            New-Stack staging-eu-west -Orchestrator k8s-staging -ArtifactStore s3-staging -ContainerRegistry ecr-staging -ExperimentTracker mlflow-staging -Label @{ stage = 'staging' }
            New-Stack dev -Orchestrator default -ArtifactStore default -Activate)
        $s.Flavor = Get-StackFlavor -Type orchestrator
        $s.ConfigurationField = (Get-StackFlavor s3 -Type artifact_store).Configuration
        $s.StackValidationResult = @(Get-Stack | Test-Stack)
        $null = New-StackComponent model_deployer seldon seldon -Configuration @{ kubernetes_context = 'x'; base_url = 'https://seldon.example.com'; secret = '{{ seldon.token }}' }
        $null = New-Stack broken -Orchestrator k8s-staging -ArtifactStore s3-staging -ContainerRegistry ecr-staging -ModelDeployer seldon
        $s.StackValidationFinding = @(Test-Stack broken).Findings
        $s.StackValidationResult += @(Test-Stack broken)
        $s.SecretBackendDefinition = @(Register-StackSecretBackend team secretmanagement -Vault TeamVault -PassThru) + @(Get-StackSecretBackend)
        Unregister-StackSecretBackend team -Confirm:$false
        $s.StackComponentConfiguration = Resolve-StackConfiguration staging-eu-west
        $s.StackComponentConfigurationPlain = Resolve-StackConfiguration staging-eu-west -AsPlainText
        $s.ServiceConnector = @(
            New-ServiceConnector registry-staging docker password -Configuration @{ username = 'ml-bot'; password = (S 'registry-view-password') } -ResourceType docker-registry -ResourceId registry.example.com:5000 -SkipVerification
            New-ServiceConnector aws-staging aws secret-key -Configuration @{ region = 'eu-west-1'; aws_access_key_id = (S 'AKIAEXAMPLEVIEWS0002'); aws_secret_access_key = (S 'aws-view-secret-key-0002') } -ResourceType s3-bucket -SkipVerification)
        $s.ConnectorResources = @((T 'Connectors.ConnectorResources')::new('registry-staging', 'docker', 'docker-registry', [string[]] 'registry.example.com:5000', [NullString]::Value, [string[]] ('ml/training', 'ml/serving', 'ml/batch-scoring')),
            (T 'Connectors.ConnectorResources')::new('aws-staging', 'aws', 's3-bucket', [string[]] @(), 'AccessDenied: the key is not allowed to list buckets', $null))
        $s.ConnectorType = Get-ServiceConnectorType
        $s.ConnectorAuthMethod = (Get-ServiceConnectorType aws).AuthMethods
        $s.ServiceConnectorCredential = @(Get-ServiceConnectorCredential registry-staging)
        $s.ServiceConnectorCredentialPlain = @(Get-ServiceConnectorCredential registry-staging -AsPlainText)
        $s.ClientLogin = @((T 'Connectors.ClientLogin')::new('registry-staging', 'docker', '/home/alice/.docker/config.json', 'registry.example.com:5000', $null))
        $s.Pipeline = @(New-StackPipeline training ml/training -Require @{ orchestrator = 'kubernetes', 'kubeflow'; container_registry = $null; experiment_tracker = 'mlflow' } -Description 'Trains the ranking model nightly.')
        Set-StackLifecycle -Stage @{ Name = 'dev'; Stack = 'dev' }, @{ Name = 'staging'; Stack = 'staging-eu-west'; Environment = 'staging'; Gates = @{ RequireVerifiedConnectors = $true; SoakTime = '2h' } },
            @{ Name = 'production'; Stack = 'staging-eu-west'; Environment = 'production'; Gates = @{ Approvals = @{ Count = 1; From = 'alice@example.com', 'bob@example.com' }; AllowedRefs = 'refs/tags/v*'
                FreezeWindows = @{ Name = 'weekend'; Days = 'Saturday', 'Sunday'; TimeZone = 'Europe/Paris' } } }
        $s.LifecycleStage = Get-StackLifecycle
        $at = [DateTimeOffset]::new(2026, 5, 12, 9, 30, 0, [TimeSpan]::Zero)
        $digest = 'sha256:' + ('4f2c1a9e' * 8)
        $s.PipelineVersion = @((T 'Pipelines.PipelineVersion')::new('training', '1.4.0', $digest, '9fceb02d0ae598e95dc970b74767f19372d61af8', 'refs/tags/v1.4.0', 'alice@example.com', $at, 'dev', $null))
        $s.StageStatus = @((T 'Pipelines.StageStatus')::new('training', 'production', 'staging-eu-west', '1.4.0', "registry.example.com:5000/production/ml/training@$digest", $at, 'alice@example.com'),
            (T 'Pipelines.StageStatus')::new('training', 'dev', 'dev', $null, $null, $null, $null))
        $steps = Typed 'Pipelines.PromotionStep' @(
            (T 'Pipelines.PromotionStep')::new('version', 'Passed', '1.4.0 is current on ''staging'' since 2026-05-12 07:00:00Z', $at),
            (T 'Pipelines.PromotionStep')::new('approvals', 'Failed', 'approvals: 0 of 1. Run Request-StackPromotion training 1.4.0 -To production, then 1 more approver(s) among alice@example.com, bob@example.com, not the requester, run Approve-StackPromotion training 1.4.0 -To production.', $at),
            (T 'Pipelines.PromotionStep')::new('image', 'Skipped', 'not reached', $at))
        $decisions = Typed 'Pipelines.ApprovalDecision' @((T 'Pipelines.ApprovalDecision')::new('alice@example.com', $true, 'metrics reviewed', $at))
        $s.PromotionRecord = @(
            (T 'Pipelines.PromotionRecord')::new('20260512T093000000Z-training-1.4.0-production-a1b2c3', 'training', '1.4.0', 'staging', 'production', 'Failed', 'carol@example.com', $at, $null, $steps, $at, $null, $null, $false, $null, $null),
            (T 'Pipelines.PromotionRecord')::new('20260512T100000000Z-training-1.4.0-production-d4e5f6', 'training', '1.4.0', 'staging', 'production', 'Succeeded', 'carol@example.com', $at, $decisions, $null, $at, $digest, "registry.example.com:5000/production/ml/training@$digest", $false, 'new features', $null),
            (T 'Pipelines.PromotionRecord')::new('20260512T110000000Z-training-1.3.2-production-0a0b0c', 'training', '1.3.2', 'staging', 'production', 'Pending', 'carol@example.com', $at, $decisions, $null, $null, $null, $null, $false, 'rollback', $null))
        $s.PromotionStep = $steps
        $s.IntegrationInfo = (T 'Integrations.IntegrationInfo')::new('shell', '1.0.0', 'StackOps.Integrations.Shell.dll', '1.0.0', [string[]]@('a POSIX shell'),
            [string[]]@('orchestrator/shell', 'experiment_tracker/shell-tracker'), '/home/me/.config/stackops/integrations/shell')
        $s.PipelineRunResult = (Get-Command Invoke-StackPipeline).OutputType[0].Type::new($true, 'training 1.4.0 ran on ''greeted'' (local process, exit code 0).', 'https://github.com/octo-org/ml/actions/runs/1234567890')
        $s.TerraformChange = @(
            (T 'Cloud.TerraformChange')::new('aws_s3_bucket_server_side_encryption_configuration.artifacts', 'aws_s3_bucket_server_side_encryption_configuration', 'create')
            (T 'Cloud.TerraformChange')::new('aws_iam_role.connector', 'aws_iam_role', 'delete'))
        $s.CloudStackModule = (T 'Cloud.CloudStackModule')::new('production', 'aws', '/home/me/src/ml/.stackops/infrastructure/production', [string[]]@('main.tf'), [System.Collections.Generic.Dictionary[string, object]]::new())
        $s.EnvironmentDrift = @(
            (T 'GitHub.EnvironmentDrift')::new('production', 'production', 'EnvironmentReviewersDiffer', 'required reviewers', 'alice, octo-org/platform', 'bob')
            (T 'GitHub.EnvironmentDrift')::new('production', 'production', 'EnvironmentSecretMissing', 'secret', 'STACKOPS_SECRET_MLFLOW__PASSWORD', 'missing')
            (T 'GitHub.EnvironmentDrift')::new('', 'CODEOWNERS', 'CodeOwnersOutdated', 'the StackOps block of /home/me/src/ml/.github/CODEOWNERS', '9 rules for @octo-org/platform', 'missing'))
        $s.PendingRun = @((T 'GitHub.PendingRun')::new('octo-org/ml', 12345678901, 'promote training 1.4.0', 'carol', 'production', 42, $at, $true, 'https://github.com/octo-org/ml/actions/runs/12345678901'))
        $grants = Typed 'Store.Remote.GrantBody' @((T 'Store.Remote.GrantBody')::new('g-7f3a9c21', 'alice', 'editor', 'stacks', 'staging-eu-west'),
            (T 'Store.Remote.GrantBody')::new('g-0b1c2d3e', 'alice', 'viewer', $null, $null))
        $s.GrantBody = $grants
        $s.ServerStatus = @((T 'Access.ServerStatus')::new([uri] 'https://stackops.example.com/', 'alice', 'user', 'Connect-StackServer', $grants,
            [string[]] ('stacks:read on everything', 'stacks:update on stacks/staging-eu-west'), '1.0.0'))
        $s.PrincipalBody = @((T 'Store.Remote.PrincipalBody')::new('alice', 'user', 'ML engineer, ranking team', $at, 'admin'),
            (T 'Store.Remote.PrincipalBody')::new('ci-production', 'service-account', 'Promotes into production from GitHub Actions', $at, 'admin'))
        $s.CreatedApiKey = @([StackOps.PowerShell.Commands.CreatedApiKey]::new('k-5e6f7a8b9c0d', 'ci-production', 'GitHub Actions', $at, (S 'sok_view-sample-key-000000000000')))
        $s.ApiKeyBody = @((T 'Store.Remote.ApiKeyBody')::new('k-5e6f7a8b9c0d', 'ci-production', 'GitHub Actions, production environment', $at, 'admin', $at, $null, $at),
            (T 'Store.Remote.ApiKeyBody')::new('k-1a2b3c4d5e6f', 'alice', 'laptop', $at, 'admin', $null, $at, $null))
        $s.RoleBody = @((T 'Store.Remote.RoleBody')::new('approver', [string[]] ('stages:read', 'stages:approve'), 'Approves promotions', $false),
            (T 'Store.Remote.RoleBody')::new('connector-admin', [string[]] ('connectors:read', 'connectors:create', 'connectors:update', 'connectors:delete', 'stacks:read'), $null, $true))
        $s.TrustPolicyBody = @((T 'Store.Remote.TrustPolicyBody')::new('octo-org-ml-production', 'https://token.actions.githubusercontent.com', 'ci-production', 'octo-org/ml', 'production', [string[]] ('refs/tags/v*', 'refs/heads/main'), $null))
        $s.AuditEntryBody = @((T 'Store.Remote.AuditEntryBody')::new(1042, $at, 'alice', 'delete', 'stacks', 'production-eu-west', 'denied', 'PermissionDenied', '10.0.0.7', $null),
            (T 'Store.Remote.AuditEntryBody')::new(1041, $at, 'ci-production', 'sign-in', $null, $null, 'allowed', $null, '10.0.0.9', 'OIDC token of octo-org/ml'))
        $s.ComponentTestResult = @((T 'Components.ComponentTestResult')::new('artifact_store', 's3-staging', 's3', $true, 'the bucket ml-staging answers and lists s3://ml-staging/artifacts/'),
            (T 'Components.ComponentTestResult')::new('container_registry', 'ecr-staging', 'aws', $false, 'the registry 123456789012.dkr.ecr.eu-west-1.amazonaws.com refused: UNAUTHORIZED: authentication required'))
        $s.ComponentItem = @((T 'Components.ComponentItem')::new('artifact_store', 's3-staging', 'runs/2026/', $null, $null),
            (T 'Components.ComponentItem')::new('artifact_store', 's3-staging', 'runs/2026/model/weights-final-epoch-30.safetensors', 1073741824, $at))
        $s.ActionResult = @((T 'GitHub.ActionResult')::new($true, 'promoted', '1.4.0', "registry.example.com:5000/production/ml/training@$digest", 'staging-eu-west', 'production', 1234567890, $false))
        $s
    }

    $null = Enter-TestStore
    $script:Samples = New-ViewSamples
    # The views by type: the labels of their columns.
    $script:Views = @{}
    foreach ($view in ([xml](Get-Content (Join-Path (Split-Path $ModuleManifest) 'StackOps.format.ps1xml') -Raw)).Configuration.ViewDefinitions.View) {
        $Views[$view.ViewSelectedBy.TypeName] = @($view.TableControl.TableHeaders.TableColumnHeader.Label)
    }
}

AfterAll { Exit-TestStore }

Describe 'The format views' {
    It 'cover every type with a view, with a sample of each' {
        $types = $Samples.Values | ForEach-Object { $_ } | ForEach-Object { $_.GetType().FullName } | Sort-Object -Unique
        $types | Should -Be ($Views.Keys | Sort-Object)
    }

    It '<_> fits 80 columns with every column and whole headers' -ForEach @(
        'ActionResult', 'ClientLogin', 'ConfigurationField', 'ConnectorAuthMethod', 'ConnectorResources', 'ConnectorType', 'Flavor', 'LifecycleStage',
        'EnvironmentDrift', 'IntegrationInfo', 'PipelineRunResult', 'TerraformChange', 'CloudStackModule', 'PendingRun', 'Pipeline', 'PipelineVersion', 'PromotionRecord', 'PromotionStep', 'SecretBackendDefinition', 'ServiceConnector',
        'ServiceConnectorCredential', 'Stack', 'StackComponent', 'StackComponentConfiguration', 'StackSecretInfo', 'StackValidationFinding',
        'StackValidationResult', 'StageStatus', 'StoreLocation', 'ServerStatus', 'PrincipalBody', 'CreatedApiKey', 'ApiKeyBody', 'RoleBody', 'GrantBody',
        'TrustPolicyBody', 'AuditEntryBody', 'ComponentTestResult', 'ComponentItem') {
        $objects = @($Samples[$_])
        $labels = $Views[$objects[0].GetType().FullName]
        $lines = ($objects | Format-Table | Out-String -Width 80) -split "`n" | ForEach-Object TrimEnd
        $lines | Where-Object Length -gt 80 | Should -BeNullOrEmpty
        # Every header line (the one above the dashes) holds every label, whole, in order.
        $headers = for ($i = 1; $i -lt $lines.Count; $i++) { if ($lines[$i] -match '^-') { $lines[$i - 1] } }
        $headers | Should -Not -BeNullOrEmpty
        foreach ($header in $headers) { -split $header | Should -Be $labels }
    }

    It 'Get-StackPromotion shows the step a promotion failed at, and why' {
        $text = $Samples.PromotionRecord | Format-Table | Out-String -Width 80
        $text | Should -Match 'Failed +2026-05-12 09:30 approvals: approvals:'
        ($text -replace '\s+', ' ') | Should -Match '0 of 1\. Run Request-'
    }

    It '-AsPlainText shows the values, and without it they are masked' {
        $plain = ($Samples.StackSecretInfoPlain, $Samples.StackComponentConfigurationPlain, $Samples.ServiceConnectorCredentialPlain | ForEach-Object { $_ | Format-Table | Out-String -Width 300 }) -join "`n"
        $plain | Should -Match 'access_key_id=AKIAEXAMPLEVIEWS0001'
        $plain | Should -Match 'tracking_password=mlflow-view-password'
        $plain | Should -Match 'password=registry-view-password'
        $masked = ($Samples.StackSecretInfo, $Samples.StackComponentConfiguration, $Samples.ServiceConnectorCredential | ForEach-Object { $_ | Format-Table | Out-String -Width 300 }) -join "`n"
        $masked | Should -Match 'access_key_id=\*\*\*'
        $masked | Should -Not -Match 'AKIAEXAMPLEVIEWS0001|mlflow-view-password|registry-view-password'
    }

    It 'Format-List shows nested objects as text: <_>' -ForEach @('Flavor', 'LifecycleStage', 'Pipeline', 'PromotionRecord', 'StackComponent', 'ConnectorType', 'ConnectorAuthMethod') {
        $text = $Samples[$_] | Format-List * | Out-String -Width 300
        # A SecureString is PowerShell's own way of showing a value it hides.
        $text -replace 'System\.Security\.SecureString' | Should -Not -Match 'StackOps\.|System\.|\w+ \{ \w+ ='
    }
}
