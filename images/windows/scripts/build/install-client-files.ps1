# Packer step: moves the operator's client files from the staging directory the
# file provisioner uploaded them to into their configured destinations.
# HPC_CLIENT_FILES is base64 of a JSON list of {name, destination} (base64, so no
# quoting survives Packer's environment handling); HPC_CLIENT_STAGING the directory.
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
trap {
    Write-Host "ERROR: $_"
    ($_.ScriptStackTrace -split '\r?\n') -replace '^', 'ERROR: ' | Write-Host
    Exit 1
}

function Install-ClientFiles {
    param(
        [Parameter(Mandatory)] [string] $Staging,
        [Parameter(Mandatory)] [string] $FilesBase64
    )
    $json = [System.Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($FilesBase64))
    # Not @($json | ConvertFrom-Json): Windows PowerShell 5.1 (what Packer's provisioner
    # runs) sends a JSON array down the pipeline as one object, so @() would hold the whole
    # array as its single element. Assigned directly, the array is enumerated by foreach.
    $files = ConvertFrom-Json -InputObject $json

    foreach ($file in $files) {
        $source = Join-Path -Path $Staging -ChildPath ([string]$file.name)
        $destination = [string]$file.destination
        if (-not (Test-Path -LiteralPath $source)) {
            if (Test-Path -LiteralPath $destination) { continue }
            throw "client file $($file.name) was not uploaded to $Staging"
        }
        New-Item -ItemType Directory -Path (Split-Path -Parent $destination) -Force | Out-Null
        Write-Host "Installing $($file.name) as $destination"
        Move-Item -LiteralPath $source -Destination $destination -Force
    }
}

# Dot-sourced (the tests), the script only defines its functions.
if ($MyInvocation.InvocationName -ne '.') {
    Install-ClientFiles -Staging $env:HPC_CLIENT_STAGING -FilesBase64 $env:HPC_CLIENT_FILES
}
