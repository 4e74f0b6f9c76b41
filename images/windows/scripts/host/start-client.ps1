# Runs the benchmark client for the logged-on client account and keeps it running:
# reports status 2 (running) to the host-manager, a heartbeat every
# heartbeatSeconds while the client runs, status 3 when it exits (then restarts it
# after a backoff of 5 s doubling to 5 min), and status 4 when it has failed
# $MaxQuickFailures times in a row without running $HealthyRunMinutes: then it gives up
# on the client but keeps running, reporting status 4 every heartbeatSeconds, and leaves
# the host to the host-manager's remediation. Started at logon, and every 5 minutes
# while none runs, by the scheduled task register-client-task.ps1 sets up. Between
# heartbeats it takes this host's fleet-job tasks (Invoke-HpcTaskTurn, every
# $TaskPollSeconds): a task may restart the client with new arguments, stop it (then it
# reports status 3 every heartbeat and starts nothing until a restart-client task), collect
# its logs or diagnostics, or reboot the host.
param(
    [string] $ConfigPath = 'C:\ProgramData\hpc\config.json',
    [int] $MaxQuickFailures = 10,
    [int] $HealthyRunMinutes = 10,
    [int] $MaxBackoffSeconds = 300,
    [int] $TaskPollSeconds = 5
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
    $script:lastReportAt = Get-HpcMonotonicSeconds
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

# Starts the client with $Client.Arguments; throws when it cannot.
function Start-SupervisedClient {
    param([Parameter(Mandatory)] [hashtable] $Client)
    Write-HpcLog "starting $($Client.Executable)"
    $Client.StartedAt = Get-Date
    $Client.Process = $null
    $Client.Process = Start-ClientProcess -FilePath $Client.Executable -CommandLine (ConvertTo-CommandLine -Arguments $Client.Arguments)
}

# One turn for fleet-job tasks; a heartbeat is sent when one falls due during a long task,
# and a running report when a task started the client. A failure is logged, never thrown.
function Invoke-ClientTasks {
    param([Parameter(Mandatory)] $Config, [Parameter(Mandatory)] [hashtable] $Client)
    $before = $Client.Process
    $instanceId = ''
    if ($script:facts) {
        $instanceId = [string]$script:facts.instanceId
        $cpus = $script:facts.PSObject.Properties['logicalCpus']
        if ($cpus) { $Client.LogicalCpus = [int]$cpus.Value }
    }
    $onTick = {
        if ((Get-HpcMonotonicSeconds) - $script:lastReportAt -ge [int]$Config.heartbeatSeconds) {
            $status = if ($Client.Process) { $HpcStatus.running } else { $Client.IdleStatus }
            Send-ClientStatus -Config $Config -Status $status
        }
    }
    try {
        Invoke-HpcTaskTurn -Config $Config -Client $Client -InstanceId $instanceId -OnTick $onTick
    } catch {
        Write-HpcLog "task turn failed: $($_.Exception.Message)"
    }
    if ($Client.Process -and -not [object]::ReferenceEquals($Client.Process, $before)) {
        Send-ClientStatus -Config $Config -Status $HpcStatus.running
    }
}

# Waits for the client to exit, reporting every heartbeat and taking tasks every
# $TaskPollSeconds (0: at each heartbeat). Returns when the client exited, or a task
# stopped it.
function Wait-SupervisedClient {
    param([Parameter(Mandatory)] $Config, [Parameter(Mandatory)] [hashtable] $Client, [int] $TaskPollSeconds = 0)
    $heartbeatSeconds = [int]$Config.heartbeatSeconds
    while ($Client.Process) {
        $slice = $heartbeatSeconds
        if ($TaskPollSeconds -gt 0) {
            $untilBeat = $heartbeatSeconds - ((Get-HpcMonotonicSeconds) - $script:lastReportAt)
            $slice = [Math]::Max(0.1, [Math]::Min([double]$TaskPollSeconds, $untilBeat))
        }
        if ($Client.Process.WaitForExit([int]($slice * 1000))) { return }
        if ($TaskPollSeconds -le 0 -or (Get-HpcMonotonicSeconds) - $script:lastReportAt -ge $heartbeatSeconds) {
            Send-ClientStatus -Config $Config -Status $HpcStatus.running
        }
        Invoke-ClientTasks -Config $Config -Client $Client
    }
}

# While no client runs (a task stopped it, or the supervisor gave up on it): reports $Status
# every heartbeat and takes tasks every $TaskPollSeconds (0: at each heartbeat), until a
# task starts the client (or, -WhileStopped, lifts the stop: a restart-client task).
function Wait-ClientTask {
    param(
        [Parameter(Mandatory)] $Config,
        [Parameter(Mandatory)] [hashtable] $Client,
        [Parameter(Mandatory)] [int] $Status,
        [int] $TaskPollSeconds = 0,
        [switch] $WhileStopped
    )
    $heartbeatSeconds = [int]$Config.heartbeatSeconds
    # What a heartbeat during a long task says while no client runs.
    $Client.IdleStatus = $Status
    $first = $true
    while ($true) {
        if ($first -or $TaskPollSeconds -le 0 -or (Get-HpcMonotonicSeconds) - $script:lastReportAt -ge $heartbeatSeconds) {
            Send-ClientStatus -Config $Config -Status $Status
        }
        $first = $false
        Invoke-ClientTasks -Config $Config -Client $Client
        if ($WhileStopped) {
            if (-not $Client.Stopped) { return }
        } elseif ($Client.Process) {
            return
        }
        Start-Sleep -Seconds $(if ($TaskPollSeconds -gt 0) { $TaskPollSeconds } else { $heartbeatSeconds })
    }
}

function Start-ClientSupervisor {
    param(
        [Parameter(Mandatory)] [string] $ConfigPath,
        [int] $MaxQuickFailures = 10,
        [int] $HealthyRunMinutes = 10,
        [int] $MaxBackoffSeconds = 300,
        # 0: take tasks at each heartbeat only.
        [int] $TaskPollSeconds = 0,
        # Where the client account keeps its own files (the default arguments a
        # restart-client task kept, dumps, the transcript); none: nothing is kept.
        [AllowEmptyString()] [string] $StateDirectory = ''
    )
    $config = Read-HpcHostConfig -Path $ConfigPath
    $script:facts = $null
    $script:lastReportAt = Get-HpcMonotonicSeconds
    $defaultArgumentsPath = ''
    $dumpDirectory = ''
    if ($StateDirectory) {
        $defaultArgumentsPath = Join-Path $StateDirectory $HpcClientArgumentsFileName
        $dumpDirectory = Join-Path $StateDirectory 'dumps'
    }
    $client = @{
        Executable           = [string]$config.clientExecutable
        Arguments            = [string[]]@(Get-HpcClientArguments -Config $config -Path $defaultArgumentsPath)
        Process              = $null
        StartedAt            = Get-Date
        Stopped              = $false
        Start                = { param($Client) Start-SupervisedClient -Client $Client }
        DefaultArgumentsPath = $defaultArgumentsPath
        LogDirectory         = $StateDirectory
        DumpDirectory        = $dumpDirectory
        LogicalCpus          = 0
        IdleStatus           = $HpcStatus.clientExited
    }
    $quickFailures = 0

    while ($true) {
        if ($client.Stopped) {
            # Stopped by a task: report it, take tasks, start nothing.
            Wait-ClientTask -Config $config -Client $client -Status $HpcStatus.clientExited -TaskPollSeconds $TaskPollSeconds -WhileStopped
            continue
        }
        if (-not $client.Process) {
            try {
                Start-SupervisedClient -Client $client
            } catch {
                Write-HpcLog "could not start the client: $($_.Exception.Message)"
            }
        }
        if ($client.Process) {
            Send-ClientStatus -Config $config -Status $HpcStatus.running
            Invoke-ClientTasks -Config $config -Client $client
            Wait-SupervisedClient -Config $config -Client $client -TaskPollSeconds $TaskPollSeconds
            if ($client.Stopped) { continue }
            if ($client.Process) {
                Write-HpcLog "the client exited with code $($client.Process.ExitCode)"
            } else {
                Write-HpcLog 'the client is not running: a restart-client task could not start it'
            }
            $client.Process = $null
        }

        if (((Get-Date) - $client.StartedAt).TotalMinutes -ge $HealthyRunMinutes) {
            $quickFailures = 0
        } else {
            $quickFailures++
        }
        if ($quickFailures -ge $MaxQuickFailures) {
            Write-HpcLog "the client failed $quickFailures times in a row; giving up until the host is remediated"
            # Alive and reporting: the task's repetition would start a new supervisor (and
            # the client, and status 2) if this one exited, hiding the failure.
            # A restart-client task (new arguments, say) starts it again.
            Wait-ClientTask -Config $config -Client $client -Status $HpcStatus.clientFailed -TaskPollSeconds $TaskPollSeconds
            $quickFailures = 0
            continue
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
        -HealthyRunMinutes $HealthyRunMinutes -MaxBackoffSeconds $MaxBackoffSeconds `
        -TaskPollSeconds $TaskPollSeconds -StateDirectory $logDir
}
