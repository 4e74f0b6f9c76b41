# Converges a fleet host, as SYSTEM at every boot (scheduled task from the image)
# and once from user-data at first boot: reads the host config from this
# instance's user-data (fetched again from the metadata service each time, so a
# config change reaches the host at its next boot), writes it to
# C:\ProgramData\hpc\config.json readable only by SYSTEM, Administrators and the
# client account, runs enable-winrm, set-autologon and register-client-task, and
# when autologon was just configured reports status 1 (starting) and reboots once
# so the account logs on. Without a host config in the user-data, or without
# user-data (the image build instance), it does nothing.
param(
    # The host config user-data hands over at first boot; used only when the
    # metadata service does not answer.
    [string] $HostConfigJson = ''
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

$WinlogonKey = 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon'
# Long enough for the cloud's init agent (host name, Administrator password, user-data at a
# first start) to finish what it is doing when the bootstrap asks for a reboot.
$RebootDelaySeconds = 60

# What this boot converges from: the host config's JSON from this instance's user-data
# (Json $null when it holds none) and the instance id; the config passed in, and no id,
# when the metadata service does not answer.
function Get-HostInput {
    param([AllowEmptyString()] [string] $Fallback = '')
    try {
        $token = Get-HpcMetadataToken
        try {
            $userData = Get-HpcMetadata -Path 'user-data' -Token $token
        } catch {
            # 404: the instance has no user-data at all.
            if ((Get-HpcHttpStatusCode $_) -ne 404) { throw }
            $userData = ''
        }
        return [pscustomobject]@{
            Json       = Get-HpcHostConfigFromUserData -UserData $userData
            InstanceId = (Get-HpcMetadata -Path 'meta-data/instance-id' -Token $token).Trim()
        }
    } catch {
        if ($Fallback) {
            Write-HpcLog "user-data unavailable ($($_.Exception.Message)); using the config passed in"
            return [pscustomobject]@{ Json = $Fallback; InstanceId = '' }
        }
        throw
    }
}

function Invoke-Step {
    param([Parameter(Mandatory)] [string] $Script, [hashtable] $Arguments = @{})
    Write-HpcLog "running $Script"
    $global:LASTEXITCODE = 0
    & (Join-Path $PSScriptRoot $Script) @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Script failed with exit code $LASTEXITCODE" }
}

# Whether Winlogon will log $AccountName on at the next boot as things stand.
function Test-AutologonFor {
    param([Parameter(Mandatory)] [string] $AccountName, [Parameter(Mandatory)] [string] $ComputerName)
    return (Get-HpcRegistryValue -Key $WinlogonKey -Name 'AutoAdminLogon') -eq '1' -and
        (Get-HpcRegistryValue -Key $WinlogonKey -Name 'DefaultUserName') -eq $AccountName -and
        (Get-HpcRegistryValue -Key $WinlogonKey -Name 'DefaultDomainName') -eq $ComputerName
}

# Writes the config as rendered (it parsed already), so an unchanged config is an
# unchanged file; says whether it wrote.
function Write-HostConfig {
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [string] $Json)
    $utf8 = New-Object System.Text.UTF8Encoding($false)
    $text = $Json.Trim()
    $current = if (Test-Path -LiteralPath $Path) { [System.IO.File]::ReadAllText($Path, $utf8) } else { '' }
    if ($current -eq $text) { return $false }
    Write-HpcLog "writing $Path"
    [System.IO.File]::WriteAllText($Path, $text, $utf8)
    return $true
}

function Invoke-HostConvergence {
    param(
        [AllowEmptyString()] [string] $HostConfigJson = '',
        [string] $DataDir = $HpcDataDir
    )
    Wait-HpcSetupComplete
    $hostInput = Get-HostInput -Fallback $HostConfigJson
    $json = $hostInput.Json
    if (-not $json) {
        Write-HpcLog 'no hpc-fleet host config in the user-data: nothing to do'
        return
    }
    $config = ConvertFrom-HpcHostConfigJson -Json $json -Source 'the host config in the user-data'
    $accountName = [string]$config.accountName
    $computerName = (Get-HpcComputerName).Pending
    $autologonWasSet = Test-AutologonFor -AccountName $accountName -ComputerName $computerName

    # The image build's one-shot seal task, should it not have deleted itself yet.
    Unregister-HpcScheduledTask -TaskPath $HpcTaskPath -TaskName $HpcSealTaskName
    Invoke-Step -Script 'enable-winrm.ps1' -Arguments @{ InstanceId = $hostInput.InstanceId }
    Invoke-Step -Script 'set-autologon.ps1' -Arguments @{
        AccountName     = $accountName
        IsAdministrator = [bool]$config.accountIsAdministrator
    }

    # The directory's ACL first, so the file never exists with ProgramData's defaults.
    $account = Get-HpcLocalUser -Name $accountName
    if (-not $account) { throw "set-autologon left no account $accountName" }
    New-Item -ItemType Directory -Path $DataDir -Force | Out-Null
    [void](Update-HpcPathAccess -Path $DataDir -Rules (Get-HpcPrivateAccess -ReaderSid $account.Sid -Directory))
    $configPath = Join-Path $DataDir 'config.json'
    [void](Write-HostConfig -Path $configPath -Json $json)
    [void](Update-HpcPathAccess -Path $configPath -Rules (Get-HpcPrivateAccess -ReaderSid $account.Sid))

    Invoke-Step -Script 'register-client-task.ps1' -Arguments @{
        AccountName     = $accountName
        IsAdministrator = [bool]$config.accountIsAdministrator
    }

    # Winlogon reads the autologon settings at boot: a fresh setup (or a rename since) needs
    # one reboot. The marker, per account and host name, keeps a failed logon from turning
    # into a reboot loop.
    $rebootMarker = Join-Path $DataDir "autologon-reboot-$accountName-$computerName"
    if (-not $autologonWasSet -and -not (Test-Path -LiteralPath $rebootMarker)) {
        New-Item -ItemType File -Path $rebootMarker -Force | Out-Null
        # Status 1 only here, before the reboot: no client can be running yet, so the report
        # never lands after start-client's status 2 (as it could at every boot before).
        # Informative only: a metadata or network failure must not stop the reboot.
        try {
            $facts = Get-HpcHostFacts -ClientExecutable $config.clientExecutable
            [void](Send-HpcHostStatus -Config $config -Facts $facts -Status $HpcStatus.starting)
        } catch {
            Write-HpcLog "starting report skipped: $($_.Exception.Message)"
        }
        Write-HpcLog "autologon was just configured: rebooting in $RebootDelaySeconds s so the client account logs on"
        Restart-Host -DelaySeconds $RebootDelaySeconds
    }
}

# User-data and the boot task both start at first boot: one at a time. After the lock,
# the two runs share one log file.
function Invoke-Bootstrap {
    param([AllowEmptyString()] [string] $HostConfigJson = '')
    $mutex = New-Object System.Threading.Mutex($false, 'Global\hpc-fleet-bootstrap')
    try {
        [void]$mutex.WaitOne()
    } catch [System.Threading.AbandonedMutexException] {
        Write-HpcLog 'the previous bootstrap ended without releasing its lock'
    }
    try {
        New-Item -ItemType Directory -Path (Join-Path $HpcDataDir 'logs') -Force | Out-Null
        Start-Transcript -Path (Join-Path $HpcDataDir 'logs\bootstrap.log') -Append | Out-Null
        Invoke-HostConvergence -HostConfigJson $HostConfigJson
    } finally {
        $mutex.ReleaseMutex()
        $mutex.Dispose()
    }
}

# --- The Windows-only boundary (the tests replace these with Mock).

# The one way the host scripts restart Windows: shutdown.exe with a delay, never an
# immediate Restart-Computer -Force in the middle of the init agent's work.
function Restart-Host {
    param([Parameter(Mandatory)] [int] $DelaySeconds)
    & "$env:SystemRoot\System32\shutdown.exe" /r /t $DelaySeconds /d p:4:1 /c 'hpc-fleet: autologon was configured'
    # 1190: a shutdown is already scheduled (by the init agent, say), and that one will do.
    if ($LASTEXITCODE -ne 0 -and $LASTEXITCODE -ne 1190) { throw "shutdown.exe failed with exit code $LASTEXITCODE" }
}

# Dot-sourced (the tests), the script only defines its functions.
if ($MyInvocation.InvocationName -ne '.') {
    Invoke-Bootstrap -HostConfigJson $HostConfigJson
}
