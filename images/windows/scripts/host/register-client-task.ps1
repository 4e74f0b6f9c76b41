# Converges the scheduled task that starts the benchmark client: at logon of the
# client account, in its interactive session, with no execution time limit (PT0S;
# the default would stop the client after 72 hours) and restarts if the task fails.
# The task runs start-client.ps1, whose loop restarts a client that exits.
# Idempotent: the task is registered again only when its definition differs.
param(
    [Parameter(Mandatory)] [ValidatePattern('^[A-Za-z][A-Za-z0-9_-]{0,19}$')] [string] $AccountName,
    [string] $StartClientPath = (Join-Path $PSScriptRoot 'start-client.ps1')
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
trap {
    Write-Host "ERROR: $_"
    ($_.ScriptStackTrace -split '\r?\n') -replace '^', 'ERROR: ' | Write-Host
    Exit 1
}

$taskPath = '\hpc-fleet\'
$taskName = 'start-client'
$user = "$env:COMPUTERNAME\$AccountName"
$powershell = Join-Path $env:SystemRoot 'System32\WindowsPowerShell\v1.0\powershell.exe'
$arguments = "-NoProfile -NonInteractive -ExecutionPolicy Bypass -WindowStyle Hidden -File `"$StartClientPath`""

$action = New-ScheduledTaskAction -Execute $powershell -Argument $arguments
$trigger = New-ScheduledTaskTrigger -AtLogOn -User $user
$principal = New-ScheduledTaskPrincipal -UserId $user -LogonType Interactive -RunLevel Limited
$settings = New-ScheduledTaskSettingsSet -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries `
    -StartWhenAvailable -MultipleInstances IgnoreNew `
    -RestartCount 255 -RestartInterval (New-TimeSpan -Minutes 1)
$settings.ExecutionTimeLimit = 'PT0S'

$existing = Get-ScheduledTask -TaskPath $taskPath -TaskName $taskName -ErrorAction SilentlyContinue
$upToDate = $existing -and
    $existing.Actions.Count -eq 1 -and
    $existing.Actions[0].Execute -eq $powershell -and
    $existing.Actions[0].Arguments -eq $arguments -and
    $existing.Principal.UserId -match "(^|\\)$([regex]::Escape($AccountName))$" -and
    $existing.Principal.LogonType -eq 'Interactive' -and
    $existing.Settings.ExecutionTimeLimit -eq 'PT0S' -and
    $existing.Settings.RestartCount -eq 255 -and
    @($existing.Triggers).Count -eq 1 -and
    $existing.Triggers[0].UserId -match "(^|\\)$([regex]::Escape($AccountName))$"
if ($upToDate) {
    Write-Host "Scheduled task $taskPath$taskName is up to date"
} else {
    Write-Host "Registering scheduled task $taskPath$taskName for $user"
    Register-ScheduledTask -TaskPath $taskPath -TaskName $taskName -Action $action `
        -Trigger $trigger -Principal $principal -Settings $settings `
        -Description 'hpc-fleet: runs start-client.ps1 at logon of the client account' -Force | Out-Null
}
