# Packer step: registers the task that runs bootstrap.ps1 as SYSTEM at every boot,
# so each host converges from its user-data whatever happened since the last boot.
# HPC_BOOTSTRAP_PATH is where the image keeps bootstrap.ps1. Idempotent.
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
trap {
    Write-Host "ERROR: $_"
    ($_.ScriptStackTrace -split '\r?\n') -replace '^', 'ERROR: ' | Write-Host
    Exit 1
}

$bootstrapPath = $env:HPC_BOOTSTRAP_PATH -replace '/', '\'
if (-not (Test-Path -LiteralPath $bootstrapPath)) { throw "no bootstrap at $bootstrapPath" }
$powershell = Join-Path $env:SystemRoot 'System32\WindowsPowerShell\v1.0\powershell.exe'
$arguments = "-NoProfile -NonInteractive -ExecutionPolicy Bypass -File `"$bootstrapPath`""

$action = New-ScheduledTaskAction -Execute $powershell -Argument $arguments
$trigger = New-ScheduledTaskTrigger -AtStartup
$principal = New-ScheduledTaskPrincipal -UserId 'S-1-5-18' -LogonType ServiceAccount -RunLevel Highest
# An hour covers the metadata and host-manager retries; a hung bootstrap must not block the next boot's.
$settings = New-ScheduledTaskSettingsSet -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries `
    -MultipleInstances IgnoreNew -ExecutionTimeLimit (New-TimeSpan -Hours 1)

Register-ScheduledTask -TaskPath '\hpc-fleet\' -TaskName 'bootstrap' -Action $action `
    -Trigger $trigger -Principal $principal -Settings $settings `
    -Description 'hpc-fleet: converges the host from its user-data at every boot' -Force | Out-Null
Write-Host "Registered \hpc-fleet\bootstrap to run $bootstrapPath at startup"
