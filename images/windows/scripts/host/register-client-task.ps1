# Converges the scheduled task that starts the benchmark client: at logon of the
# client account, in its interactive session, at normal priority, elevated when the
# account is an administrator, with no execution time limit (PT0S; the default would
# stop the client after 72 hours), repeated every 5 minutes while the account is
# logged on. The task runs start-client.ps1, whose loop restarts a client that exits;
# the repetition (with IgnoreNew, so never a second copy) starts start-client.ps1
# again if it dies itself. Restart-on-failure only covers a task that fails to launch.
# Idempotent: the task is registered again only when its definition differs.
param(
    [Parameter(Mandatory)] [string] $AccountName,
    # accountIsAdministrator: the client then runs with the account's full token.
    [switch] $IsAdministrator,
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

Import-Module (Join-Path $PSScriptRoot 'HpcFleet.psm1')

# What the client task must be, as Update-HpcScheduledTask compares and registers it.
function Get-ClientTaskDefinition {
    param(
        [Parameter(Mandatory)] [string] $AccountName,
        [switch] $IsAdministrator,
        [Parameter(Mandatory)] [string] $StartClientPath
    )
    if ($AccountName -notmatch $HpcAccountNamePattern) { throw "invalid account name $AccountName" }
    $user = "$env:COMPUTERNAME\$AccountName"
    return @{
        TaskPath           = $HpcTaskPath
        TaskName           = $HpcClientTaskName
        Description        = 'hpc-fleet: runs start-client.ps1 at logon of the client account'
        Execute            = "$env:SystemRoot\System32\WindowsPowerShell\v1.0\powershell.exe"
        Arguments          = "-NoProfile -NonInteractive -ExecutionPolicy Bypass -WindowStyle Hidden -File `"$StartClientPath`""
        Trigger            = 'AtLogOn'
        TriggerUserId      = $user
        RepetitionInterval = 'PT5M'
        UserId             = $user
        LogonType          = 'Interactive'
        # Limited would run an administrator's client with a filtered (UAC) token.
        RunLevel           = if ($IsAdministrator) { 'Highest' } else { 'Limited' }
        # Normal priority. The default, 7, is below normal for CPU, I/O and memory, and the
        # client inherits it from the task: a benchmark fleet would measure less than it has.
        Priority           = 4
        ExecutionTimeLimit = 'PT0S'
        MultipleInstances  = 'IgnoreNew'
        StartWhenAvailable = $true
        RestartCount       = 255
        RestartInterval    = 'PT1M'
    }
}

# Dot-sourced (the tests), the script only defines its functions.
if ($MyInvocation.InvocationName -ne '.') {
    $definition = Get-ClientTaskDefinition -AccountName $AccountName -IsAdministrator:$IsAdministrator `
        -StartClientPath $StartClientPath
    [void](Update-HpcScheduledTask -Definition $definition)
}
