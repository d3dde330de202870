# A stand-in for Microsoft.PowerShell.SecretManagement (not served to this project's machines): the
# same module name and the cmdlets StackOps calls, with the real module's parameters and output
# shapes, over in-memory vaults. Only the xunit tests load it.
@{
    RootModule        = 'Microsoft.PowerShell.SecretManagement.psm1'
    ModuleVersion     = '1.1.2'
    GUID              = 'a5c858f6-4a8e-41f1-b1ee-0ff8f6ad69d3'
    FunctionsToExport = @('Register-SecretVault', 'Set-Secret', 'Get-Secret', 'Get-SecretInfo')
    CmdletsToExport   = @()
    AliasesToExport   = @()
    VariablesToExport = @()
}
