# Converges a fleet host, as SYSTEM at every boot (scheduled task from the image)
# and once from user-data at first boot: reads the host config from this
# instance's user-data (fetched again from the metadata service each time, so a
# config change reaches the host at its next boot), writes it to
# C:\ProgramData\hpc\config.json readable only by SYSTEM, Administrators and the
# client account, runs enable-winrm, set-autologon and register-client-task,
# reports status 1 (starting), and reboots once when autologon was just
# configured so the account logs on. Without a host config (the image build
# instance) it does nothing.
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

. (Join-Path $PSScriptRoot 'hpc-common.ps1')

# The lines that enclose the host config in the user-data; must match
# HOST_CONFIG_BEGIN and HOST_CONFIG_END in components/windows-image/user-data.ts.
$HostConfigBegin = '$HpcHostConfigJson = @'''
$HostConfigEnd = '''@'


# User-data and the boot task both start at first boot: one at a time.
$mutex = New-Object System.Threading.Mutex($false, 'Global\hpc-fleet-bootstrap')
try {
    [void]$mutex.WaitOne()
} catch [System.Threading.AbandonedMutexException] {
    Write-HpcLog 'the previous bootstrap ended without releasing its lock'
}

# After the lock: the user-data run and the boot task share one log file.
New-Item -ItemType Directory -Path (Join-Path $HpcDataDir 'logs') -Force | Out-Null
Start-Transcript -Path (Join-Path $HpcDataDir 'logs\bootstrap.log') -Append | Out-Null

# The JSON between the begin and end lines of the user-data, or $null.
function Get-HostConfigFromUserData {
    param([string] $UserData)
    $lines = $UserData -split '\r?\n'
    $begin = [Array]::IndexOf($lines, $HostConfigBegin)
    if ($begin -lt 0) { return $null }
    $end = [Array]::IndexOf($lines, $HostConfigEnd, $begin + 1)
    if ($end -le $begin + 1) { throw 'the host config in the user-data is not closed or is empty' }
    return ($lines[($begin + 1)..($end - 1)] -join "`n")
}

function Get-HostConfigJson {
    try {
        $token = Get-EcsMetadataToken
        $userData = Get-EcsMetadata -Path 'user-data' -Token $token
        return Get-HostConfigFromUserData -UserData $userData
    } catch {
        if ($HostConfigJson) {
            Write-HpcLog "user-data unavailable ($($_.Exception.Message)); using the config passed in"
            return $HostConfigJson
        }
        throw
    }
}

# SYSTEM and Administrators may change it, the client account may read it, no one else
# (it holds the fleet token). Inheritance is cut so ProgramData's Users access stops here.
function Set-PrivateAcl {
    param([string] $Path, [string] $AccountName, [switch] $Directory)
    $acl = New-Object System.Security.AccessControl.DirectorySecurity
    if (-not $Directory) { $acl = New-Object System.Security.AccessControl.FileSecurity }
    $acl.SetAccessRuleProtection($true, $false)
    $inherit = if ($Directory) { 'ContainerInherit, ObjectInherit' } else { 'None' }
    $rules = @(
        @((New-Object System.Security.Principal.SecurityIdentifier('S-1-5-18')), 'FullControl'),
        @((New-Object System.Security.Principal.SecurityIdentifier('S-1-5-32-544')), 'FullControl'),
        @((New-Object System.Security.Principal.NTAccount($env:COMPUTERNAME, $AccountName)), 'ReadAndExecute')
    )
    foreach ($rule in $rules) {
        $acl.AddAccessRule((New-Object System.Security.AccessControl.FileSystemAccessRule(
            $rule[0], $rule[1], $inherit, 'None', 'Allow')))
    }
    $current = (Get-Acl -LiteralPath $Path).GetSecurityDescriptorSddlForm('Access')
    if ($current -ne $acl.GetSecurityDescriptorSddlForm('Access')) {
        Write-HpcLog "restricting access to $Path"
        Set-Acl -LiteralPath $Path -AclObject $acl
    }
}

function Invoke-Step {
    param([string] $Script, [hashtable] $Arguments = @{})
    Write-HpcLog "running $Script"
    $global:LASTEXITCODE = 0
    & (Join-Path $PSScriptRoot $Script) @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Script failed with exit code $LASTEXITCODE" }
}

function Test-AutologonFor {
    param([string] $AccountName)
    $winlogon = Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon'
    $names = $winlogon.PSObject.Properties.Name
    return ($names -contains 'AutoAdminLogon') -and $winlogon.AutoAdminLogon -eq '1' -and
        ($names -contains 'DefaultUserName') -and $winlogon.DefaultUserName -eq $AccountName
}

try {
    $json = Get-HostConfigJson
    if (-not $json) {
        Write-HpcLog 'no hpc-fleet host config in the user-data: nothing to do'
        exit 0
    }
    $config = $json | ConvertFrom-Json
    $accountName = [string]$config.accountName
    $autologonWasSet = Test-AutologonFor -AccountName $accountName

    Invoke-Step -Script 'enable-winrm.ps1'
    Invoke-Step -Script 'set-autologon.ps1' -Arguments @{
        AccountName     = $accountName
        IsAdministrator = [bool]$config.accountIsAdministrator
    }

    # The directory's ACL first, so the file never exists with ProgramData's defaults.
    Set-PrivateAcl -Path $HpcDataDir -AccountName $accountName -Directory
    $utf8 = New-Object System.Text.UTF8Encoding($false)
    # Written as rendered (it parsed above), so an unchanged config is an unchanged file.
    $configText = $json.Trim()
    $currentText = if (Test-Path -LiteralPath $HpcConfigPath) { [IO.File]::ReadAllText($HpcConfigPath, $utf8) } else { '' }
    if ($currentText -ne $configText) {
        Write-HpcLog "writing $HpcConfigPath"
        [IO.File]::WriteAllText($HpcConfigPath, $configText, $utf8)
    }
    Set-PrivateAcl -Path $HpcConfigPath -AccountName $accountName

    Invoke-Step -Script 'register-client-task.ps1' -Arguments @{ AccountName = $accountName }

    $clientTask = Get-ScheduledTask -TaskPath '\hpc-fleet\' -TaskName 'start-client' -ErrorAction SilentlyContinue
    if (-not $clientTask -or $clientTask.State -ne 'Running') {
        # A report is informative only: a metadata or network failure must not stop the
        # bootstrap before the autologon reboot below.
        try {
            $facts = Get-HpcHostFacts -ClientExecutable $config.clientExecutable
            Send-HpcHostStatus -Config $config -Facts $facts -Status $HpcStatusStarting | Out-Null
        } catch {
            Write-HpcLog "starting report skipped: $($_.Exception.Message)"
        }
    }

    # Winlogon reads the autologon settings at boot: a fresh setup needs one reboot.
    # The marker keeps a failed logon from turning into a reboot loop.
    $rebootMarker = Join-Path $HpcDataDir "autologon-reboot-$accountName"
    if (-not $autologonWasSet -and -not (Test-Path -LiteralPath $rebootMarker)) {
        New-Item -ItemType File -Path $rebootMarker -Force | Out-Null
        Write-HpcLog 'autologon was just configured: rebooting so the client account logs on'
        Restart-Computer -Force
    }
} finally {
    $mutex.ReleaseMutex()
    $mutex.Dispose()
}
