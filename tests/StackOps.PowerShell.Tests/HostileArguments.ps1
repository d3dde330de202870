# Runs every StackOps cmdlet, parameter by parameter, with hostile arguments, and writes one line
# "escape COMMAND -PARAMETER (VALUE) ErrorId ExceptionType" for each error that is neither a
# StackOps error nor PowerShell's own parameter binding error, then "invocations N".
# Run by HostileInputTests in a worker process (an input that crashes the process fails the test).
$ErrorActionPreference = 'Continue'
$ConfirmPreference = 'None'
$env:CI = 'true'
[System.Environment]::SetEnvironmentVariable('GITHUB_TOKEN', $null)
[System.Environment]::SetEnvironmentVariable('GH_TOKEN', $null)
# Nothing listens there: a call that would go out fails at once.
$env:GITHUB_API_URL = 'http://127.0.0.1:9/api/v3'

$selfContaining = @{ a = 1 }
$selfContaining.self = $selfContaining
$deep = @{ leaf = 1 }
for ($i = 0; $i -lt 200; $i++) { $deep = @{ child = $deep } }
# The hosted engine has no Microsoft.PowerShell.Management module: .NET for the file system.
$folder = [System.IO.Directory]::CreateDirectory([System.IO.Path]::Combine($ExecutionContext.SessionState.Path.CurrentFileSystemLocation.ProviderPath, 'a-folder')).FullName

$text = [ordered]@{
    empty = ''; blank = ' '; bracket = '[abc'; traversal = '../escape'; newline = "a`nb"; rtl = "`u{202E}evil"
    long = 'a' * 300; device = '/dev/zero'; reference = '{{ x.y }}'; star = '*'; nul = "a`0b"; command = '::stop-commands::x'
    lookalike = "st`u{0430}ging"
}
$maps = [ordered]@{
    selfContaining = $selfContaining; deep = $deep; scriptBlock = @{ a = { 1 } }; emptyKey = @{ '' = 1 }
    fileObject = @{ a = [System.IO.FileInfo]'/etc/passwd' }; nested = @{ 'a.b' = @{ c = @($selfContaining) } }
}

function ValuesFor([System.Management.Automation.ParameterMetadata] $parameter, [string] $verb) {
    $type = $parameter.ParameterType
    if ($type -eq [System.Management.Automation.SwitchParameter] -or $type.IsEnum) { return }
    $element = if ($type.IsArray) { $type.GetElementType() } else { $type }
    if ([System.Nullable]::GetUnderlyingType($element)) { $element = [System.Nullable]::GetUnderlyingType($element) }
    if ($element -eq [string]) {
        foreach ($entry in $text.GetEnumerator()) {
            # A writer given a device would replace it: the folder stands for what must not be written over.
            $value = if ($entry.Key -eq 'device' -and $parameter.Name -eq 'Path' -and $verb -notin 'Import', 'Register', 'Set') { $folder } else { $entry.Value }
            [pscustomobject]@{ Name = $entry.Key; Value = $value }
        }
    }
    elseif ([System.Collections.IDictionary].IsAssignableFrom($element)) {
        foreach ($entry in $maps.GetEnumerator()) { [pscustomobject]@{ Name = $entry.Key; Value = $entry.Value } }
    }
    elseif ($element -eq [int] -or $element -eq [long]) {
        [pscustomobject]@{ Name = 'negative'; Value = -1 }
        [pscustomobject]@{ Name = 'max'; Value = [int]::MaxValue }
    }
    elseif ($element -eq [System.DateTimeOffset]) {
        [pscustomobject]@{ Name = 'min'; Value = [System.DateTimeOffset]::MinValue }
        [pscustomobject]@{ Name = 'max'; Value = [System.DateTimeOffset]::MaxValue }
    }
    elseif ($element -eq [scriptblock]) {
        [pscustomobject]@{ Name = 'throws'; Value = { throw 'boom' } }
    }
    elseif ($element -eq [System.Security.SecureString]) {
        [pscustomobject]@{ Name = 'empty'; Value = [System.Security.SecureString]::new() }
    }
    elseif ($element -eq [object] -or $element -eq [psobject] -or $element.Namespace -like 'StackOps*') {
        [pscustomobject]@{ Name = 'text'; Value = '[abc' }
        [pscustomobject]@{ Name = 'file'; Value = [System.IO.FileInfo]'/etc/passwd' }
    }
}

# -ErrorVariable holds terminating errors as the exception PowerShell threw, which carries the cmdlet's record.
function RecordOf($item) { if ($item -is [System.Management.Automation.IContainsErrorRecord]) { $item.ErrorRecord } else { $item } }
function ExceptionOf($item) { $record = RecordOf $item; if ($record -is [System.Management.Automation.ErrorRecord]) { $record.Exception } else { $record } }

function IsAcceptable($record) {
    $exception = ExceptionOf $record
    if ($exception -is [System.Management.Automation.ParameterBindingException]) { return $true }
    return $exception.GetType().FullName -eq 'StackOps.Core.Errors.StackOpsException'
}

$common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
$invocations = 0
foreach ($command in (Get-Command -Module StackOps)) {
    foreach ($set in $command.ParameterSets) {
        $parameters = @($set.Parameters | Where-Object { $common -notcontains $_.Name })
        foreach ($target in $parameters) {
            $metadata = $command.Parameters[$target.Name]
            foreach ($value in (ValuesFor $metadata $command.Verb)) {
                $arguments = @{}
                foreach ($parameter in $parameters) {
                    if ($parameter.Name -eq $target.Name) { $arguments[$parameter.Name] = $value.Value }
                    elseif ($parameter.IsMandatory -and $parameter.ParameterType -ne [System.Management.Automation.SwitchParameter]) {
                        $arguments[$parameter.Name] = if ($parameter.ParameterType -eq [string] -or $parameter.ParameterType -eq [string[]]) { 'default' } else { $null }
                    }
                }
                $errors = @()
                $invocations++
                try {
                    $null = & $command.Name @arguments -ErrorAction SilentlyContinue -ErrorVariable +errors
                }
                catch { $errors += $_ }
                foreach ($record in $errors) {
                    if (-not (IsAcceptable $record)) {
                        $exception = ExceptionOf $record
                        "escape $($command.Name) -$($target.Name) ($($value.Name)) $((RecordOf $record).FullyQualifiedErrorId) $($exception.GetType().FullName): $($exception.Message -replace '\s+', ' ')"
                    }
                }
            }
        }
    }
}
"invocations $invocations"
