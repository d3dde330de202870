@{
    RootModule        = 'OneCmdletModule.dll'
    ModuleVersion     = '0.1.0'
    GUID              = 'f1475f26-d3bb-4067-a27d-92d11bd02037'
    CmdletsToExport   = @('Get-Nothing')
    FunctionsToExport = @()
    AliasesToExport   = @()
    VariablesToExport = @()
}
