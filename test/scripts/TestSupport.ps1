# Dot-sourced by the *.Tests.ps1 files: where the image scripts are, and fakes of the
# few things the Windows-only boundary returns (web responses, HTTP errors, a registry).
# The fakes stand in for the boundary functions only; the scripts' own logic runs.
Set-StrictMode -Version Latest

$RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$ImageDir = Join-Path $RepoRoot 'images/windows'
$HostScriptsDir = Join-Path $ImageDir 'scripts/host'
$BuildScriptsDir = Join-Path $ImageDir 'scripts/build'
$ModulePath = Join-Path $HostScriptsDir 'HpcFleet.psm1'

# What Invoke-WebRequest returns, as far as the scripts read it.
function New-FakeWebResponse {
    param([AllowEmptyString()] [string] $Body = '', [int] $StatusCode = 200)
    return [pscustomobject]@{
        StatusCode       = $StatusCode
        RawContentStream = New-Object System.IO.MemoryStream (, [System.Text.Encoding]::UTF8.GetBytes($Body))
    }
}

# What Invoke-WebRequest throws on an HTTP error status: an exception whose Response has
# the StatusCode (WebException in 5.1, HttpResponseException in 7 both do).
function New-FakeHttpError {
    param([Parameter(Mandatory)] [int] $StatusCode)
    $exception = New-Object System.Exception "Response status code does not indicate success: $StatusCode"
    Add-Member -InputObject $exception -NotePropertyName Response -NotePropertyValue ([pscustomobject]@{ StatusCode = $StatusCode })
    return $exception
}

# A timeout or refused connection: no response at all.
function New-FakeNetworkError {
    return New-Object System.Net.WebException 'The operation has timed out.'
}

# The registry as a hashtable "key|name" -> value, behind the module's registry boundary
# (for callers in the module and in the scripts alike). Add-FakeRegistry once per block
# (mocks are costly), Reset-FakeRegistry before each test; writes and removals are
# recorded in $script:RegistryWrites.
function Add-FakeRegistry {
    Reset-FakeRegistry
    $get = { $script:Registry["$Key|$Name"] }
    $set = { $script:Registry["$Key|$Name"] = $Value; [void]$script:RegistryWrites.Add("set $Key|$Name") }
    $remove = { $script:Registry.Remove("$Key|$Name"); [void]$script:RegistryWrites.Add("remove $Key|$Name") }
    foreach ($module in @($null, 'HpcFleet')) {
        $scope = @{}
        if ($module) { $scope.ModuleName = $module }
        Mock @scope Get-HpcRegistryValue $get
        Mock @scope Set-HpcRegistryValue $set
        Mock @scope Remove-HpcRegistryValue $remove
    }
}

function Reset-FakeRegistry {
    param([hashtable] $Values = @{})
    $script:Registry = $Values
    $script:RegistryWrites = New-Object System.Collections.ArrayList
}

# A loopback TLS server (LoopbackTlsServer.cs) presenting $Certificate and answering every
# request with $Body; dispose it after the test.
function New-TestTlsServer {
    param([Parameter(Mandatory)] $Certificate, [Parameter(Mandatory)] [string] $Body)
    if (-not ('HpcFleetTest.LoopbackTlsServer' -as [type])) {
        Add-Type -Path (Join-Path $PSScriptRoot 'LoopbackTlsServer.cs')
    }
    return New-Object HpcFleetTest.LoopbackTlsServer($Certificate, $Body)
}
