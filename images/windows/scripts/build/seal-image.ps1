# Packer step, last: seals the image once Packer has let go of the build instance. Run by
# Packer's provisioner, it only hands the work to a one-shot SYSTEM task and returns: the
# work removes the WinRM listener Packer is talking through. Run by that task
# (-AfterPacker), it waits for Packer's last command to return, then removes what hosts
# must not inherit: the build's WinRM listener, certificate and private key and the task
# that re-ran enable-winrm at every boot (enable-winrm.ps1 -Remove), the client staging
# directory, Packer's uploaded files and its own; then it shuts the instance down, which
# is what Packer waits for (disable_stop_instance). A failure leaves the instance running,
# so the build fails rather than capture a half-sealed image; the log is in
# C:\Windows\Temp\hpc-fleet-seal-image.log.
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

# The task: everything Packer's connection needed goes, then the instance stops.
function Invoke-ImageSeal {
    param([Parameter(Mandatory)] [string] $HostScriptsDir, [AllowEmptyString()] [string] $Staging,
        [Parameter(Mandatory)] [string[]] $TempDirectories, [Parameter(Mandatory)] [string] $SealDirectory)
    Start-Sleep -Seconds $PackerGraceSeconds
    Remove-BuildWinRM -ScriptPath "$HostScriptsDir\enable-winrm.ps1"
    Remove-BuildFiles -Staging $Staging -TempDirectories $TempDirectories -SealDirectory $SealDirectory
    Write-HpcLog 'sealed: shutting down'
    Stop-BuildInstance
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

function Stop-BuildInstance {
    & "$env:SystemRoot\System32\shutdown.exe" /s /t 0 /d p:4:1 /c 'hpc-fleet: image sealed'
    if ($LASTEXITCODE -ne 0) { throw "shutdown.exe failed with exit code $LASTEXITCODE" }
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
            -Staging ($Staging -replace '/', '\') -TempDirectories $temps -SealDirectory $sealDirectory
    } else {
        Request-ImageSeal -ScriptPath $PSCommandPath -ModulePath ($ModulePath -replace '/', '\') `
            -Staging ($Staging -replace '/', '\') -SealDirectory $sealDirectory
    }
}
