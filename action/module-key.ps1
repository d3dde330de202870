#Requires -Version 7.4
<#
.SYNOPSIS
    The cache key of the action's built module: the runner's OS and a hash of the sources the build
    reads, so a new version of the action builds once and every later run on that runner reuses it.
#>
$ErrorActionPreference = 'Stop'
$root = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..'))
$files = @('global.json', 'Directory.Build.props', 'Directory.Packages.props') | ForEach-Object { [System.IO.Path]::Combine($root, $_) }
$files += @('src', 'module') | ForEach-Object { [System.IO.Directory]::EnumerateFiles([System.IO.Path]::Combine($root, $_), '*', 'AllDirectories') } |
    Where-Object { $_ -notmatch '[\\/](bin|obj)[\\/]' }
# Core cmdlets and .NET only: the action does not rely on the Utility module.
$ordered = [string[]]@($files)
[Array]::Sort($ordered, [StringComparer]::Ordinal)
$sha = [System.Security.Cryptography.IncrementalHash]::CreateHash('SHA256')
foreach ($file in $ordered) {
    $sha.AppendData([System.Text.Encoding]::UTF8.GetBytes([System.IO.Path]::GetRelativePath($root, $file).Replace('\', '/')))
    $sha.AppendData([System.IO.File]::ReadAllBytes($file))
}
$key = "stackops-module-$env:RUNNER_OS-$([Convert]::ToHexString($sha.GetHashAndReset()).ToLowerInvariant())"
if ($env:GITHUB_OUTPUT) { [System.IO.File]::AppendAllText($env:GITHUB_OUTPUT, "key=$key`n") } else { $key }
