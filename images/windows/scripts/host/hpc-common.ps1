# Shared by bootstrap.ps1 and start-client.ps1 (dot-sourced): the instance metadata
# service in hardened (token) mode, the host config file, and the status report
# to the host-manager.
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
trap {
    Write-Host "ERROR: $_"
    ($_.ScriptStackTrace -split '\r?\n') -replace '^', 'ERROR: ' | Write-Host
    Exit 1
}

$HpcDataDir = 'C:\ProgramData\hpc'
$HpcConfigPath = Join-Path $HpcDataDir 'config.json'
$EcsMetadataBase = 'http://100.100.100.200'

# Status codes the host-manager understands (POST /rpc/v1/status).
$HpcStatusStarting = 1
$HpcStatusRunning = 2
$HpcStatusClientExited = 3
$HpcStatusClientFailed = 4

function Write-HpcLog {
    param([Parameter(Mandatory)] [string] $Message)
    Write-Host ('{0:yyyy-MM-ddTHH:mm:ssK} {1}' -f (Get-Date), $Message)
}

# Runs $Action until it succeeds, sleeping 2, 4, 8 ... seconds (at most $MaxDelaySeconds)
# between attempts: the metadata service and the host-manager may not answer at boot.
function Invoke-WithRetry {
    param(
        [Parameter(Mandatory)] [scriptblock] $Action,
        [Parameter(Mandatory)] [string] $What,
        [int] $Attempts = 6,
        [int] $MaxDelaySeconds = 30
    )
    for ($attempt = 1; ; $attempt++) {
        try {
            return & $Action
        } catch {
            if ($attempt -ge $Attempts) { throw }
            $delay = [Math]::Min([Math]::Pow(2, $attempt), $MaxDelaySeconds)
            Write-HpcLog "$What failed (attempt $attempt of $Attempts): $($_.Exception.Message); retrying in $delay s"
            Start-Sleep -Seconds $delay
        }
    }
}

# The response body as UTF-8: Windows PowerShell 5.1 decodes bodies without a
# charset as ISO-8859-1, which would garble non-ASCII user-data.
function Read-Utf8Body {
    param([Parameter(Mandatory)] $Response)
    return [System.Text.Encoding]::UTF8.GetString($Response.RawContentStream.ToArray())
}

# Hardened metadata mode: a short-lived token first, then the token on every request.
function Get-EcsMetadataToken {
    $response = Invoke-WithRetry -What 'metadata token' -Action {
        Invoke-WebRequest -UseBasicParsing -Method Put -Uri "$EcsMetadataBase/latest/api/token" `
            -Headers @{ 'X-aliyun-ecs-metadata-token-ttl-seconds' = '300' } -TimeoutSec 5
    }
    return (Read-Utf8Body $response).Trim()
}

function Get-EcsMetadata {
    param(
        [Parameter(Mandatory)] [string] $Path,
        [Parameter(Mandatory)] [string] $Token
    )
    $response = Invoke-WithRetry -What "metadata $Path" -Action {
        Invoke-WebRequest -UseBasicParsing -Uri "$EcsMetadataBase/latest/$Path" `
            -Headers @{ 'X-aliyun-ecs-metadata-token' = $Token } -TimeoutSec 5
    }
    return Read-Utf8Body $response
}

# What the host-manager is told about this host, besides the status itself.
function Get-HpcHostFacts {
    param([string] $ClientExecutable = '')
    $token = Get-EcsMetadataToken
    $processors = @(Get-CimInstance -ClassName Win32_Processor)
    $clientVersion = 'unknown'
    if ($ClientExecutable -and (Test-Path -LiteralPath $ClientExecutable)) {
        $info = (Get-Item -LiteralPath $ClientExecutable).VersionInfo
        if ($info.ProductVersion) { $clientVersion = $info.ProductVersion.Trim() }
    }
    return [pscustomobject]@{
        instanceId    = (Get-EcsMetadata -Path 'meta-data/instance-id' -Token $token).Trim()
        privateIp     = (Get-EcsMetadata -Path 'meta-data/private-ipv4' -Token $token).Trim()
        mac           = (Get-EcsMetadata -Path 'meta-data/mac' -Token $token).Trim()
        region        = (Get-EcsMetadata -Path 'meta-data/region-id' -Token $token).Trim()
        logicalCpus   = [int](($processors | Measure-Object -Property NumberOfLogicalProcessors -Sum).Sum)
        physicalCpus  = [int](($processors | Measure-Object -Property NumberOfCores -Sum).Sum)
        clientVersion = $clientVersion
        hostname      = $env:COMPUTERNAME
    }
}

function Read-HpcHostConfig {
    param([string] $Path = $HpcConfigPath)
    $config = Get-Content -LiteralPath $Path -Raw -Encoding UTF8 | ConvertFrom-Json
    foreach ($field in 'hostManagerUrl', 'fleetToken', 'clientExecutable', 'accountName', 'heartbeatSeconds') {
        if (-not ($config.PSObject.Properties.Name -contains $field)) {
            throw "host config $Path has no $field"
        }
    }
    return $config
}

# POST {hostManagerUrl}/rpc/v1/status with the fleet token. Retries with backoff;
# returns $false instead of throwing when the host-manager stays unreachable, since
# a missing report must never stop the client.
function Send-HpcHostStatus {
    param(
        [Parameter(Mandatory)] $Config,
        [Parameter(Mandatory)] $Facts,
        [Parameter(Mandatory)] [ValidateSet(1, 2, 3, 4)] [int] $Status
    )
    $body = [ordered]@{
        instanceId    = $Facts.instanceId
        privateIp     = $Facts.privateIp
        mac           = $Facts.mac
        status        = $Status
        logicalCpus   = $Facts.logicalCpus
        physicalCpus  = $Facts.physicalCpus
        clientVersion = $Facts.clientVersion
        hostname      = $Facts.hostname
    } | ConvertTo-Json -Compress
    $uri = $Config.hostManagerUrl.TrimEnd('/') + '/rpc/v1/status'
    $headers = @{ Authorization = "Bearer $($Config.fleetToken)" }
    try {
        Invoke-WithRetry -What "status $Status report" -Attempts 5 -Action {
            Invoke-WebRequest -UseBasicParsing -Method Post -Uri $uri -Headers $headers `
                -ContentType 'application/json; charset=utf-8' `
                -Body ([System.Text.Encoding]::UTF8.GetBytes($body)) -TimeoutSec 10 | Out-Null
        } | Out-Null
        return $true
    } catch {
        Write-HpcLog "could not report status ${Status}: $($_.Exception.Message)"
        return $false
    }
}
