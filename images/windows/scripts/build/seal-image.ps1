# Packer step, last: seals the image once Packer has let go of the build instance. Run by
# Packer's provisioner, it only hands the work to a one-shot SYSTEM task and returns: the
# work removes the WinRM listener Packer is talking through. Run by that task
# (-AfterPacker), it waits for Packer's last command to return, then removes what hosts
# must not inherit: the build's WinRM listener, certificate and private key and the task
# that re-ran enable-winrm at every boot (enable-winrm.ps1 -Remove), the client staging
# directory, Packer's uploaded files and its own; then it generalizes Windows with
# Sysprep, which shuts the instance down: that is what Packer waits for
# (disable_stop_instance). Generalized, every host gets its own machine SID (so its own
# account SIDs) at its first boot; why, in images/windows/README.md. A failure leaves
# the instance running, so the build fails rather than capture a half-sealed image; the
# logs are C:\Windows\Temp\hpc-fleet-seal-image.log and Sysprep's Panther\setuperr.log.
# HPC_CLIENT_STAGING is the staging directory, HPC_FLEET_MODULE the installed HpcFleet module.
param(
    [switch] $AfterPacker,
    [string] $ModulePath = $env:HPC_FLEET_MODULE,
    [string] $Staging = $env:HPC_CLIENT_STAGING
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
trap {
    Write-Host "ERROR: $_"
    ($_.ScriptStackTrace -split '\r?\n') -replace '^', 'ERROR: ' | Write-Host
    Exit 1
}

# Long enough for Packer to read the provisioner's exit; after it, Packer only polls ECS.
$PackerGraceSeconds = 30

# The task that runs this script again, as SYSTEM, from a copy outside Packer's files.
function Get-SealTaskDefinition {
    param([Parameter(Mandatory)] [string] $ScriptPath, [Parameter(Mandatory)] [string] $ModulePath,
        [Parameter(Mandatory)] [string] $Staging, [Parameter(Mandatory)] [datetime] $Now)
    return @{
        TaskPath               = $HpcTaskPath
        TaskName               = $HpcSealTaskName
        Description            = 'hpc-fleet: seals the image after the Packer build'
        Execute                = "$env:SystemRoot\System32\WindowsPowerShell\v1.0\powershell.exe"
        Arguments              = "-NoProfile -NonInteractive -ExecutionPolicy Bypass -File `"$ScriptPath`" -AfterPacker " +
            "-ModulePath `"$ModulePath`" -Staging `"$Staging`""
        # Started at once by Start-SealTask; the trigger is a past time that never fires again,
        # and the expired task deletes itself.
        Trigger                = 'Once'
        TriggerAt              = $Now.ToString('s')
        TriggerEndBoundary     = $Now.AddMinutes(5).ToString('s')
        DeleteExpiredTaskAfter = 'PT0S'
        RepetitionInterval     = ''
        UserId                 = $HpcSystemSid
        LogonType              = 'ServiceAccount'
        RunLevel               = 'Highest'
        Priority               = 4
        ExecutionTimeLimit     = 'PT1H'
        MultipleInstances      = 'IgnoreNew'
        StartWhenAvailable     = $false
        RestartCount           = 0
        RestartInterval        = ''
    }
}

# Packer's provisioner: copy this script out of Packer's files, start the task, return.
function Request-ImageSeal {
    param([Parameter(Mandatory)] [string] $ScriptPath, [Parameter(Mandatory)] [string] $ModulePath,
        [Parameter(Mandatory)] [string] $Staging, [Parameter(Mandatory)] [string] $SealDirectory)
    New-Item -ItemType Directory -Path $SealDirectory -Force | Out-Null
    $copy = Join-Path $SealDirectory 'seal-image.ps1'
    Copy-Item -LiteralPath $ScriptPath -Destination $copy -Force
    Register-HpcScheduledTask -Definition (Get-SealTaskDefinition -ScriptPath $copy -ModulePath $ModulePath `
            -Staging $Staging -Now (Get-Date))
    Start-SealTask
    Write-HpcLog "sealing starts in $PackerGraceSeconds s; the instance shuts down when it is done"
}

# Sysprep's answer file: nothing asked at a host's first boot (OOBE is skipped), the image's
# language, locale and time zone kept, devices kept installed (PersistAllDeviceInstalls:
# the same virtual hardware, and a faster first boot), a random computer name (ECS's init
# agent gives the host its name afterwards). No password: the Administrator's comes from
# the instance (the init agent sets it at the first start), the client account's from
# set-autologon. The activation clock is rearmed (SkipRearm left at 0), so KMS sees each
# host as a machine of its own.
function New-UnattendXml {
    param([Parameter(Mandatory)] [string] $UILanguage, [Parameter(Mandatory)] [string] $Locale,
        [Parameter(Mandatory)] [string] $TimeZone)
    $escape = { param([string] $Text) [System.Security.SecurityElement]::Escape($Text) }
    $component = 'processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS"'
    return @"
<?xml version="1.0" encoding="utf-8"?>
<unattend xmlns="urn:schemas-microsoft-com:unattend">
  <settings pass="generalize">
    <component name="Microsoft-Windows-PnpSysprep" $component>
      <PersistAllDeviceInstalls>true</PersistAllDeviceInstalls>
    </component>
  </settings>
  <settings pass="specialize">
    <component name="Microsoft-Windows-Shell-Setup" $component>
      <ComputerName>*</ComputerName>
      <TimeZone>$(& $escape $TimeZone)</TimeZone>
    </component>
  </settings>
  <settings pass="oobeSystem">
    <component name="Microsoft-Windows-International-Core" $component>
      <InputLocale>$(& $escape $Locale)</InputLocale>
      <SystemLocale>$(& $escape $Locale)</SystemLocale>
      <UILanguage>$(& $escape $UILanguage)</UILanguage>
      <UserLocale>$(& $escape $Locale)</UserLocale>
    </component>
    <component name="Microsoft-Windows-Shell-Setup" $component>
      <OOBE>
        <HideEULAPage>true</HideEULAPage>
        <HideWirelessSetupInOOBE>true</HideWirelessSetupInOOBE>
        <NetworkLocation>Other</NetworkLocation>
        <ProtectYourPC>3</ProtectYourPC>
        <SkipMachineOOBE>true</SkipMachineOOBE>
        <SkipUserOOBE>true</SkipUserOOBE>
      </OOBE>
    </component>
  </settings>
</unattend>
"@
}

# What the build leaves on the disk that hosts must not inherit (none of it in use then).
function Remove-BuildFiles {
    param([AllowEmptyString()] [string] $Staging, [Parameter(Mandatory)] [string[]] $TempDirectories,
        [Parameter(Mandatory)] [string] $SealDirectory)
    $paths = @()
    if ($Staging) { $paths += $Staging }
    foreach ($temp in $TempDirectories) {
        # Packer's scripts and env-var files, and winrmcp's upload chunks.
        $paths += @(Get-ChildItem -Path $temp -ErrorAction SilentlyContinue |
                Where-Object { $_.Name -like 'packer-*' -or $_.Name -like 'script-*.ps1' -or $_.Name -like 'winrmcp-*' } |
                ForEach-Object { $_.FullName })
    }
    $paths += $SealDirectory
    foreach ($path in $paths) {
        if (Test-Path -LiteralPath $path) {
            Write-HpcLog "removing $path"
            Remove-Item -LiteralPath $path -Recurse -Force
        }
    }
}

# The task: everything Packer's connection needed goes, then Sysprep generalizes Windows
# and stops the instance.
function Invoke-ImageSeal {
    param([Parameter(Mandatory)] [string] $HostScriptsDir, [AllowEmptyString()] [string] $Staging,
        [Parameter(Mandatory)] [string[]] $TempDirectories, [Parameter(Mandatory)] [string] $SealDirectory,
        [Parameter(Mandatory)] [string] $UnattendPath)
    Start-Sleep -Seconds $PackerGraceSeconds
    Remove-BuildWinRM -ScriptPath "$HostScriptsDir\enable-winrm.ps1"
    Remove-BuildFiles -Staging $Staging -TempDirectories $TempDirectories -SealDirectory $SealDirectory
    $locale = Get-ImageLocale
    $unattend = New-UnattendXml -UILanguage $locale.UILanguage -Locale $locale.Locale -TimeZone $locale.TimeZone
    [System.IO.File]::WriteAllText($UnattendPath, $unattend, (New-Object System.Text.UTF8Encoding($false)))
    Write-HpcLog "generalizing with Sysprep ($($locale.UILanguage), $($locale.Locale), $($locale.TimeZone)); it shuts down"
    Invoke-Sysprep -UnattendPath $UnattendPath
}

# --- The Windows-only boundary (the tests replace these with Mock).

function Start-SealTask {
    Start-ScheduledTask -TaskPath $HpcTaskPath -TaskName $HpcSealTaskName
}

function Start-SealLog {
    Start-Transcript -Path "$env:SystemRoot\Temp\hpc-fleet-seal-image.log" -Append | Out-Null
}

function Remove-BuildWinRM {
    param([Parameter(Mandatory)] [string] $ScriptPath)
    $global:LASTEXITCODE = 0
    & $ScriptPath -Remove
    if ($LASTEXITCODE -ne 0) { throw "enable-winrm.ps1 -Remove failed with exit code $LASTEXITCODE" }
}

# The image's own language, locale and time zone, for the answer file (as EC2Launch does).
function Get-ImageLocale {
    $international = 'Registry::HKEY_USERS\.DEFAULT\Control Panel\International'
    return [pscustomobject]@{
        UILanguage = [System.Globalization.CultureInfo]::InstalledUICulture.Name
        Locale     = (Get-ItemProperty -LiteralPath $international -Name LocaleName).LocaleName
        TimeZone   = (Get-TimeZone).Id
    }
}

# Sysprep shuts the instance down when it succeeds.
function Invoke-Sysprep {
    param([Parameter(Mandatory)] [string] $UnattendPath)
    $sysprep = "$env:SystemRoot\System32\Sysprep\sysprep.exe"
    $process = Start-Process -FilePath $sysprep -Wait -PassThru `
        -ArgumentList '/generalize', '/oobe', '/shutdown', '/quiet', "/unattend:$UnattendPath"
    if ($process.ExitCode -ne 0) {
        throw "sysprep.exe failed with exit code $($process.ExitCode): see $env:SystemRoot\System32\Sysprep\Panther\setuperr.log"
    }
}

# Dot-sourced (the tests), the script only defines its functions.
if ($MyInvocation.InvocationName -ne '.') {
    Import-Module ($ModulePath -replace '/', '\')
    $sealDirectory = "$env:SystemRoot\Temp\hpc-fleet-seal"
    if ($AfterPacker) {
        Start-SealLog
        $temps = @("$env:SystemRoot\Temp") + @(Get-ChildItem -Path "$env:SystemDrive\Users\*\AppData\Local\Temp" -Directory -ErrorAction SilentlyContinue |
                ForEach-Object { $_.FullName })
        Invoke-ImageSeal -HostScriptsDir (Split-Path -Parent ($ModulePath -replace '/', '\')) `
            -Staging ($Staging -replace '/', '\') -TempDirectories $temps -SealDirectory $sealDirectory `
            -UnattendPath "$env:SystemRoot\System32\Sysprep\hpc-fleet-unattend.xml"
    } else {
        Request-ImageSeal -ScriptPath $PSCommandPath -ModulePath ($ModulePath -replace '/', '\') `
            -Staging ($Staging -replace '/', '\') -SealDirectory $sealDirectory
    }
}
