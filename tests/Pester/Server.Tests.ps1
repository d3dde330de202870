#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

# A team on a StackOps server, in a real pwsh: the server started as README says (its own process,
# SQLite in its default folder), an admin who sets up the team, an engineer who promotes, and a
# second person who approves production. Identities come from API keys, not from the session.

BeforeDiscovery {
    $script:Runnable = (Test-Path /usr/bin/docker-registry) -and $env:STACKOPS_TEST_SERVER -and (Test-Path $env:STACKOPS_TEST_SERVER)
}

BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    Import-Module $ModuleManifest -Force

    function Start-TestServer([string] $AdminKey) {
        $folder = Join-Path $TestDrive "server-$([guid]::NewGuid().ToString('n'))"
        New-Item -ItemType Directory -Path $folder | Out-Null
        $saved = $env:STACKOPS_HOME, $env:STACKOPS_ADMIN_API_KEY
        $env:STACKOPS_HOME = $folder
        $env:STACKOPS_ADMIN_API_KEY = $AdminKey
        try {
            # Under timeout, it stops by itself; its output goes to files, so it holds no pipe of this process.
            $process = Start-Process timeout -ArgumentList 300, dotnet, $env:STACKOPS_TEST_SERVER, --urls, http://127.0.0.1:0 -PassThru `
                -RedirectStandardOutput (Join-Path $folder 'log') -RedirectStandardError (Join-Path $folder 'errors')
        }
        finally { $env:STACKOPS_HOME, $env:STACKOPS_ADMIN_API_KEY = $saved }
        foreach ($attempt in 1..300) {
            $listening = Select-String -Path (Join-Path $folder 'log') -Pattern 'Now listening on: (http://127\.0\.0\.1:\d+)' -ErrorAction Ignore | Select-Object -First 1
            if ($listening) { return [pscustomobject]@{ Address = $listening.Matches[0].Groups[1].Value; Process = $process; Log = Join-Path $folder 'log' } }
            Start-Sleep -Milliseconds 100
        }
        throw "The server did not start: $(Get-Content (Join-Path $folder 'log'), (Join-Path $folder 'errors') -Raw -ErrorAction Ignore)"
    }
}

Describe 'A team on a StackOps server' -Skip:(-not $Runnable) {
    BeforeAll {
        $adminKey = 'sok_pester-admin-key-00000000000000000000'
        $server = Start-TestServer $adminKey
        $registry = Start-TestRegistry
        $work = Enter-TestStore
        $prefix = Split-Path $work -Leaf
    }
    AfterAll {
        Exit-TestStore
        & kill $server.Process.Id $registry.Process.Id
    }

    It 'sets up users and roles, promotes to staging, and promotes to production once a second person approved' {
        $admin = Connect-StackServer $server.Address -ApiKey (S $adminKey)
        $admin.Principal | Should -Be 'admin'

        New-StackUser alice -Description 'ML engineer' | Out-Null
        New-StackUser bob -Description 'Approver' | Out-Null
        New-StackRole approver -Permission stages:read, stages:approve | Out-Null
        Grant-StackPermission alice editor | Out-Null
        Grant-StackPermission bob viewer | Out-Null
        Grant-StackPermission bob approver -Kind stages -Name production | Out-Null
        $aliceKey = (New-StackApiKey alice -Description laptop).Key
        $bobKey = (New-StackApiKey bob -Description laptop).Key
        foreach ($stage in 'dev', 'staging', 'production') {
            New-StackComponent container_registry "$stage-registry" default -Configuration @{ uri = "$($registry.Host)/$prefix/$stage" } | Out-Null
            New-Stack $stage -Orchestrator default -ArtifactStore default -ContainerRegistry "$stage-registry" | Out-Null
        }
        Set-StackLifecycle -Stage @{ Name = 'dev'; Stack = 'dev' }, @{ Name = 'staging'; Stack = 'staging' },
            @{ Name = 'production'; Stack = 'production'; Gates = @{ Approvals = @{ Count = 1; From = 'bob' } } }
        New-StackPipeline training ml/trainer -Require @{ container_registry = $null } | Out-Null

        (Connect-StackServer $server.Address -ApiKey $aliceKey).Principal | Should -Be 'alice'
        Push-TestImage $registry.Host "$prefix/dev/ml/trainer" '1.0.0' 'pester server layer'
        Publish-StackPipeline training 1.0.0
        (Invoke-StackPromotion training 1.0.0 -To staging).State | Should -Be 'Succeeded'
        { Invoke-StackPromotion training 1.0.0 -To production -ErrorAction Stop } | Should -Throw -ErrorId 'ApprovalGateNotMet,StackOps.PowerShell.Commands.InvokeStackPromotionCommand'
        Request-StackPromotion training 1.0.0 -To production | Out-Null
        { Approve-StackPromotion training 1.0.0 -To production -ErrorAction Stop } | Should -Throw -ErrorId 'SelfApprovalForbidden,StackOps.PowerShell.Commands.ApproveStackPromotionCommand'
        # On a server, who acts is the key's principal: naming someone else changes nothing.
        $env:STACKOPS_USER = 'bob'
        try {
            { Approve-StackPromotion training 1.0.0 -To production -ErrorAction Stop } | Should -Throw -ErrorId 'SelfApprovalForbidden,StackOps.PowerShell.Commands.ApproveStackPromotionCommand'
        }
        finally { Remove-Item Env:STACKOPS_USER }

        (Connect-StackServer $server.Address -ApiKey $bobKey).Principal | Should -Be 'bob'
        (Approve-StackPromotion training 1.0.0 -To production -Comment 'model card reviewed').Decisions.By | Should -Be 'bob'
        { Remove-Stack production -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'PermissionDenied,StackOps.PowerShell.Commands.RemoveStackCommand'

        Connect-StackServer $server.Address -ApiKey $aliceKey | Out-Null
        $record = Invoke-StackPromotion training 1.0.0 -To production
        $record.State | Should -Be 'Succeeded'
        $record.Decisions.By | Should -Be 'bob'
        $record.RequestedBy | Should -Be 'alice'
        (Get-StackPipeline training -Stage production).Version | Should -Be '1.0.0'

        Connect-StackServer $server.Address -ApiKey (S $adminKey) | Out-Null
        (Get-StackAuditLog -Principal bob -Kind stages -Name production -Outcome allowed).Action | Should -Contain 'approve'
        (Get-StackAuditLog -Principal bob -Outcome denied -First 1).ErrorId | Should -Be 'PermissionDenied'
        Get-Content $server.Log -Raw | Should -Not -Match ([regex]::Escape($adminKey))
        Disconnect-StackServer
    }
}
