# Converges the client account and Windows autologon: a dedicated local account
# (Administrators membership as configured), a password generated here that never
# leaves the host, kept only as the LSA secret DefaultPassword (the registry value
# of that name is plain text readable by any user, so it is removed, never written),
# AutoAdminLogon, DefaultUserName, DefaultDomainName, and no Ctrl+Alt+Del.
# Idempotent: an existing account keeps its password while the LSA secret holds one.
param(
    [Parameter(Mandatory)] [ValidatePattern('^[A-Za-z][A-Za-z0-9_-]{0,19}$')] [string] $AccountName,
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

$winlogonKey = 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon'
$systemPolicyKey = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System'
$administratorsSid = 'S-1-5-32-544'
$usersSid = 'S-1-5-32-545'

# LsaStorePrivateData/LsaRetrievePrivateData: Winlogon reads the autologon password
# from the LSA secret "DefaultPassword", which only SYSTEM can read.
if (-not ('HpcFleet.LsaSecret' -as [type])) {
    Add-Type -TypeDefinition @'
using System;
using System.ComponentModel;
using System.Runtime.InteropServices;

namespace HpcFleet {
    public static class LsaSecret {
        [StructLayout(LayoutKind.Sequential)]
        private struct LSA_UNICODE_STRING {
            public ushort Length;
            public ushort MaximumLength;
            public IntPtr Buffer;
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct LSA_OBJECT_ATTRIBUTES {
            public int Length;
            public IntPtr RootDirectory;
            public IntPtr ObjectName;
            public uint Attributes;
            public IntPtr SecurityDescriptor;
            public IntPtr SecurityQualityOfService;
        }

        private const uint POLICY_GET_PRIVATE_INFORMATION = 0x00000004;
        private const uint POLICY_CREATE_SECRET = 0x00000020;
        private const uint STATUS_OBJECT_NAME_NOT_FOUND = 0xC0000034;

        [DllImport("advapi32.dll")]
        private static extern uint LsaOpenPolicy(IntPtr systemName, ref LSA_OBJECT_ATTRIBUTES attributes, uint access, out IntPtr policy);
        [DllImport("advapi32.dll")]
        private static extern uint LsaStorePrivateData(IntPtr policy, ref LSA_UNICODE_STRING keyName, ref LSA_UNICODE_STRING privateData);
        [DllImport("advapi32.dll")]
        private static extern uint LsaRetrievePrivateData(IntPtr policy, ref LSA_UNICODE_STRING keyName, out IntPtr privateData);
        [DllImport("advapi32.dll")]
        private static extern uint LsaFreeMemory(IntPtr buffer);
        [DllImport("advapi32.dll")]
        private static extern uint LsaClose(IntPtr policy);
        [DllImport("advapi32.dll")]
        private static extern int LsaNtStatusToWinError(uint status);

        private static LSA_UNICODE_STRING ToLsa(string value) {
            LSA_UNICODE_STRING result = new LSA_UNICODE_STRING();
            result.Buffer = Marshal.StringToHGlobalUni(value);
            result.Length = (ushort)(value.Length * 2);
            result.MaximumLength = (ushort)(value.Length * 2 + 2);
            return result;
        }

        private static void Check(uint status, string what) {
            if (status != 0) throw new Win32Exception(LsaNtStatusToWinError(status), what);
        }

        private static IntPtr OpenPolicy() {
            LSA_OBJECT_ATTRIBUTES attributes = new LSA_OBJECT_ATTRIBUTES();
            IntPtr policy;
            Check(LsaOpenPolicy(IntPtr.Zero, ref attributes, POLICY_GET_PRIVATE_INFORMATION | POLICY_CREATE_SECRET, out policy), "LsaOpenPolicy");
            return policy;
        }

        public static void Store(string name, string value) {
            IntPtr policy = OpenPolicy();
            LSA_UNICODE_STRING key = ToLsa(name);
            LSA_UNICODE_STRING data = ToLsa(value);
            try {
                Check(LsaStorePrivateData(policy, ref key, ref data), "LsaStorePrivateData");
            } finally {
                Marshal.FreeHGlobal(key.Buffer);
                Marshal.ZeroFreeGlobalAllocUnicode(data.Buffer);
                LsaClose(policy);
            }
        }

        // The secret's text, or null when there is none. The caller clears it after use.
        public static string Retrieve(string name) {
            IntPtr policy = OpenPolicy();
            LSA_UNICODE_STRING key = ToLsa(name);
            IntPtr data = IntPtr.Zero;
            try {
                uint status = LsaRetrievePrivateData(policy, ref key, out data);
                if (status == STATUS_OBJECT_NAME_NOT_FOUND) return null;
                Check(status, "LsaRetrievePrivateData");
                if (data == IntPtr.Zero) return null;
                LSA_UNICODE_STRING secret = (LSA_UNICODE_STRING)Marshal.PtrToStructure(data, typeof(LSA_UNICODE_STRING));
                if (secret.Length == 0) return null;
                return Marshal.PtrToStringUni(secret.Buffer, secret.Length / 2);
            } finally {
                if (data != IntPtr.Zero) LsaFreeMemory(data);
                Marshal.FreeHGlobal(key.Buffer);
                LsaClose(policy);
            }
        }
    }
}
'@
}

# 32 characters from a cryptographic source, with every class Windows' complexity
# rule asks for. It is set on the account and stored in LSA, and nowhere else.
function New-HostPassword {
    $classes = @('ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnopqrstuvwxyz', '23456789', '!#%*+-=?')
    $all = -join $classes
    $random = [System.Security.Cryptography.RandomNumberGenerator]::Create()
    $bytes = New-Object byte[] 4
    $pick = {
        param([string] $from)
        $random.GetBytes($bytes)
        $from[[BitConverter]::ToUInt32($bytes, 0) % $from.Length]
    }
    $characters = @(foreach ($class in $classes) { & $pick $class })
    while ($characters.Count -lt 32) { $characters += & $pick $all }
    $characters = $characters | Sort-Object { $random.GetBytes($bytes); [BitConverter]::ToUInt32($bytes, 0) }
    return -join $characters
}

# Writes a registry value only when it differs; says whether it wrote.
function Set-RegistryValue {
    param([string] $Key, [string] $Name, $Value, [string] $Type)
    if (-not (Test-Path -Path $Key)) { New-Item -Path $Key -Force | Out-Null }
    $current = (Get-ItemProperty -Path $Key -Name $Name -ErrorAction SilentlyContinue)
    if ($current -and "$($current.$Name)" -eq "$Value") { return }
    Write-Host "Setting $Key\$Name"
    New-ItemProperty -Path $Key -Name $Name -Value $Value -PropertyType $Type -Force | Out-Null
}

# Whether the stored autologon secret is this account's current password: a secret left
# by something else, or a password changed since, would leave autologon broken for good.
function Test-StoredPassword {
    $stored = [HpcFleet.LsaSecret]::Retrieve('DefaultPassword')
    if (-not $stored) { return $false }
    Add-Type -AssemblyName System.DirectoryServices.AccountManagement
    $context = New-Object System.DirectoryServices.AccountManagement.PrincipalContext(
        [System.DirectoryServices.AccountManagement.ContextType]::Machine)
    try {
        return $context.ValidateCredentials($AccountName, $stored)
    } finally {
        $context.Dispose()
        Remove-Variable -Name 'stored'
    }
}

$account = Get-LocalUser -Name $AccountName -ErrorAction SilentlyContinue
if (-not $account -or -not (Test-StoredPassword)) {
    $password = New-HostPassword
    $securePassword = ConvertTo-SecureString -String $password -AsPlainText -Force
    if ($account) {
        Write-Host "Resetting the password of $AccountName (no valid LSA autologon secret)"
        Set-LocalUser -Name $AccountName -Password $securePassword
    } else {
        Write-Host "Creating the local account $AccountName"
        $account = New-LocalUser -Name $AccountName -Password $securePassword `
            -Description 'hpc-fleet benchmark client (autologon)' `
            -PasswordNeverExpires -AccountNeverExpires -UserMayNotChangePassword
    }
    [HpcFleet.LsaSecret]::Store('DefaultPassword', $password)
    Remove-Variable -Name 'password', 'securePassword'
}
if (-not $account.Enabled) { Enable-LocalUser -Name $AccountName }

# Group membership follows the config both ways.
function Test-GroupMember {
    param([string] $GroupSid)
    $members = @(Get-LocalGroupMember -SID $GroupSid -ErrorAction SilentlyContinue)
    return [bool]($members | Where-Object { $_.SID -eq $account.SID })
}
if (-not (Test-GroupMember $usersSid)) {
    Add-LocalGroupMember -SID $usersSid -Member $account
}
$isAdministrator = Test-GroupMember $administratorsSid
if ($IsAdministrator -and -not $isAdministrator) {
    Write-Host "Adding $AccountName to Administrators"
    Add-LocalGroupMember -SID $administratorsSid -Member $account
} elseif (-not $IsAdministrator -and $isAdministrator) {
    Write-Host "Removing $AccountName from Administrators"
    Remove-LocalGroupMember -SID $administratorsSid -Member $account
}

Set-RegistryValue -Key $winlogonKey -Name 'AutoAdminLogon' -Value '1' -Type String
Set-RegistryValue -Key $winlogonKey -Name 'DefaultUserName' -Value $AccountName -Type String
Set-RegistryValue -Key $winlogonKey -Name 'DefaultDomainName' -Value $env:COMPUTERNAME -Type String
# A plain-text password, or a count that turns autologon off after N logons, must not linger.
foreach ($name in 'DefaultPassword', 'AutoLogonCount') {
    if (Get-ItemProperty -Path $winlogonKey -Name $name -ErrorAction SilentlyContinue) {
        Write-Host "Removing $winlogonKey\$name"
        Remove-ItemProperty -Path $winlogonKey -Name $name
    }
}
Set-RegistryValue -Key $systemPolicyKey -Name 'DisableCAD' -Value 1 -Type DWord
