# Converges the client account and Windows autologon: a dedicated local account
# (Administrators membership as configured), a password generated here that never
# leaves the host, kept only as the LSA secret DefaultPassword (the registry value
# of that name is plain text readable by any user, so it is removed, never written),
# AutoAdminLogon (forced, so a log-off logs the account on again), DefaultUserName,
# DefaultDomainName, and no Ctrl+Alt+Del; and the account's right to restart Windows, for a
# fleet job's reboot task.
# Idempotent: an existing account keeps its password while the LSA secret holds one.
param(
    [Parameter(Mandatory)] [string] $AccountName,
    [switch] $IsAdministrator
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
$SystemPolicyKey = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System'
# ERROR_LOGON_FAILURE: "the user name or password is incorrect".
$LogonFailure = 1326

# 32 characters from a cryptographic source, drawn again until the draw has every class
# Windows' complexity rule counts and does not contain the account name, in any case:
# the rule rejects a password containing the account name, so New-LocalUser would throw
# (about 1 host in 1,100 for "hpc" with a plain draw). It is set on the account and
# stored in LSA, and nowhere else.
function New-HostPassword {
    param([Parameter(Mandatory)] [string] $AccountName)
    $alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%*+-=?'
    while ($true) {
        $password = -join @(for ($i = 0; $i -lt 32; $i++) { $alphabet[(Get-RandomIndex -Count $alphabet.Length)] })
        $complex = $password -cmatch '[A-Z]' -and $password -cmatch '[a-z]' -and $password -match '[0-9]' -and
            $password -match '[^A-Za-z0-9]'
        if ($complex -and $password.IndexOf($AccountName, [StringComparison]::OrdinalIgnoreCase) -lt 0) {
            return $password
        }
    }
}

# A uniform integer in [0, Count), from a cryptographic source (draws above the largest
# multiple of Count are drawn again, so no index is more likely than another).
$RandomSource = [System.Security.Cryptography.RandomNumberGenerator]::Create()
function Get-RandomIndex {
    param([Parameter(Mandatory)] [ValidateRange(1, 65536)] [int] $Count)
    $bytes = New-Object byte[] 4
    $limit = [uint32]::MaxValue - ([uint32]::MaxValue % [uint32]$Count)
    do {
        $RandomSource.GetBytes($bytes)
        $value = [BitConverter]::ToUInt32($bytes, 0)
    } while ($value -ge $limit)
    return [int]($value % [uint32]$Count)
}

# What the stored autologon secret says about the account's password: Absent, Matches,
# Mismatch (Windows says the password is wrong: a secret left by something else, or a
# password changed since, which would leave autologon broken for good) or Unknown (any
# other answer or failure, e.g. early in a boot): only Absent and Mismatch set a new one,
# so a check that cannot be made never stops the bootstrap or changes the password.
function Get-StoredPasswordState {
    param([Parameter(Mandatory)] [string] $AccountName)
    try {
        $stored = Get-AutologonSecret
        if (-not $stored) { return 'Absent' }
        $result = Test-AccountPassword -AccountName $AccountName -Password $stored
    } catch {
        Write-HpcLog "the stored autologon password could not be checked ($($_.Exception.Message)); keeping it"
        return 'Unknown'
    } finally {
        Remove-Variable -Name 'stored' -ErrorAction SilentlyContinue
    }
    if ($result -eq 0) { return 'Matches' }
    if ($result -eq $LogonFailure) { return 'Mismatch' }
    Write-HpcLog "the stored autologon password could not be checked (error $result); keeping it"
    return 'Unknown'
}

# Group membership follows the config both ways. (Variable names are case-insensitive:
# a local named $isAdministrator would overwrite the parameter.)
function Update-AdministratorsMembership {
    param([Parameter(Mandatory)] $Account, [switch] $IsAdministrator)
    $isMember = @(Get-LocalGroupMemberSid -GroupSid $HpcAdministratorsSid) -contains $Account.Sid
    if ($IsAdministrator -and -not $isMember) {
        Write-HpcLog "adding $($Account.Name) to Administrators"
        Add-LocalGroupMemberSid -GroupSid $HpcAdministratorsSid -MemberSid $Account.Sid
    } elseif (-not $IsAdministrator -and $isMember) {
        Write-HpcLog "removing $($Account.Name) from Administrators"
        Remove-LocalGroupMemberSid -GroupSid $HpcAdministratorsSid -MemberSid $Account.Sid
    }
}

# The right to restart Windows, granted to the account itself, so that a fleet job's reboot
# task works when the account is not an administrator. It enters the account's token at its
# next logon: the first boot's autologon reboot, so before the client ever runs.
function Update-ShutdownRight {
    param([Parameter(Mandatory)] $Account)
    if (@(Get-AccountRight -Sid $Account.Sid) -notcontains $HpcShutdownPrivilege) {
        Write-HpcLog "granting $($Account.Name) the right to restart Windows ($HpcShutdownPrivilege)"
        Add-AccountRight -Sid $Account.Sid -Right $HpcShutdownPrivilege
    }
}

function Set-HostAutologon {
    param(
        [Parameter(Mandatory)] [string] $AccountName,
        [switch] $IsAdministrator
    )
    if ($AccountName -notmatch $HpcAccountNamePattern) { throw "invalid account name $AccountName" }

    $account = Get-HpcLocalUser -Name $AccountName
    if (-not $account -or (Get-StoredPasswordState -AccountName $AccountName) -in 'Absent', 'Mismatch') {
        $password = New-HostPassword -AccountName $AccountName
        $securePassword = ConvertTo-SecureString -String $password -AsPlainText -Force
        if ($account) {
            Write-HpcLog "resetting the password of $AccountName (no valid LSA autologon secret)"
            Set-LocalUserPassword -Name $AccountName -Password $securePassword
        } else {
            Write-HpcLog "creating the local account $AccountName"
            New-ClientAccount -Name $AccountName -Password $securePassword
            $account = Get-HpcLocalUser -Name $AccountName
        }
        Set-AutologonSecret -Password $password
        Remove-Variable -Name 'password', 'securePassword'
    }
    if (-not $account.Enabled) { Enable-ClientAccount -Name $AccountName }

    if (@(Get-LocalGroupMemberSid -GroupSid $HpcUsersSid) -notcontains $account.Sid) {
        Add-LocalGroupMemberSid -GroupSid $HpcUsersSid -MemberSid $account.Sid
    }
    Update-AdministratorsMembership -Account $account -IsAdministrator:$IsAdministrator
    Update-ShutdownRight -Account $account

    [void](Update-HpcRegistryValue -Key $WinlogonKey -Name 'AutoAdminLogon' -Value '1' -Type String)
    [void](Update-HpcRegistryValue -Key $WinlogonKey -Name 'DefaultUserName' -Value $AccountName -Type String)
    # The name the host will have at its next boot, when Winlogon reads this: a rename by the
    # cloud's init agent may be pending, and OLDNAME\hpc would not log on.
    $computerName = (Get-HpcComputerName).Pending
    [void](Update-HpcRegistryValue -Key $WinlogonKey -Name 'DefaultDomainName' -Value $computerName -Type String)
    # Logged on again after a log-off too, not only at the next boot.
    [void](Update-HpcRegistryValue -Key $WinlogonKey -Name 'ForceAutoLogon' -Value '1' -Type String)
    # A plain-text password, or a count that turns autologon off after N logons, must not linger.
    foreach ($name in 'DefaultPassword', 'AutoLogonCount') {
        [void](Clear-HpcRegistryValue -Key $WinlogonKey -Name $name)
    }
    [void](Update-HpcRegistryValue -Key $SystemPolicyKey -Name 'DisableCAD' -Value 1 -Type DWord)
}

# --- The Windows-only boundary (the tests replace these with Mock).

# LsaStorePrivateData/LsaRetrievePrivateData, compiled once per process.
function Import-AutologonNativeCode {
    if (-not ('HpcFleet.LsaSecret' -as [type])) {
        Add-Type -Path (Join-Path $PSScriptRoot 'HpcFleet.Autologon.cs')
    }
}

function Get-AutologonSecret {
    Import-AutologonNativeCode
    return [HpcFleet.LsaSecret]::Retrieve('DefaultPassword')
}

function Set-AutologonSecret {
    param([Parameter(Mandatory)] [string] $Password)
    Import-AutologonNativeCode
    [HpcFleet.LsaSecret]::Store('DefaultPassword', $Password)
}

# 0, or the Win32 error of a network logon with the password (see HpcFleet.Autologon.cs).
function Test-AccountPassword {
    param([Parameter(Mandatory)] [string] $AccountName, [Parameter(Mandatory)] [string] $Password)
    Import-AutologonNativeCode
    return [HpcFleet.LocalLogon]::Check($AccountName, $Password)
}

# The user rights granted to the account itself (see HpcFleet.Autologon.cs).
function Get-AccountRight {
    param([Parameter(Mandatory)] [string] $Sid)
    Import-AutologonNativeCode
    return @([HpcFleet.AccountRights]::Get($Sid))
}

function Add-AccountRight {
    param([Parameter(Mandatory)] [string] $Sid, [Parameter(Mandatory)] [string] $Right)
    Import-AutologonNativeCode
    [HpcFleet.AccountRights]::Add($Sid, $Right)
}

function New-ClientAccount {
    param([Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [securestring] $Password)
    New-LocalUser -Name $Name -Password $Password -Description 'hpc-fleet benchmark client (autologon)' `
        -PasswordNeverExpires -AccountNeverExpires -UserMayNotChangePassword | Out-Null
}

function Set-LocalUserPassword {
    param([Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [securestring] $Password)
    Set-LocalUser -Name $Name -Password $Password
}

function Enable-ClientAccount {
    param([Parameter(Mandatory)] [string] $Name)
    Enable-LocalUser -Name $Name
}

# Not Get-LocalGroupMember: it throws on a member it cannot resolve (PowerShell #2996),
# and -ErrorAction does not stop a terminating error.
function Get-LocalGroupMemberSid {
    param([Parameter(Mandatory)] [string] $GroupSid)
    Import-AutologonNativeCode
    $account = (New-Object System.Security.Principal.SecurityIdentifier($GroupSid)).Translate(
        [System.Security.Principal.NTAccount]).Value
    return @([HpcFleet.LocalGroup]::GetMemberSids(($account -split '\\')[-1]))
}

function Add-LocalGroupMemberSid {
    param([Parameter(Mandatory)] [string] $GroupSid, [Parameter(Mandatory)] [string] $MemberSid)
    Add-LocalGroupMember -SID $GroupSid -Member $MemberSid
}

function Remove-LocalGroupMemberSid {
    param([Parameter(Mandatory)] [string] $GroupSid, [Parameter(Mandatory)] [string] $MemberSid)
    Remove-LocalGroupMember -SID $GroupSid -Member $MemberSid
}

# Dot-sourced (the tests), the script only defines its functions.
if ($MyInvocation.InvocationName -ne '.') {
    Set-HostAutologon -AccountName $AccountName -IsAdministrator:$IsAdministrator
}
