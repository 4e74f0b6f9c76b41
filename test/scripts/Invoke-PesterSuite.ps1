# Runs the Pester suite of the Windows image scripts (every *.Tests.ps1 here) and exits
# with the number of failed tests, so a failing test fails its caller: npm test (pwsh 7
# on Linux, through run-pester.ts) and .github/workflows/windows.yml (Windows PowerShell
# 5.1 and pwsh on windows-2022). Pester 5.7.1 comes from PSModulePath (Install-Module on
# Windows) or from the NuGet packages folder (.ci/run downloads it there).
param(
    # Test files or directories; all of test/scripts by default.
    [string[]] $Path = @($PSScriptRoot),
    [string] $PesterVersion = '5.7.1'
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
trap {
    Write-Host "ERROR: $_"
    ($_.ScriptStackTrace -split '\r?\n') -replace '^', 'ERROR: ' | Write-Host
    Exit 1
}

function Import-PinnedPester {
    param([Parameter(Mandatory)] [string] $Version)
    $installed = Get-Module -ListAvailable -Name Pester | Where-Object { $_.Version -eq [version]$Version }
    if ($installed) {
        Import-Module -Name Pester -RequiredVersion $Version -Force
        return
    }
    $packages = $env:NUGET_PACKAGES
    if (-not $packages) { $packages = Join-Path (Join-Path $HOME '.nuget') 'packages' }
    $manifest = Join-Path $packages "pester/$Version/tools/Pester.psd1"
    if (-not (Test-Path -LiteralPath $manifest)) {
        throw "Pester $Version is not installed: run .ci/run, or Install-Module Pester -RequiredVersion $Version (see images/windows/README.md)"
    }
    Import-Module -Name $manifest -Force
}

Import-PinnedPester -Version $PesterVersion
# `pwsh -File` passes "a,b" as one string: take it as two paths.
$Path = @($Path | ForEach-Object { $_ -split ',' } | Where-Object { $_ })
$configuration = New-PesterConfiguration
$configuration.Run.Path = $Path
$configuration.Run.Exit = $true
$configuration.Output.Verbosity = 'Normal'
Write-Host ("Pester {0} on PowerShell {1} ({2})" -f $PesterVersion, $PSVersionTable.PSVersion, $PSVersionTable.PSEdition)
Invoke-Pester -Configuration $configuration
