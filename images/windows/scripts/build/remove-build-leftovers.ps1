# Packer step, last: removes what the build left that hosts must not inherit: the
# client staging directory, Packer's uploaded scripts, and the task that re-ran
# enable-winrm.ps1 at every boot of the build instance (enable-build-winrm.ps1).
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
trap {
    Write-Host "ERROR: $_"
    ($_.ScriptStackTrace -split '\r?\n') -replace '^', 'ERROR: ' | Write-Host
    Exit 1
}

function Remove-BuildLeftovers {
    param([AllowEmptyString()] [string] $Staging)
    Unregister-HpcScheduledTask -TaskPath $HpcTaskPath -TaskName 'enable-winrm'
    if ($Staging -and (Test-Path -LiteralPath $Staging)) {
        Remove-Item -LiteralPath $Staging -Recurse -Force
    }
    # Packer's own scripts (this one included) are still in use: remove only what is not.
    Get-ChildItem -Path $env:TEMP, (Join-Path $env:SystemRoot 'Temp') -Filter 'packer-*' -ErrorAction SilentlyContinue |
        Remove-Item -Recurse -Force -ErrorAction SilentlyContinue
    Write-Host 'Build leftovers removed'
}

# Dot-sourced (the tests), the script only defines its functions.
if ($MyInvocation.InvocationName -ne '.') {
    Import-Module $env:HPC_FLEET_MODULE
    Remove-BuildLeftovers -Staging ($env:HPC_CLIENT_STAGING -replace '/', '\')
}
