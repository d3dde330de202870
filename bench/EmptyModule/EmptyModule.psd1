# PowerShell's floor for any module: a manifest that declares nothing (imported by the benchmark).
@{
    ModuleVersion = '0.1.0'
    GUID          = 'ac67a810-39fc-43a6-9fde-cb0f242c1503'
}
