# Converges WinRM to HTTPS only: a self-signed certificate for this host name, an
# HTTPS listener on 5986, Basic auth only over HTTPS (AllowUnencrypted false), a
# firewall rule for 5986, and no HTTP listener. Runs as the build instance's
# user-data (so Packer can connect) and at every boot from bootstrap.ps1 (a host
# from the image has a new name, so it gets a new certificate). Idempotent.
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
trap {
    Write-Host "ERROR: $_"
    ($_.ScriptStackTrace -split '\r?\n') -replace '^', 'ERROR: ' | Write-Host
    Exit 1
}

$httpsPort = 5986
$certificateName = 'hpc-fleet WinRM'
$firewallRuleName = 'hpc-fleet-winrm-https'
$hostName = $env:COMPUTERNAME

Set-Service -Name WinRM -StartupType Automatic
Start-Service -Name WinRM

# Reuse this host's certificate while it has a month left; otherwise make one.
$certificate = Get-ChildItem -Path Cert:\LocalMachine\My |
    Where-Object {
        $_.FriendlyName -eq $certificateName -and
        $_.Subject -eq "CN=$hostName" -and
        $_.NotAfter -gt (Get-Date).AddDays(30)
    } |
    Sort-Object -Property NotAfter -Descending |
    Select-Object -First 1
if (-not $certificate) {
    Write-Host "Creating a self-signed WinRM certificate for $hostName"
    $certificate = New-SelfSignedCertificate -DnsName $hostName `
        -CertStoreLocation Cert:\LocalMachine\My -FriendlyName $certificateName `
        -KeyAlgorithm RSA -KeyLength 2048 -NotAfter (Get-Date).AddYears(5)
}

# Exactly one listener: HTTPS with this certificate. HTTP listeners go, since
# Basic auth over HTTP would send the password in clear text.
$haveHttps = $false
foreach ($listener in @(Get-ChildItem -Path WSMan:\localhost\Listener)) {
    $path = "WSMan:\localhost\Listener\$($listener.Name)"
    if ($listener.Keys -contains 'Transport=HTTPS') {
        $thumbprint = (Get-Item -Path "$path\CertificateThumbprint").Value
        if ($thumbprint -eq $certificate.Thumbprint -and -not $haveHttps) {
            $haveHttps = $true
            continue
        }
    }
    Write-Host "Removing WinRM listener $($listener.Name) ($($listener.Keys -join ', '))"
    Remove-Item -Path $path -Recurse -Force
}
if (-not $haveHttps) {
    Write-Host "Creating the WinRM HTTPS listener on $httpsPort"
    New-Item -Path WSMan:\localhost\Listener -Transport HTTPS -Address * `
        -CertificateThumbPrint $certificate.Thumbprint -Port $httpsPort -Force | Out-Null
}

# Set-Item only when the value differs, so a second run changes nothing.
function Set-WSManValue {
    param([string] $Path, [string] $Value)
    if ((Get-Item -Path $Path).Value -ne $Value) {
        Write-Host "Setting $Path to $Value"
        Set-Item -Path $Path -Value $Value -Force
    }
}
Set-WSManValue -Path WSMan:\localhost\Service\AllowUnencrypted -Value 'false'
Set-WSManValue -Path WSMan:\localhost\Client\AllowUnencrypted -Value 'false'
Set-WSManValue -Path WSMan:\localhost\Service\Auth\Basic -Value 'true'

if (-not (Get-NetFirewallRule -Name $firewallRuleName -ErrorAction SilentlyContinue)) {
    Write-Host "Opening TCP $httpsPort in the firewall"
    New-NetFirewallRule -Name $firewallRuleName -DisplayName 'hpc-fleet WinRM over HTTPS' `
        -Direction Inbound -Protocol TCP -LocalPort $httpsPort -Action Allow -Profile Any | Out-Null
}
# The built-in HTTP (5985) rules stay closed: nothing should listen there.
Get-NetFirewallRule -Name 'WINRM-HTTP-In-TCP*' -ErrorAction SilentlyContinue |
    Where-Object { $_.Enabled -eq 'True' } |
    Disable-NetFirewallRule

# Certificates made for an earlier host name (the image build's) are no longer used.
Get-ChildItem -Path Cert:\LocalMachine\My |
    Where-Object { $_.FriendlyName -eq $certificateName -and $_.Thumbprint -ne $certificate.Thumbprint } |
    Remove-Item -Force
