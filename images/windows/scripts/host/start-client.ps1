# Runs the benchmark client for the logged-on client account and keeps it running:
# reports status 2 (running) to the host-manager, a heartbeat every
# heartbeatSeconds while the client runs, status 3 when it exits (then restarts it
# after a backoff of 5 s doubling to 5 min), and status 4 when it has failed
# $MaxQuickFailures times in a row without running $HealthyRunMinutes: then it gives up
# on the client but keeps running, reporting status 4 every heartbeatSeconds, and leaves
# the host to the host-manager's remediation. Started at logon, and every 5 minutes
# while none runs, by the scheduled task register-client-task.ps1 sets up.
param(
    [string] $ConfigPath = 'C:\ProgramData\hpc\config.json',
    [int] $MaxQuickFailures = 10,
    [int] $HealthyRunMinutes = 10,
    [int] $MaxBackoffSeconds = 300
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

# Start-Process joins an argument list with spaces and no quoting; quote each
# argument the way CommandLineToArgvW (and the C runtime) splits them again.
function ConvertTo-CommandLine {
    param([AllowEmptyCollection()] [string[]] $Arguments)
    $quoted = foreach ($argument in $Arguments) {
        if ($argument.Length -gt 0 -and $argument -notmatch '[\s"]') {
            $argument
        } else {
            $escaped = $argument -replace '(\\*)"', '$1$1\"' -replace '(\\+)$', '$1$1'
            "`"$escaped`""
        }
    }
    return $quoted -join ' '
}

# Facts come from the metadata service. A failed read must never keep the client from
# starting, so it is retried at the next report instead.
function Send-ClientStatus {
    param([Parameter(Mandatory)] $Config, [Parameter(Mandatory)] [int] $Status)
    if (-not $script:facts) {
        try {
            $script:facts = Get-HpcHostFacts -ClientExecutable $Config.clientExecutable
        } catch {
            Write-HpcLog "host facts unavailable, report skipped: $($_.Exception.Message)"
            return
        }
    }
    try {
        Send-HpcHostStatus -Config $Config -Facts $script:facts -Status $Status -WithReadings | Out-Null
    } catch {
        Write-HpcLog "report failed: $($_.Exception.Message)"
    }
}

function Start-ClientSupervisor {
    param(
        [Parameter(Mandatory)] [string] $ConfigPath,
        [int] $MaxQuickFailures = 10,
        [int] $HealthyRunMinutes = 10,
        [int] $MaxBackoffSeconds = 300
    )
    $config = Read-HpcHostConfig -Path $ConfigPath
    $script:facts = $null
    $heartbeatMilliseconds = [int]$config.heartbeatSeconds * 1000
    $commandLine = ConvertTo-CommandLine -Arguments @($config.clientArguments)
    $quickFailures = 0

    while ($true) {
        Write-HpcLog "starting $($config.clientExecutable)"
        $startedAt = Get-Date
        try {
            $process = Start-ClientProcess -FilePath $config.clientExecutable -CommandLine $commandLine
        } catch {
            Write-HpcLog "could not start the client: $($_.Exception.Message)"
            $process = $null
        }
        if ($process) {
            Send-ClientStatus -Config $config -Status $HpcStatus.running
            # WaitForExit times out every heartbeat: report while the client runs.
            while (-not $process.WaitForExit($heartbeatMilliseconds)) {
                Send-ClientStatus -Config $config -Status $HpcStatus.running
            }
            Write-HpcLog "the client exited with code $($process.ExitCode)"
        }

        if (((Get-Date) - $startedAt).TotalMinutes -ge $HealthyRunMinutes) {
            $quickFailures = 0
        } else {
            $quickFailures++
        }
        if ($quickFailures -ge $MaxQuickFailures) {
            Write-HpcLog "the client failed $quickFailures times in a row; giving up until the host is remediated"
            # Alive and reporting: the task's repetition would start a new supervisor (and
            # the client, and status 2) if this one exited, hiding the failure.
            while ($true) {
                Send-ClientStatus -Config $config -Status $HpcStatus.clientFailed
                Start-Sleep -Seconds $config.heartbeatSeconds
            }
        }
        Send-ClientStatus -Config $config -Status $HpcStatus.clientExited
        $backoff = [Math]::Min(5 * [Math]::Pow(2, [Math]::Max($quickFailures - 1, 0)), $MaxBackoffSeconds)
        Write-HpcLog "restarting the client in $backoff s"
        Start-Sleep -Seconds $backoff
    }
}

# --- The Windows-only boundary (the tests replace it with Mock).

# The client as a Process (WaitForExit, ExitCode), in the client's own directory.
function Start-ClientProcess {
    param([Parameter(Mandatory)] [string] $FilePath, [AllowEmptyString()] [string] $CommandLine)
    $startInfo = New-Object System.Diagnostics.ProcessStartInfo
    $startInfo.FileName = $FilePath
    $startInfo.Arguments = $CommandLine
    $startInfo.WorkingDirectory = Split-Path -Parent $FilePath
    $startInfo.UseShellExecute = $false
    return [System.Diagnostics.Process]::Start($startInfo)
}

# Dot-sourced (the tests), the script only defines its functions.
if ($MyInvocation.InvocationName -ne '.') {
    $logDir = Join-Path $env:LOCALAPPDATA 'hpc'
    New-Item -ItemType Directory -Path $logDir -Force | Out-Null
    Start-Transcript -Path (Join-Path $logDir 'start-client.log') -Append | Out-Null
    Start-ClientSupervisor -ConfigPath $ConfigPath -MaxQuickFailures $MaxQuickFailures `
        -HealthyRunMinutes $HealthyRunMinutes -MaxBackoffSeconds $MaxBackoffSeconds
}
