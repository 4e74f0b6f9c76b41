# Packer step, last: removes what the build left on the disk that hosts must not
# inherit: the client staging directory and Packer's uploaded scripts.
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
trap {
    Write-Host "ERROR: $_"
    ($_.ScriptStackTrace -split '\r?\n') -replace '^', 'ERROR: ' | Write-Host
    Exit 1
}

$staging = $env:HPC_CLIENT_STAGING -replace '/', '\'
if ($staging -and (Test-Path -LiteralPath $staging)) {
    Remove-Item -LiteralPath $staging -Recurse -Force
}
# Packer's own scripts (this one included) are still in use: remove only what is not.
Get-ChildItem -Path $env:TEMP, (Join-Path $env:SystemRoot 'Temp') -Filter 'packer-*' -ErrorAction SilentlyContinue |
    Remove-Item -Recurse -Force -ErrorAction SilentlyContinue
Write-Host 'Build leftovers removed'
