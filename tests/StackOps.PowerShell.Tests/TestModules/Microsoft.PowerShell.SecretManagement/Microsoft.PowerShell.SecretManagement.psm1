# In-memory vaults with SecretManagement's semantics for what StackOps reads: Get-SecretInfo
# (-Name takes wildcards) and Get-Secret (-AsPlainText turns string and SecureString secrets
# into strings; hashtables and PSCredentials come back as they were stored).
$script:Vaults = @{}

function Register-SecretVault {
    param([Parameter(Mandatory)] [string] $Name, [string] $ModuleName = 'Microsoft.PowerShell.SecretStore')
    $script:Vaults[$Name] = @{}
}

function Set-Secret {
    param([Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [object] $Secret, [string] $Vault)
    $script:Vaults[$Vault][$Name] = $Secret
}

function Get-SecretInfo {
    [CmdletBinding()]
    param([string] $Name = '*', [string] $Vault)
    if (-not $script:Vaults.ContainsKey($Vault)) { throw "Vault $Vault does not exist in registry." }
    foreach ($entry in $script:Vaults[$Vault].GetEnumerator()) {
        if ($entry.Key -like $Name) {
            $type = if ($entry.Value -is [hashtable]) { 'Hashtable' } elseif ($entry.Value -is [pscredential]) { 'PSCredential' } else { 'String' }
            [pscustomobject]@{ Name = $entry.Key; Type = $type; VaultName = $Vault; Metadata = @{} }
        }
    }
}

function Get-Secret {
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Name, [string] $Vault, [switch] $AsPlainText)
    if (-not $script:Vaults.ContainsKey($Vault)) { throw "Vault $Vault does not exist in registry." }
    if (-not $script:Vaults[$Vault].ContainsKey($Name)) { throw "The secret $Name was not found." }
    $secret = $script:Vaults[$Vault][$Name]
    if ($secret -is [string] -and $secret -like 'fail:*') { throw "The vault failed while reading $($secret.Substring(5))." }
    if ($AsPlainText -and $secret -is [securestring]) { return [System.Net.NetworkCredential]::new('', $secret).Password }
    if (-not $AsPlainText -and $secret -is [string]) { return [System.Net.NetworkCredential]::new('', $secret).SecurePassword }
    $secret
}
