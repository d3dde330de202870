# Shared set-up for the StackOps Pester tests: the built module, and a fresh user store and
# working folder per test, so no test touches the real profile.
$script:ModuleManifest = if ($env:STACKOPS_TEST_MODULE) { $env:STACKOPS_TEST_MODULE } else { [System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'out', 'StackOps', 'StackOps.psd1') }

function Enter-TestStore {
    $root = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
    $env:STACKOPS_HOME = Join-Path $root 'home'
    Remove-Item Env:STACKOPS_ACTIVE_STACK -ErrorAction Ignore
    $work = New-Item -ItemType Directory -Path (Join-Path $root 'work')
    Push-Location $work
    $work.FullName
}

function Exit-TestStore {
    Pop-Location
    Remove-Item Env:STACKOPS_HOME -ErrorAction Ignore
}

# A SecureString from text, for the tests' credentials.
function S([string] $Text) { ConvertTo-SecureString $Text -AsPlainText -Force }

# A real registry on 127.0.0.1 without authentication (the stacks reach it anonymously).
function Start-TestRegistry {
    $folder = Join-Path $TestDrive "registry-$([guid]::NewGuid().ToString('n'))"
    New-Item -ItemType Directory -Path $folder | Out-Null
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
    Set-Content (Join-Path $folder 'config.yml') "version: 0.1`nlog:`n  level: error`nstorage:`n  filesystem:`n    rootdirectory: $folder/data`nhttp:`n  addr: 127.0.0.1:$port`n"
    # Under timeout, it stops by itself; its output goes to files, so it holds no pipe of this process.
    $process = Start-Process timeout -ArgumentList 300, /usr/bin/docker-registry, serve, (Join-Path $folder 'config.yml') -PassThru `
        -RedirectStandardError (Join-Path $folder 'errors') -RedirectStandardOutput (Join-Path $folder 'log')
    foreach ($attempt in 1..100) {
        try { (Invoke-WebRequest "http://127.0.0.1:$port/v2/" -UseBasicParsing).StatusCode | Out-Null; break } catch { Start-Sleep -Milliseconds 100 }
    }
    [pscustomobject]@{ Host = "127.0.0.1:$port"; Process = $process }
}

# Pushes a one-layer image through the distribution API; returns its digest.
function Push-TestImage([string] $RegistryHost, [string] $Repository, [string] $Tag, [string] $Content) {
    $sha = [System.Security.Cryptography.SHA256]
    function Upload([byte[]] $Bytes) {
        $digest = 'sha256:' + [Convert]::ToHexString($sha::HashData($Bytes)).ToLowerInvariant()
        $start = Invoke-WebRequest -Method Post "http://$RegistryHost/v2/$Repository/blobs/uploads/" -UseBasicParsing
        $location = [string]$start.Headers['Location']
        $separator = if ($location.Contains('?')) { '&' } else { '?' }
        Invoke-WebRequest -Method Put "$location${separator}digest=$digest" -Body $Bytes -ContentType 'application/octet-stream' -UseBasicParsing | Out-Null
        $digest
    }
    $layer = [Text.Encoding]::UTF8.GetBytes($Content)
    $config = [Text.Encoding]::UTF8.GetBytes('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}')
    $manifest = '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"' + (Upload $config) + '","size":' + $config.Length + '},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"' + (Upload $layer) + '","size":' + $layer.Length + '}]}'
    Invoke-WebRequest -Method Put "http://$RegistryHost/v2/$Repository/manifests/$Tag" -Body $manifest -ContentType 'application/vnd.oci.image.manifest.v1+json' -UseBasicParsing | Out-Null
}
