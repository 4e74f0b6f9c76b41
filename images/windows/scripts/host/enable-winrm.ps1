# Converges WinRM to HTTPS only: a self-signed certificate made on this instance for
# it (keyed on the instance id, so no host serves a key made elsewhere), an HTTPS
# listener on 5986, Basic auth only over HTTPS (AllowUnencrypted false), a firewall
# rule for 5986, and no HTTP listener. Runs at every boot from bootstrap.ps1, and on the
# build instance from its user-data (scripts/build/enable-build-winrm.ps1) with
# -AtEveryBoot: then it logs to C:\Windows\Temp and registers itself to run as SYSTEM at
# every boot, since ECS runs user-data only at a first start, which the builder may cut
# short. -Remove takes the listener, certificates, keys and that task away (the build's
# last step). Idempotent. Self-contained (no HpcFleet module): it runs before anything
# is uploaded.
param(
    # This instance's id, when the caller has it; otherwise read from the metadata service.
    [string] $InstanceId = '',
    [switch] $AtEveryBoot,
    [switch] $Remove
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
trap {
    Write-Host "ERROR: $_"
    ($_.ScriptStackTrace -split '\r?\n') -replace '^', 'ERROR: ' | Write-Host
    Exit 1
}

$HttpsPort = 5986
# Certificates are named "hpc-fleet WinRM <instance id>".
$CertificatePrefix = 'hpc-fleet WinRM'
$FirewallRuleName = 'hpc-fleet-winrm-https'
# The HpcFleet module's task folder ($HpcTaskPath; a test compares them).
$TaskPath = '\hpc-fleet\'
$BootTaskName = 'enable-winrm'

function Write-WinRMLog {
    param([Parameter(Mandatory)] [string] $Message)
    Write-Host ('{0:yyyy-MM-ddTHH:mm:ssK} {1}' -f (Get-Date), $Message)
}

# This instance's id, from the caller or the metadata service; "unknown" when neither has
# it, so WinRM still comes up (and gets a certificate of its own once the id is known).
function Resolve-InstanceId {
    param([AllowEmptyString()] [string] $InstanceId = '', [int] $Attempts = 3)
    if ($InstanceId) { return $InstanceId }
    for ($attempt = 1; $attempt -le $Attempts; $attempt++) {
        try {
            $id = Get-InstanceId
            if ($id -match '^i-[A-Za-z0-9-]+$') { return $id }
        } catch {
            Write-WinRMLog "instance id unavailable (attempt $attempt of $Attempts): $($_.Exception.Message)"
        }
        if ($attempt -lt $Attempts) { Start-Sleep -Seconds 2 }
    }
    return 'unknown'
}

# The hpc-fleet certificates in the machine store.
function Get-FleetCertificate {
    return @(Get-WinRMCertificate | Where-Object { "$($_.FriendlyName)".StartsWith($CertificatePrefix) })
}

function Enable-HttpsWinRM {
    param([AllowEmptyString()] [string] $InstanceId = '')
    Enable-WinRMService
    $id = Resolve-InstanceId -InstanceId $InstanceId
    $friendlyName = "$CertificatePrefix $id"

    # Reuse this instance's certificate while it has a month left; otherwise make one. One
    # made elsewhere (the image build's, whatever its host name) is never reused.
    $certificate = @(Get-FleetCertificate |
            Where-Object { $_.FriendlyName -eq $friendlyName -and $_.NotAfter -gt (Get-Date).AddDays(30) } |
            Sort-Object -Property NotAfter -Descending) | Select-Object -First 1
    if (-not $certificate) {
        $dnsName = Get-PendingComputerName
        Write-WinRMLog "creating a self-signed WinRM certificate for $id ($dnsName)"
        $certificate = New-WinRMCertificate -DnsName $dnsName -FriendlyName $friendlyName
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

    # Every other hpc-fleet certificate goes, with its private key.
    foreach ($old in @(Get-FleetCertificate | Where-Object { $_.Thumbprint -ne $certificate.Thumbprint })) {
        Write-WinRMLog "removing the unused WinRM certificate $($old.FriendlyName) and its key"
        Remove-WinRMCertificate -Thumbprint $old.Thumbprint
    }
}

# The image build's last step: no listener, certificate or key made on the build instance
# stays in the image (each host makes its own at first boot), nor the boot task.
function Disable-HttpsWinRM {
    if (Test-BootTask) {
        Write-WinRMLog "removing the scheduled task $TaskPath$BootTaskName"
        Unregister-BootTask
    }
    foreach ($listener in @(Get-WinRMListener)) {
        Write-WinRMLog "removing WinRM listener $($listener.Name) ($($listener.Transport))"
        Remove-WinRMListener -Name $listener.Name
    }
    foreach ($certificate in @(Get-FleetCertificate)) {
        Write-WinRMLog "removing the WinRM certificate $($certificate.FriendlyName) and its key"
        Remove-WinRMCertificate -Thumbprint $certificate.Thumbprint
    }
}

function Invoke-EnableWinRM {
    param(
        [AllowEmptyString()] [string] $InstanceId = '',
        [switch] $AtEveryBoot,
        [switch] $Remove,
        [AllowEmptyString()] [string] $ScriptPath = ''
    )
    if ($Remove) {
        Disable-HttpsWinRM
        return
    }
    if ($AtEveryBoot) { Start-BuildLog }
    Enable-HttpsWinRM -InstanceId $InstanceId
    if ($AtEveryBoot -and -not (Test-BootTask -ScriptPath $ScriptPath)) {
        Write-WinRMLog "registering $TaskPath$BootTaskName to run $ScriptPath at every boot"
        Register-BootTask -ScriptPath $ScriptPath
    }
}

# --- The Windows-only boundary (the tests replace these with Mock).

# A log a failed build can be read from (Packer has no connection to show one).
function Start-BuildLog {
    try {
        Start-Transcript -Path "$env:SystemRoot\Temp\hpc-fleet-enable-winrm.log" -Append | Out-Null
    } catch {
        Write-WinRMLog "no transcript: $($_.Exception.Message)"
    }
}

# Whether the boot task exists (and, given a path, runs that script).
function Test-BootTask {
    param([string] $ScriptPath = '')
    $task = Get-ScheduledTask -TaskPath $TaskPath -TaskName $BootTaskName -ErrorAction SilentlyContinue
    if (-not $task) { return $false }
    return -not $ScriptPath -or "$(@($task.Actions)[0].Arguments)" -like "*`"$ScriptPath`"*"
}

function Register-BootTask {
    param([Parameter(Mandatory)] [string] $ScriptPath)
    $powershell = "$env:SystemRoot\System32\WindowsPowerShell\v1.0\powershell.exe"
    $action = New-ScheduledTaskAction -Execute $powershell `
        -Argument "-NoProfile -NonInteractive -ExecutionPolicy Bypass -File `"$ScriptPath`" -AtEveryBoot"
    $principal = New-ScheduledTaskPrincipal -UserId 'S-1-5-18' -LogonType ServiceAccount -RunLevel Highest
    $settings = New-ScheduledTaskSettingsSet -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries `
        -ExecutionTimeLimit (New-TimeSpan -Minutes 30)
    Register-ScheduledTask -TaskPath $TaskPath -TaskName $BootTaskName -Action $action `
        -Trigger (New-ScheduledTaskTrigger -AtStartup) -Principal $principal -Settings $settings -Force | Out-Null
}

function Unregister-BootTask {
    Unregister-ScheduledTask -TaskPath $TaskPath -TaskName $BootTaskName -Confirm:$false
}

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

# -DeleteKey: without it the private key file stays on disk after the certificate goes.
function Remove-WinRMCertificate {
    param([Parameter(Mandatory)] [string] $Thumbprint)
    Remove-Item -Path "Cert:\LocalMachine\My\$Thumbprint" -DeleteKey -Force
}

function Get-InstanceId {
    $base = 'http://100.100.100.200/latest'
    $read = { param($Response) [System.Text.Encoding]::UTF8.GetString($Response.RawContentStream.ToArray()).Trim() }
    $token = & $read (Invoke-WebRequest -UseBasicParsing -Method Put -Uri "$base/api/token" -TimeoutSec 5 `
            -Headers @{ 'X-aliyun-ecs-metadata-token-ttl-seconds' = '60' })
    return & $read (Invoke-WebRequest -UseBasicParsing -Uri "$base/meta-data/instance-id" -TimeoutSec 5 `
            -Headers @{ 'X-aliyun-ecs-metadata-token' = $token })
}

# The name the host will have after a pending rename (the certificate's DNS name).
function Get-PendingComputerName {
    $key = 'HKLM:\SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName'
    $name = (Get-ItemProperty -LiteralPath $key -Name ComputerName -ErrorAction SilentlyContinue).ComputerName
    if ($name) { return $name }
    return $env:COMPUTERNAME
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
    Invoke-EnableWinRM -InstanceId $InstanceId -AtEveryBoot:$AtEveryBoot -Remove:$Remove -ScriptPath $PSCommandPath
}
