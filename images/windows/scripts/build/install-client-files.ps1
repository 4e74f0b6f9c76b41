# Packer step: moves the operator's client files from the staging directory the
# file provisioner uploaded them to into their configured destinations.
# HPC_CLIENT_FILES is base64 of a JSON list of {name, destination} (base64, so no
# quoting survives Packer's environment handling); HPC_CLIENT_STAGING the directory;
# HPC_FLEET_MODULE the HpcFleet module the image installed. A directory this step
# creates is writable by SYSTEM and Administrators only.
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
trap {
    Write-Host "ERROR: $_"
    ($_.ScriptStackTrace -split '\r?\n') -replace '^', 'ERROR: ' | Write-Host
    Exit 1
}

# A directory this step creates gets an ACL of its own: SYSTEM and Administrators may change
# it, Users (the client account is one) may read and run what is in it. Created under C:\
# it would inherit Authenticated Users: Modify, and any local user could replace
# hpc-client.exe. A directory that already existed keeps its ACL.
function New-ClientDirectory {
    param([Parameter(Mandatory)] [string] $Path)
    if (Test-Path -LiteralPath $Path) { return }
    $topmost = $Path
    $parent = Split-Path -Parent $topmost
    while ($parent -and -not (Test-Path -LiteralPath $parent)) {
        $topmost = $parent
        $parent = Split-Path -Parent $topmost
    }
    New-Item -ItemType Directory -Path $Path -Force | Out-Null
    [void](Update-HpcPathAccess -Path $topmost -Rules (Get-HpcPrivateAccess -ReaderSid $HpcUsersSid -Directory))
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
        New-ClientDirectory -Path (Split-Path -Parent $destination)
        Write-Host "Installing $($file.name) as $destination"
        # Copied, not moved: a new file takes its directory's ACL, a moved one keeps the
        # staging directory's.
        Copy-Item -LiteralPath $source -Destination $destination -Force
        Remove-Item -LiteralPath $source -Force
    }
}

# Dot-sourced (the tests), the script only defines its functions.
if ($MyInvocation.InvocationName -ne '.') {
    Import-Module $env:HPC_FLEET_MODULE
    Install-ClientFiles -Staging $env:HPC_CLIENT_STAGING -FilesBase64 $env:HPC_CLIENT_FILES
}
