# Packer step: registers the task that runs bootstrap.ps1 as SYSTEM at every boot,
# so each host converges from its user-data whatever happened since the last boot.
# HPC_BOOTSTRAP_PATH is where the image keeps bootstrap.ps1 (and the HpcFleet module
# beside it). Idempotent.
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
trap {
    Write-Host "ERROR: $_"
    ($_.ScriptStackTrace -split '\r?\n') -replace '^', 'ERROR: ' | Write-Host
    Exit 1
}

# What the boot task must be, as Update-HpcScheduledTask compares and registers it.
function Get-BootstrapTaskDefinition {
    param([Parameter(Mandatory)] [string] $BootstrapPath)
    return @{
        TaskPath           = $HpcTaskPath
        TaskName           = $HpcBootstrapTaskName
        Description        = 'hpc-fleet: converges the host from its user-data at every boot'
        Execute            = "$env:SystemRoot\System32\WindowsPowerShell\v1.0\powershell.exe"
        Arguments          = "-NoProfile -NonInteractive -ExecutionPolicy Bypass -File `"$BootstrapPath`""
        Trigger            = 'AtStartup'
        RepetitionInterval = ''
        UserId             = $HpcSystemSid
        LogonType          = 'ServiceAccount'
        RunLevel           = 'Highest'
        Priority           = 7
        # An hour covers the metadata and host-manager retries; a hung bootstrap must not
        # block the next boot's.
        ExecutionTimeLimit = 'PT1H'
        MultipleInstances  = 'IgnoreNew'
        StartWhenAvailable = $false
        RestartCount       = 0
        RestartInterval    = ''
    }
}

function Register-BootstrapTask {
    param([Parameter(Mandatory)] [string] $BootstrapPath)
    if (-not (Test-Path -LiteralPath $BootstrapPath)) { throw "no bootstrap at $BootstrapPath" }
    [void](Update-HpcScheduledTask -Definition (Get-BootstrapTaskDefinition -BootstrapPath $BootstrapPath))
}

# Dot-sourced (the tests), the script only defines its functions.
if ($MyInvocation.InvocationName -ne '.') {
    $bootstrapPath = $env:HPC_BOOTSTRAP_PATH -replace '/', '\'
    Import-Module (Join-Path (Split-Path -Parent $bootstrapPath) 'HpcFleet.psm1')
    Register-BootstrapTask -BootstrapPath $bootstrapPath
}
