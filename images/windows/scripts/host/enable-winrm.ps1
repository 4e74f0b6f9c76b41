# Converges WinRM to HTTPS only: a self-signed certificate for this host name, an
# HTTPS listener on 5986, Basic auth only over HTTPS (AllowUnencrypted false), a
# firewall rule for 5986, and no HTTP listener. Runs as the build instance's
# user-data (so Packer can connect) and at every boot from bootstrap.ps1 (a host
# from the image has a new name, so it gets a new certificate). Idempotent.
# Self-contained (no HpcFleet module): as user-data it runs before anything is uploaded.
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
trap {
    Write-Host "ERROR: $_"
    ($_.ScriptStackTrace -split '\r?\n') -replace '^', 'ERROR: ' | Write-Host
    Exit 1
}

$HttpsPort = 5986
$CertificateName = 'hpc-fleet WinRM'
$FirewallRuleName = 'hpc-fleet-winrm-https'

function Write-WinRMLog {
    param([Parameter(Mandatory)] [string] $Message)
    Write-Host ('{0:yyyy-MM-ddTHH:mm:ssK} {1}' -f (Get-Date), $Message)
}

function Enable-HttpsWinRM {
    param([string] $HostName = $env:COMPUTERNAME)
    Enable-WinRMService

    # Reuse this host's certificate while it has a month left; otherwise make one.
    $certificate = @(Get-WinRMCertificate |
            Where-Object { $_.FriendlyName -eq $CertificateName -and $_.Subject -eq "CN=$HostName" -and
                $_.NotAfter -gt (Get-Date).AddDays(30) } |
            Sort-Object -Property NotAfter -Descending) | Select-Object -First 1
    if (-not $certificate) {
        Write-WinRMLog "creating a self-signed WinRM certificate for $HostName"
        $certificate = New-WinRMCertificate -DnsName $HostName -FriendlyName $CertificateName
    }

    # Exactly one listener: HTTPS with this certificate. HTTP listeners go, since
    # Basic auth over HTTP would send the password in clear text.
    $haveHttps = $false
    foreach ($listener in @(Get-WinRMListener)) {
        if ($listener.Transport -eq 'HTTPS' -and $listener.Thumbprint -eq $certificate.Thumbprint -and -not $haveHttps) {
            $haveHttps = $true
            continue
        }
        Write-WinRMLog "removing WinRM listener $($listener.Name) ($($listener.Transport))"
        Remove-WinRMListener -Name $listener.Name
    }
    if (-not $haveHttps) {
        Write-WinRMLog "creating the WinRM HTTPS listener on $HttpsPort"
        New-WinRMHttpsListener -Thumbprint $certificate.Thumbprint -Port $HttpsPort
    }

    # Set only when the value differs, so a second run changes nothing.
    $settings = [ordered]@{
        'Service\AllowUnencrypted' = 'false'
        'Client\AllowUnencrypted'  = 'false'
        'Service\Auth\Basic'       = 'true'
    }
    foreach ($setting in $settings.GetEnumerator()) {
        if ((Get-WSManSetting -Name $setting.Key) -ne $setting.Value) {
            Write-WinRMLog "setting WSMan $($setting.Key) to $($setting.Value)"
            Set-WSManSetting -Name $setting.Key -Value $setting.Value
        }
    }

    if (-not (Test-FirewallRule -Name $FirewallRuleName)) {
        Write-WinRMLog "opening TCP $HttpsPort in the firewall"
        New-HttpsFirewallRule -Name $FirewallRuleName -Port $HttpsPort
    }
    # The built-in HTTP (5985) rules stay closed: nothing should listen there.
    Disable-HttpFirewallRule

    # Certificates made for an earlier host name (the image build's) are no longer used.
    foreach ($old in @(Get-WinRMCertificate | Where-Object {
                $_.FriendlyName -eq $CertificateName -and $_.Thumbprint -ne $certificate.Thumbprint })) {
        Write-WinRMLog "removing the unused WinRM certificate $($old.Thumbprint)"
        Remove-WinRMCertificate -Thumbprint $old.Thumbprint
    }
}

# --- The Windows-only boundary (the tests replace these with Mock).

function Enable-WinRMService {
    Set-Service -Name WinRM -StartupType Automatic
    Start-Service -Name WinRM
}

function Get-WinRMCertificate {
    return @(Get-ChildItem -Path Cert:\LocalMachine\My)
}

function New-WinRMCertificate {
    param([Parameter(Mandatory)] [string] $DnsName, [Parameter(Mandatory)] [string] $FriendlyName)
    return New-SelfSignedCertificate -DnsName $DnsName -CertStoreLocation Cert:\LocalMachine\My `
        -FriendlyName $FriendlyName -KeyAlgorithm RSA -KeyLength 2048 -NotAfter (Get-Date).AddYears(5)
}

function Remove-WinRMCertificate {
    param([Parameter(Mandatory)] [string] $Thumbprint)
    Remove-Item -Path "Cert:\LocalMachine\My\$Thumbprint" -Force
}

# The listeners as { Name, Transport, Thumbprint }.
function Get-WinRMListener {
    return @(Get-ChildItem -Path WSMan:\localhost\Listener | ForEach-Object {
            $path = "WSMan:\localhost\Listener\$($_.Name)"
            $transport = if ($_.Keys -contains 'Transport=HTTPS') { 'HTTPS' } else { 'HTTP' }
            $thumbprint = if ($transport -eq 'HTTPS') { (Get-Item -Path "$path\CertificateThumbprint").Value } else { '' }
            [pscustomobject]@{ Name = $_.Name; Transport = $transport; Thumbprint = $thumbprint }
        })
}

function Remove-WinRMListener {
    param([Parameter(Mandatory)] [string] $Name)
    Remove-Item -Path "WSMan:\localhost\Listener\$Name" -Recurse -Force
}

function New-WinRMHttpsListener {
    param([Parameter(Mandatory)] [string] $Thumbprint, [Parameter(Mandatory)] [int] $Port)
    New-Item -Path WSMan:\localhost\Listener -Transport HTTPS -Address * `
        -CertificateThumbPrint $Thumbprint -Port $Port -Force | Out-Null
}

function Get-WSManSetting {
    param([Parameter(Mandatory)] [string] $Name)
    return [string](Get-Item -Path "WSMan:\localhost\$Name").Value
}

function Set-WSManSetting {
    param([Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [string] $Value)
    Set-Item -Path "WSMan:\localhost\$Name" -Value $Value -Force
}

function Test-FirewallRule {
    param([Parameter(Mandatory)] [string] $Name)
    return [bool](Get-NetFirewallRule -Name $Name -ErrorAction SilentlyContinue)
}

function New-HttpsFirewallRule {
    param([Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [int] $Port)
    New-NetFirewallRule -Name $Name -DisplayName 'hpc-fleet WinRM over HTTPS' -Direction Inbound `
        -Protocol TCP -LocalPort $Port -Action Allow -Profile Any | Out-Null
}

function Disable-HttpFirewallRule {
    Get-NetFirewallRule -Name 'WINRM-HTTP-In-TCP*' -ErrorAction SilentlyContinue |
        Where-Object { $_.Enabled -eq 'True' } |
        Disable-NetFirewallRule
}

# Dot-sourced (the tests), the script only defines its functions.
if ($MyInvocation.InvocationName -ne '.') {
    Enable-HttpsWinRM
}
