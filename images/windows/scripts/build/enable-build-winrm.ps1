# The build instance's user-data: the template puts enable-winrm.ps1's text in the
# here-string below. Writes it where the image keeps the host scripts and runs it with
# -AtEveryBoot, so it logs to C:\Windows\Temp and registers itself to run at every boot:
# ECS runs Windows user-data only at an instance's first start, and if that start is cut
# short Packer would wait 30 minutes for a listener that never comes, with no log to read.
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
trap {
    Write-Host "ERROR: $_"
    ($_.ScriptStackTrace -split '\r?\n') -replace '^', 'ERROR: ' | Write-Host
    Exit 1
}

$EnableWinRMText = @'
__ENABLE_WINRM_PS1__
'@

# Where the file provisioner puts the host scripts later (the same file, again). The 64-bit
# Program Files, also when the user-data runs in a 32-bit process.
function Get-HostScriptsDirectory {
    $programFiles = $env:ProgramW6432
    if (-not $programFiles) { $programFiles = $env:ProgramFiles }
    return Join-Path $programFiles 'hpc-fleet'
}

function Install-EnableWinRM {
    param([Parameter(Mandatory)] [string] $Directory, [Parameter(Mandatory)] [string] $Text)
    New-Item -ItemType Directory -Path $Directory -Force | Out-Null
    $path = Join-Path $Directory 'enable-winrm.ps1'
    [System.IO.File]::WriteAllText($path, $Text, (New-Object System.Text.UTF8Encoding($false)))
    return $path
}

function Enable-BuildWinRM {
    param([Parameter(Mandatory)] [string] $Directory, [Parameter(Mandatory)] [string] $Text)
    Start-EnableWinRM -Path (Install-EnableWinRM -Directory $Directory -Text $Text)
}

# --- The Windows-only boundary (the tests replace it with Mock).

# In 64-bit Windows PowerShell, whatever the user-data runs in: a 32-bit one lacks modules
# enable-winrm.ps1 needs.
function Start-EnableWinRM {
    param([Parameter(Mandatory)] [string] $Path)
    $system = if ([Environment]::Is64BitProcess) { 'System32' } else { 'Sysnative' }
    & "$env:SystemRoot\$system\WindowsPowerShell\v1.0\powershell.exe" -NoProfile -NonInteractive `
        -ExecutionPolicy Bypass -File $Path -AtEveryBoot
    if ($LASTEXITCODE -ne 0) { throw "enable-winrm.ps1 failed with exit code $LASTEXITCODE" }
}

# Dot-sourced (the tests), the script only defines its functions.
if ($MyInvocation.InvocationName -ne '.') {
    Enable-BuildWinRM -Directory (Get-HostScriptsDirectory) -Text $EnableWinRMText
}
