# What the host scripts share (imported by bootstrap, set-autologon, register-client-task,
# start-client and the build steps): the constants the fleet agrees on, one log function,
# the metadata service, the host config, the status report, and the few small functions
# that touch Windows-only APIs (registry, scheduled tasks, ACLs, local users, CIM). Those
# are kept thin so the tests replace them with Pester's Mock and run everything else.
# No trap here: each script keeps its own preamble and trap.
Set-StrictMode -Version Latest

# --- Constants. Where they must agree with packages/fleet-contract, a test compares them.

# The scheduled tasks the image and the hosts register.
$HpcTaskPath = '\hpc-fleet\'
$HpcBootstrapTaskName = 'bootstrap'
$HpcClientTaskName = 'start-client'
# The build's last step (scripts/build/seal-image.ps1); it deletes itself, and bootstrap
# removes it too should it still be there on a host.
$HpcSealTaskName = 'seal-image'

# The host config bootstrap writes from the user-data (readable by SYSTEM, Administrators
# and the client account only; it holds no secret, unless the stack keeps the legacy fleet
# token for one release).
$HpcDataDir = 'C:\ProgramData\hpc'
$HpcConfigPath = "$HpcDataDir\config.json"

# A local account name Windows accepts (20 characters at most) that is safe in a path.
$HpcAccountNamePattern = '^[A-Za-z][A-Za-z0-9_-]{0,19}$'

# HostStatus in the contract (host-report.ts); 0 (created) is the manager's own.
$HpcStatus = [ordered]@{
    starting     = 1
    running      = 2
    clientExited = 3
    clientFailed = 4
}
# REPORT_PATH in the contract.
$HpcReportPath = '/rpc/v1/status'

# HOST_CONFIG_BEGIN and HOST_CONFIG_END in the contract (host-config.ts): the lines that
# enclose the host config in the user-data.
$HpcHostConfigBegin = '$HpcHostConfigJson = @'''
$HpcHostConfigEnd = '''@'
# The required keys of HostConfig in the contract; fleetToken is optional (only with the
# stack's hostManager.legacyFleetToken).
$HpcHostConfigKeys = @(
    'hostManagerUrl', 'hostManagerCaCertPem', 'clientExecutable', 'clientArguments',
    'accountName', 'accountIsAdministrator', 'heartbeatSeconds'
)

# host-identity.ts in the contract: the metadata service, and registration by instance identity.
$HpcMetadataBase = 'http://100.100.100.200'
$HpcMetadataTokenPath = '/latest/api/token'
$HpcMetadataTokenTtlHeader = 'X-aliyun-ecs-metadata-token-ttl-seconds'
$HpcMetadataTokenHeader = 'X-aliyun-ecs-metadata-token'
$HpcIdentityDocumentPath = '/latest/dynamic/instance-identity/document'
$HpcIdentityPkcs7Path = '/latest/dynamic/instance-identity/pkcs7'
$HpcRegisterChallengePath = '/rpc/v1/register/challenge'
$HpcRegisterPath = '/rpc/v1/register'
$HpcHostCredentialPrefix = 'hmh_'

# The client's processor time at the last heartbeat (Measure-HpcClientCpu).
$script:HpcClientCpuSample = $null

# Well-known SIDs: never names, which Windows translates.
$HpcSystemSid = 'S-1-5-18'
$HpcAdministratorsSid = 'S-1-5-32-544'
$HpcUsersSid = 'S-1-5-32-545'

function Write-HpcLog {
    param([Parameter(Mandatory)] [AllowEmptyString()] [string] $Message)
    Write-Host ('{0:yyyy-MM-ddTHH:mm:ssK} {1}' -f (Get-Date), $Message)
}

# --- Retries, HTTP and the metadata service

# The HTTP status of a failed web request, or $null when there was no response (a timeout,
# a refused connection). Windows PowerShell throws WebException with an HttpWebResponse,
# PowerShell 7 HttpResponseException with an HttpResponseMessage: both have
# Response.StatusCode.
function Get-HpcHttpStatusCode {
    param([Parameter(Mandatory)] [System.Management.Automation.ErrorRecord] $ErrorRecord)
    $exception = $ErrorRecord.Exception
    while ($exception) {
        $response = $exception.PSObject.Properties['Response']
        if ($response -and $response.Value) {
            $statusCode = $response.Value.PSObject.Properties['StatusCode']
            if ($statusCode -and $null -ne $statusCode.Value) { return [int]$statusCode.Value }
        }
        $exception = $exception.InnerException
    }
    return $null
}

# Whether an HTTP status says the same request will fail again: a 4xx other than 408
# (timeout) and 429 (too many requests). A bad report, token or path is not retried.
function Test-HpcPermanentHttpStatus {
    param([AllowNull()] $StatusCode)
    if ($null -eq $StatusCode) { return $false }
    return $StatusCode -ge 400 -and $StatusCode -lt 500 -and $StatusCode -notin 408, 429
}

# Runs $Action until it succeeds, sleeping 2, 4, 8 ... seconds (at most $MaxDelaySeconds)
# between attempts: the metadata service and the host-manager may not answer at boot. A
# permanent HTTP error (Test-HpcPermanentHttpStatus) is thrown at once.
# The locals are prefixed: $Action sees its caller's variables, and PowerShell's dynamic
# scoping would let a local here of the same name hide one of them.
function Invoke-HpcWithRetry {
    param(
        [Parameter(Mandatory)] [scriptblock] $Action,
        [Parameter(Mandatory)] [string] $What,
        [int] $Attempts = 6,
        [int] $MaxDelaySeconds = 30
    )
    for ($retryAttempt = 1; ; $retryAttempt++) {
        try {
            return & $Action
        } catch {
            if (Test-HpcPermanentHttpStatus (Get-HpcHttpStatusCode $_)) { throw }
            if ($retryAttempt -ge $Attempts) { throw }
            $retryDelay = [int][Math]::Min([Math]::Pow(2, $retryAttempt), $MaxDelaySeconds)
            Write-HpcLog "$What failed (attempt $retryAttempt of $Attempts): $($_.Exception.Message); retrying in $retryDelay s"
            Start-Sleep -Seconds $retryDelay
        }
    }
}

# The response body as UTF-8: Windows PowerShell 5.1 decodes bodies without a charset as
# ISO-8859-1, which would garble non-ASCII user-data.
function ConvertFrom-HpcResponseBody {
    param([Parameter(Mandatory)] $Response)
    return [System.Text.Encoding]::UTF8.GetString($Response.RawContentStream.ToArray())
}

# Hardened metadata mode: a short-lived token first (a PUT with its TTL, 1 to 21600 s in
# Alibaba's "Instance metadata" page), then the token on every request. Normal mode (no
# token) only when the service refuses the PUT as a method or path it does not have (404,
# 405, 501): Alibaba documents no such answer, so nothing else (a timeout, a 403) is taken
# for it. Returns '' in normal mode.
function Get-HpcMetadataToken {
    try {
        $response = Invoke-HpcWithRetry -What 'metadata token' -Action {
            Invoke-WebRequest -UseBasicParsing -Method Put -Uri "$HpcMetadataBase$HpcMetadataTokenPath" `
                -Headers @{ $HpcMetadataTokenTtlHeader = '300' } -TimeoutSec 5
        }
    } catch {
        $code = Get-HpcHttpStatusCode $_
        if ($code -notin 404, 405, 501) { throw }
        Write-HpcLog "the metadata service has no hardened mode (PUT token: HTTP $code): reading it in normal mode"
        return ''
    }
    return (ConvertFrom-HpcResponseBody $response).Trim()
}

function Get-HpcMetadata {
    param(
        [Parameter(Mandatory)] [string] $Path,
        [Parameter(Mandatory)] [AllowEmptyString()] [string] $Token
    )
    $headers = @{}
    if ($Token) { $headers[$HpcMetadataTokenHeader] = $Token }
    $response = Invoke-HpcWithRetry -What "metadata $($Path -replace '\?.*$', '')" -Action {
        Invoke-WebRequest -UseBasicParsing -Uri "$HpcMetadataBase/latest/$Path" -Headers $headers -TimeoutSec 5
    }
    return ConvertFrom-HpcResponseBody $response
}

# --- The host's name

# The computer name now (Active) and after the next boot (Pending). ECS's init agent renames
# a new host at its first start, and until that takes effect a reboot later $env:COMPUTERNAME
# (the active name) is the image's: anything that must still hold after the reboot (the
# autologon domain, the certificate's name, the report) uses the pending name.
function Get-HpcComputerName {
    $names = 'HKLM:\SYSTEM\CurrentControlSet\Control\ComputerName'
    $active = Get-HpcRegistryValue -Key "$names\ActiveComputerName" -Name 'ComputerName'
    $pending = Get-HpcRegistryValue -Key "$names\ComputerName" -Name 'ComputerName'
    if (-not $active) { $active = $env:COMPUTERNAME }
    if (-not $pending) { $pending = $active }
    return [pscustomobject]@{ Active = [string]$active; Pending = [string]$pending }
}

# --- Windows Setup

# Whether Windows Setup is done. A generalized image's first boot runs the specialize pass
# (and reboots) and then the unattended OOBE, and the boot task can start during both.
function Test-HpcSetupComplete {
    $state = Get-HpcRegistryValue -Key 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Setup\State' -Name 'ImageState'
    $inProgress = Get-HpcRegistryValue -Key 'HKLM:\SYSTEM\Setup' -Name 'SystemSetupInProgress'
    return ((-not $state) -or $state -eq 'IMAGE_STATE_COMPLETE') -and ((-not $inProgress) -or [int]$inProgress -eq 0)
}

# Waits until Windows Setup is done: what is configured before may be undone by it, and a
# reboot asked for in the middle would cut it short.
function Wait-HpcSetupComplete {
    param([int] $TimeoutSeconds = 1800, [int] $PollSeconds = 15)
    for ($waited = 0; -not (Test-HpcSetupComplete); $waited += $PollSeconds) {
        if ($waited -ge $TimeoutSeconds) { throw "Windows Setup is still running after $TimeoutSeconds s" }
        if ($waited -eq 0) { Write-HpcLog 'Windows Setup is still running (a generalized image''s first boot): waiting' }
        Start-Sleep -Seconds $PollSeconds
    }
}

# --- The host config

# The JSON between the begin and end lines of the user-data, or $null when it has none.
function Get-HpcHostConfigFromUserData {
    param([AllowEmptyString()] [string] $UserData)
    $lines = $UserData -split '\r?\n'
    $begin = [Array]::IndexOf($lines, $HpcHostConfigBegin)
    if ($begin -lt 0) { return $null }
    $end = [Array]::IndexOf($lines, $HpcHostConfigEnd, $begin + 1)
    if ($end -le $begin + 1) { throw 'the host config in the user-data is not closed or is empty' }
    return ($lines[($begin + 1)..($end - 1)] -join "`n")
}

# The host config from its JSON, with every key the contract requires.
function ConvertFrom-HpcHostConfigJson {
    param(
        [Parameter(Mandatory)] [string] $Json,
        [string] $Source = 'the host config'
    )
    $config = ConvertFrom-Json -InputObject $Json
    $names = @($config.PSObject.Properties | ForEach-Object { $_.Name })
    foreach ($key in $HpcHostConfigKeys) {
        if ($names -notcontains $key) { throw "$Source has no $key" }
    }
    if ([string]$config.accountName -notmatch $HpcAccountNamePattern) {
        throw "$Source has an invalid accountName"
    }
    return $config
}

function Read-HpcHostConfig {
    param([string] $Path = $HpcConfigPath)
    $json = [System.IO.File]::ReadAllText($Path, [System.Text.Encoding]::UTF8)
    return ConvertFrom-HpcHostConfigJson -Json $json -Source "host config $Path"
}

# --- The status report

# What the host-manager is told about this host, besides the status itself.
function Get-HpcHostFacts {
    param([string] $ClientExecutable = '')
    $token = Get-HpcMetadataToken
    $processors = @(Get-HpcProcessor)
    $productVersion = ''
    if ($ClientExecutable -and (Test-Path -LiteralPath $ClientExecutable)) {
        $productVersion = [string](Get-Item -LiteralPath $ClientExecutable).VersionInfo.ProductVersion
    }
    return [pscustomobject]@{
        instanceId    = (Get-HpcMetadata -Path 'meta-data/instance-id' -Token $token).Trim()
        privateIp     = (Get-HpcMetadata -Path 'meta-data/private-ipv4' -Token $token).Trim()
        mac           = (Get-HpcMetadata -Path 'meta-data/mac' -Token $token).Trim()
        logicalCpus   = [int](($processors | Measure-Object -Property NumberOfLogicalProcessors -Sum).Sum)
        physicalCpus  = [int](($processors | Measure-Object -Property NumberOfCores -Sum).Sum)
        clientVersion = $productVersion.Trim()
        hostname      = (Get-HpcComputerName).Pending
    }
}

# The report's JSON body: the contract's fields (HostReport), in its order. The optional
# ones go only when the host-manager would take them (printable, at most 64 characters; a
# host name): a report it refuses with 400 would be lost for good.
function ConvertTo-HpcReportBody {
    param(
        [Parameter(Mandatory)] $Facts,
        [Parameter(Mandatory)] [int] $Status,
        # From Get-HpcHeartbeatReadings: the spot notice and the load figures.
        $Readings = $null
    )
    $body = [ordered]@{
        instanceId   = $Facts.instanceId
        privateIp    = $Facts.privateIp
        mac          = $Facts.mac
        status       = $Status
        logicalCpus  = $Facts.logicalCpus
        physicalCpus = $Facts.physicalCpus
    }
    $version = [string]$Facts.clientVersion
    if ($version -cmatch '^[\x20-\x7e]{1,64}$') { $body.clientVersion = $version }
    $hostname = [string]$Facts.hostname
    if ($hostname -match '^[A-Za-z0-9][A-Za-z0-9-]{0,62}$') { $body.hostname = $hostname }
    if ($Readings) { Add-HpcReadingsToReportBody -Body $body -Readings $Readings }
    return ConvertTo-Json -InputObject $body -Compress
}

# POST {hostManagerUrl}/rpc/v1/status with this host's credential (Send-HpcHostReport).
# Retries with backoff, but not a report the host-manager refused (4xx: a bad report gets
# the same answer again); returns $false instead of throwing, since a missing report must
# never stop the client.
function Send-HpcHostStatus {
    param(
        [Parameter(Mandatory)] $Config,
        [Parameter(Mandatory)] $Facts,
        [Parameter(Mandatory)] [ValidateScript({ $HpcStatus.Values -contains $_ })] [int] $Status,
        # A heartbeat: also read the spot notice and the load (Get-HpcHeartbeatReadings).
        [switch] $WithReadings
    )
    $readings = $null
    if ($WithReadings) {
        try {
            $executable = $Config.PSObject.Properties['clientExecutable']
            $readings = Get-HpcHeartbeatReadings -LogicalCpus ([int]$Facts.logicalCpus) `
                -ClientExecutable $(if ($executable) { [string]$executable.Value } else { '' })
        } catch {
            Write-HpcLog "heartbeat readings unavailable: $($_.Exception.Message)"
        }
    }
    $body = ConvertTo-HpcReportBody -Facts $Facts -Status $Status -Readings $readings
    try {
        Send-HpcHostReport -Config $Config -Path $HpcReportPath -Body $body -What "status $Status report"
        return $true
    } catch {
        Write-HpcLog "could not report status ${Status}: $($_.Exception.Message)"
        return $false
    }
}

# --- The heartbeat's readings: the spot interruption notice and the load figures. Each is
# read once, without retries and with a short timeout, and a failure leaves the field out:
# nothing here may delay or stop a heartbeat, which is what keeps the host from remediation.

# ECS's spot interruption notice (instance metadata instance/spot/termination-time, in
# hardened mode): 404 while the instance is not being reclaimed, else the UTC time ECS
# releases it at, as 2015-01-05T18:02:00Z. Returns that time in the same form, or $null
# when there is no notice or it could not be read.
# https://www.alibabacloud.com/help/en/ecs/user-guide/query-the-interruption-events-of-preemptible-instances
function Get-HpcSpotTerminationTime {
    param([int] $TimeoutSeconds = 2)
    try {
        $tokenResponse = Invoke-WebRequest -UseBasicParsing -Method Put -Uri "$HpcMetadataBase$HpcMetadataTokenPath" `
            -Headers @{ $HpcMetadataTokenTtlHeader = '60' } -TimeoutSec $TimeoutSeconds
        $token = (ConvertFrom-HpcResponseBody $tokenResponse).Trim()
        $response = Invoke-WebRequest -UseBasicParsing -Uri "$HpcMetadataBase/latest/meta-data/instance/spot/termination-time" `
            -Headers @{ $HpcMetadataTokenHeader = $token } -TimeoutSec $TimeoutSeconds
    } catch {
        if ((Get-HpcHttpStatusCode $_) -eq 404) { return $null }
        Write-HpcLog "spot notice unreadable: $($_.Exception.Message)"
        return $null
    }
    return ConvertTo-HpcUtcTime (ConvertFrom-HpcResponseBody $response)
}

# A time the metadata service wrote (2015-01-05T18:02:00Z) as yyyy-MM-ddTHH:mm:ssZ, or $null
# if it is not one (an empty body, a page from something in between).
function ConvertTo-HpcUtcTime {
    param([AllowEmptyString()] [AllowNull()] [string] $Text)
    $parsed = [datetime]::MinValue
    $styles = [System.Globalization.DateTimeStyles]::AdjustToUniversal -bor [System.Globalization.DateTimeStyles]::AssumeUniversal
    $formats = [string[]]@('yyyy-MM-ddTHH:mm:ssZ', 'yyyy-MM-ddTHH:mm:ss.FFFFFFFZ')
    if (-not [datetime]::TryParseExact(([string]$Text).Trim(), $formats, [cultureinfo]::InvariantCulture, $styles, [ref]$parsed)) {
        return $null
    }
    return $parsed.ToString('yyyy-MM-ddTHH:mm:ssZ', [cultureinfo]::InvariantCulture)
}

# The host's CPU use and available memory, and the client's CPU use and working set: each
# $null when it could not be read. The client's CPU use is the share of the whole host it
# took since the previous heartbeat (none at the first), like Task Manager's.
function Get-HpcHostLoad {
    param([AllowEmptyString()] [string] $ClientExecutable = '', [int] $LogicalCpus = 0)
    $load = [ordered]@{ cpuPercent = $null; memoryAvailablePercent = $null; clientCpuPercent = $null; clientWorkingSetBytes = $null }
    try {
        $load.cpuPercent = [double](Get-HpcProcessorLoad)
    } catch {
        Write-HpcLog "CPU use unreadable: $($_.Exception.Message)"
    }
    try {
        $memory = Get-HpcMemoryStatus
        if ([double]$memory.TotalVisibleMemorySize -gt 0) {
            $load.memoryAvailablePercent = 100.0 * [double]$memory.FreePhysicalMemory / [double]$memory.TotalVisibleMemorySize
        }
    } catch {
        Write-HpcLog "available memory unreadable: $($_.Exception.Message)"
    }
    if ($ClientExecutable) {
        try {
            $processes = @(Get-HpcClientProcess -ExecutablePath $ClientExecutable)
            if ($processes.Count -gt 0) {
                $load.clientWorkingSetBytes = [long](($processes | Measure-Object -Property WorkingSet64 -Sum).Sum)
                $load.clientCpuPercent = Measure-HpcClientCpu -Processes $processes -LogicalCpus $LogicalCpus
            } else {
                $script:HpcClientCpuSample = $null
            }
        } catch {
            Write-HpcLog "client process unreadable: $($_.Exception.Message)"
        }
    }
    return [pscustomobject]$load
}

# The client's CPU share since the last sample, from the processes' total processor time;
# $null at the first sample or when the processes changed (a restart) since.
function Measure-HpcClientCpu {
    param([Parameter(Mandatory)] [object[]] $Processes, [int] $LogicalCpus = 0)
    $ids = (@($Processes | ForEach-Object { [int]$_.Id } | Sort-Object) -join ',')
    $cpuSeconds = [double](($Processes | ForEach-Object { $_.TotalProcessorTime.TotalSeconds } | Measure-Object -Sum).Sum)
    $now = Get-HpcMonotonicSeconds
    $previous = $script:HpcClientCpuSample
    $script:HpcClientCpuSample = @{ Ids = $ids; CpuSeconds = $cpuSeconds; At = $now }
    if (-not $previous -or $previous.Ids -ne $ids -or $LogicalCpus -lt 1) { return $null }
    $elapsed = $now - $previous.At
    if ($elapsed -le 0) { return $null }
    $share = 100.0 * ($cpuSeconds - $previous.CpuSeconds) / ($elapsed * $LogicalCpus)
    return [Math]::Min(100.0, [Math]::Max(0.0, $share))
}

# What a heartbeat adds to its report; never throws.
function Get-HpcHeartbeatReadings {
    param([AllowEmptyString()] [string] $ClientExecutable = '', [int] $LogicalCpus = 0)
    $readings = [ordered]@{ spotTerminationTime = $null }
    try { $readings.spotTerminationTime = Get-HpcSpotTerminationTime } catch { Write-HpcLog "spot notice unreadable: $_" }
    try {
        $load = Get-HpcHostLoad -ClientExecutable $ClientExecutable -LogicalCpus $LogicalCpus
        foreach ($property in $load.PSObject.Properties) { $readings[$property.Name] = $property.Value }
    } catch {
        Write-HpcLog "load unreadable: $_"
    }
    return [pscustomobject]$readings
}

# Adds the readings that fit the contract (host-report.ts: percentages 0-100, a working set
# of at most 2^50 bytes, a UTC time) to a report body; any other is left out, as the
# host-manager would drop it.
function Add-HpcReadingsToReportBody {
    param([Parameter(Mandatory)] [System.Collections.IDictionary] $Body, [Parameter(Mandatory)] $Readings)
    $time = [string]$Readings.spotTerminationTime
    if ($time -cmatch '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$') { $Body.spotTerminationTime = $time }
    foreach ($name in 'cpuPercent', 'memoryAvailablePercent', 'clientCpuPercent') {
        $value = $Readings.$name
        if ($null -ne $value -and $value -is [ValueType] -and -not [double]::IsNaN([double]$value) -and
            [double]$value -ge 0 -and [double]$value -le 100) {
            $Body[$name] = [Math]::Round([double]$value, 1)
        }
    }
    $bytes = $Readings.clientWorkingSetBytes
    if ($null -ne $bytes -and $bytes -is [ValueType] -and [double]$bytes -ge 0 -and [double]$bytes -le [Math]::Pow(2, 50)) {
        $Body.clientWorkingSetBytes = [long]$bytes
    }
}

# --- The host-manager: HTTPS trusting the stack's CA for its endpoint only, and this host's
# own credential, from a registration by ECS instance identity (issue 15).
#
# The credential is kept in this process's memory only, never in a file: the process that
# reports registers (start-client as the client account, bootstrap as SYSTEM for its one
# starting report), so every boot, and every restart of the reporter, gets a new one and the
# old one stops working. A file, even ACL'd and DPAPI-protected, would have to be readable
# by the client account that reports, and so by the benchmark client running as it: it
# would protect nothing that registering again does not, and would outlive the boot. Not
# exported (no Hpc prefix), never logged.
$script:hostCredential = $null

# The one certificate of a PEM block (the host config's hostManagerCaCertPem).
function ConvertFrom-HpcCertificatePem {
    param([Parameter(Mandatory)] [AllowEmptyString()] [string] $Pem)
    $match = [regex]::Match($Pem, '-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----')
    if (-not $match.Success) { throw 'hostManagerCaCertPem is not a PEM certificate' }
    $bytes = [Convert]::FromBase64String(($match.Groups[1].Value -replace '\s', ''))
    return New-Object System.Security.Cryptography.X509Certificates.X509Certificate2(, $bytes)
}

# The callback that trusts the CA in $Config for $HostName only (HpcFleet.PinnedCa.cs).
function Get-HpcPinnedCaCallback {
    param([Parameter(Mandatory)] $Config, [Parameter(Mandatory)] [string] $HostName)
    if (-not ('HpcFleet.PinnedCa' -as [type])) { Add-Type -Path (Join-Path $PSScriptRoot 'HpcFleet.PinnedCa.cs') }
    $ca = ConvertFrom-HpcCertificatePem -Pem ([string]$Config.hostManagerCaCertPem)
    return [HpcFleet.PinnedCa]::For($ca, $HostName)
}

# One request to the host-manager; the response body as text. HTTPS only: the credential
# never goes in the clear. HttpWebRequest, not Invoke-WebRequest, for its per-request
# certificate callback: Invoke-WebRequest in 5.1 has only the process-wide
# ServicePointManager callback, and pwsh 7's has none. An HTTP error status throws a
# WebException whose Response has the StatusCode (Get-HpcHttpStatusCode reads it).
function Invoke-HpcHostManagerRequest {
    param(
        [Parameter(Mandatory)] $Config,
        [Parameter(Mandatory)] [ValidateSet('Get', 'Post')] [string] $Method,
        [Parameter(Mandatory)] [string] $Path,
        [AllowNull()] [string] $Body = $null,
        [AllowNull()] [string] $Credential = $null,
        [int] $TimeoutSeconds = 10
    )
    $uri = [uri](([string]$Config.hostManagerUrl).TrimEnd('/') + $Path)
    if ($uri.Scheme -ne 'https') { throw "the host-manager URL must be https, not $($uri.Scheme)" }
    # Windows PowerShell 5.1: TLS 1.2 unless the process already uses the system's default.
    $protocols = [System.Net.ServicePointManager]::SecurityProtocol
    if ([int]$protocols -ne 0 -and -not ($protocols -band [System.Net.SecurityProtocolType]::Tls12)) {
        [System.Net.ServicePointManager]::SecurityProtocol = $protocols -bor [System.Net.SecurityProtocolType]::Tls12
    }
    $request = [System.Net.HttpWebRequest][System.Net.WebRequest]::Create($uri)
    $request.Method = $Method.ToUpperInvariant()
    $request.Timeout = $TimeoutSeconds * 1000
    $request.ReadWriteTimeout = $TimeoutSeconds * 1000
    $request.ServerCertificateValidationCallback = Get-HpcPinnedCaCallback -Config $Config -HostName $uri.Host
    $request.Accept = 'application/json'
    if ($Credential) { $request.Headers['Authorization'] = "Bearer $Credential" }
    $bytes = [System.Text.Encoding]::UTF8.GetBytes([string]$Body)
    $request.ContentLength = $bytes.Length
    if ($bytes.Length -gt 0) {
        $request.ContentType = 'application/json; charset=utf-8'
        $stream = $request.GetRequestStream()
        try { $stream.Write($bytes, 0, $bytes.Length) } finally { $stream.Dispose() }
    }
    $response = $request.GetResponse()
    try {
        $reader = New-Object System.IO.StreamReader($response.GetResponseStream(), [System.Text.Encoding]::UTF8)
        try { return $reader.ReadToEnd() } finally { $reader.Dispose() }
    } finally {
        $response.Dispose()
    }
}

# A new credential for this instance: a one-time challenge from the host-manager, the
# instance identity document and its PKCS#7 signature over that challenge (audience) from
# the metadata service, then the registration. The whole exchange is retried (a challenge
# is good for one try), a few times; a refusal (4xx) at once is thrown.
function Register-HpcHost {
    param([Parameter(Mandatory)] $Config, [int] $Attempts = 3)
    try {
        $metadataToken = Get-HpcMetadataToken
        $instanceId = (Get-HpcMetadata -Path 'meta-data/instance-id' -Token $metadataToken).Trim()
    } catch {
        throw "the metadata service did not answer, so this host cannot prove who it is: $($_.Exception.Message)"
    }
    $registered = Invoke-HpcWithRetry -What 'registration' -Attempts $Attempts -Action {
        $offer = Invoke-HpcHostManagerRequest -Config $Config -Method Post -Path $HpcRegisterChallengePath | ConvertFrom-Json
        $challenge = [string]$offer.challenge
        if ($challenge -notmatch '^[A-Za-z0-9_-]{43}$') { throw 'the host-manager sent no valid challenge' }
        $document = Get-HpcMetadata -Path ($HpcIdentityDocumentPath -replace '^/latest/', '') -Token $metadataToken
        $signature = Get-HpcMetadata -Token $metadataToken `
            -Path (($HpcIdentityPkcs7Path -replace '^/latest/', '') + '?audience=' + [uri]::EscapeDataString($challenge))
        $request = ConvertTo-Json -Compress -InputObject ([ordered]@{
                instanceId = $instanceId
                document   = $document
                signature  = $signature.Trim()
                challenge  = $challenge
            })
        Invoke-HpcHostManagerRequest -Config $Config -Method Post -Path $HpcRegisterPath -Body $request | ConvertFrom-Json
    }
    $credential = [string]$registered.credential
    if (-not $credential.StartsWith($HpcHostCredentialPrefix) -or [string]$registered.instanceId -ne $instanceId) {
        throw "the host-manager's registration answer is not a credential for $instanceId"
    }
    Write-HpcLog "registered with the host-manager as $instanceId"
    return $credential
}

# This host's credential: the one in memory, or a new registration. With the stack's legacy
# fleet token in the config (hostManager.legacyFleetToken, one release), a registration
# that fails falls back to that token.
function Get-HpcHostCredential {
    param([Parameter(Mandatory)] $Config)
    if ($script:hostCredential) { return $script:hostCredential }
    try {
        $script:hostCredential = Register-HpcHost -Config $Config
    } catch {
        $legacy = $Config.PSObject.Properties['fleetToken']
        if (-not ($legacy -and $legacy.Value)) { throw }
        Write-HpcLog "registration failed ($($_.Exception.Message)); reporting with the legacy fleet token"
        $script:hostCredential = [string]$legacy.Value
    }
    return $script:hostCredential
}

# Forgets the credential in memory; the next report registers again.
function Clear-HpcHostCredential {
    $script:hostCredential = $null
}

# POSTs $Body to $Path with this host's credential, with Invoke-HpcWithRetry's retries. A
# 401 says the credential is no longer good (the host registered again elsewhere, the
# host-manager lost its store): it registers again and sends once more, once.
function Send-HpcHostReport {
    param(
        [Parameter(Mandatory)] $Config,
        [Parameter(Mandatory)] [string] $Path,
        [Parameter(Mandatory)] [string] $Body,
        [Parameter(Mandatory)] [string] $What
    )
    for ($reportTry = 1; ; $reportTry++) {
        $reportCredential = Get-HpcHostCredential -Config $Config
        try {
            Invoke-HpcWithRetry -What $What -Attempts 5 -Action {
                Invoke-HpcHostManagerRequest -Config $Config -Method Post -Path $Path -Body $Body -Credential $reportCredential
            } | Out-Null
            return
        } catch {
            if ((Get-HpcHttpStatusCode $_) -ne 401 -or $reportTry -ge 2) { throw }
            Write-HpcLog "$What refused (401): registering again"
            Clear-HpcHostCredential
        }
    }
}

# --- Registry

# Writes a registry value only when it differs; says whether it wrote.
function Update-HpcRegistryValue {
    param(
        [Parameter(Mandatory)] [string] $Key,
        [Parameter(Mandatory)] [string] $Name,
        [Parameter(Mandatory)] $Value,
        [Parameter(Mandatory)] [ValidateSet('String', 'DWord')] [string] $Type
    )
    $current = Get-HpcRegistryValue -Key $Key -Name $Name
    if ($null -ne $current -and "$current" -eq "$Value") { return $false }
    Write-HpcLog "setting $Key\$Name"
    Set-HpcRegistryValue -Key $Key -Name $Name -Value $Value -Type $Type
    return $true
}

# Removes a registry value when it exists; says whether it did.
function Clear-HpcRegistryValue {
    param(
        [Parameter(Mandatory)] [string] $Key,
        [Parameter(Mandatory)] [string] $Name
    )
    if ($null -eq (Get-HpcRegistryValue -Key $Key -Name $Name)) { return $false }
    Write-HpcLog "removing $Key\$Name"
    Remove-HpcRegistryValue -Key $Key -Name $Name
    return $true
}

# --- Scheduled tasks, described as plain hashtables so the decisions are testable: the
# same fields come back from Get-HpcScheduledTask and go to Register-HpcScheduledTask.

# Whether a registered task (from Get-HpcScheduledTask) already is $Desired.
function Test-HpcScheduledTaskCurrent {
    param(
        $Existing,
        [Parameter(Mandatory)] [hashtable] $Desired
    )
    if (-not $Existing) { return $false }
    foreach ($field in $Desired.Keys) {
        if ($field -in 'Description', 'TriggerAt') { continue }
        $want = $Desired[$field]
        $have = if ($Existing.ContainsKey($field)) { $Existing[$field] } else { $null }
        if ($field -in 'UserId', 'TriggerUserId') {
            if (-not (Test-HpcSameAccount -Left $have -Right $want)) { return $false }
        } elseif ("$have" -ne "$want") {
            return $false
        }
    }
    return $true
}

# Task Scheduler gives accounts back as it likes (hpc, HOST\hpc, SYSTEM for S-1-5-18).
function Test-HpcSameAccount {
    param([AllowNull()] [string] $Left, [AllowNull()] [string] $Right)
    $leaf = {
        param([string] $Account)
        if ($Account -eq $HpcSystemSid -or $Account -eq 'NT AUTHORITY\SYSTEM') { return 'SYSTEM' }
        return ($Account -split '\\')[-1]
    }
    return (& $leaf $Left) -eq (& $leaf $Right)
}

# Registers $Definition unless the task already is it; says whether it registered.
function Update-HpcScheduledTask {
    param([Parameter(Mandatory)] [hashtable] $Definition)
    $name = "$($Definition.TaskPath)$($Definition.TaskName)"
    $existing = Get-HpcScheduledTask -TaskPath $Definition.TaskPath -TaskName $Definition.TaskName
    if (Test-HpcScheduledTaskCurrent -Existing $existing -Desired $Definition) {
        Write-HpcLog "scheduled task $name is up to date"
        return $false
    }
    Write-HpcLog "registering scheduled task $name"
    Register-HpcScheduledTask -Definition $Definition
    return $true
}

# --- ACLs, as plain rules { Sid, Rights, Inherit } with the rights and inheritance flags
# as numbers, which read back from Windows the same way.

$HpcFullControl = 0x1F01FF
# ReadAndExecute with Synchronize, which Windows adds to every allow rule.
$HpcReadAndExecute = 0x1200A9
$HpcInheritToAll = 3  # ContainerInherit, ObjectInherit

# SYSTEM and Administrators may change it, $ReaderSid may read and run it, no one else.
function Get-HpcPrivateAccess {
    param(
        [Parameter(Mandatory)] [string] $ReaderSid,
        [switch] $Directory
    )
    $inherit = if ($Directory) { $HpcInheritToAll } else { 0 }
    return @(
        [pscustomobject]@{ Sid = $HpcSystemSid; Rights = $HpcFullControl; Inherit = $inherit },
        [pscustomobject]@{ Sid = $HpcAdministratorsSid; Rights = $HpcFullControl; Inherit = $inherit },
        [pscustomobject]@{ Sid = $ReaderSid; Rights = $HpcReadAndExecute; Inherit = $inherit }
    )
}

# Gives $Path exactly $Rules, inheritance cut, unless it already has them; says whether
# it changed anything.
function Update-HpcPathAccess {
    param(
        [Parameter(Mandatory)] [string] $Path,
        [Parameter(Mandatory)] [object[]] $Rules
    )
    $key = { param($Rule) '{0}|{1}|{2}' -f $Rule.Sid, [int]$Rule.Rights, [int]$Rule.Inherit }
    $current = Get-HpcPathAccess -Path $Path
    $have = @($current.Rules | ForEach-Object { & $key $_ } | Sort-Object)
    $want = @($Rules | ForEach-Object { & $key $_ } | Sort-Object)
    if ($current.Protected -and (($have -join ';') -eq ($want -join ';'))) { return $false }
    Write-HpcLog "restricting access to $Path"
    Set-HpcPathAccess -Path $Path -Rules $Rules
    return $true
}

# --- The Windows-only boundary: small, named, and replaced by Mock in the tests. What is
# only run on Windows (the windows-2022 job, a real host) is listed in images/windows/README.md.

function Get-HpcRegistryValue {
    param([Parameter(Mandatory)] [string] $Key, [Parameter(Mandatory)] [string] $Name)
    $item = Get-ItemProperty -LiteralPath $Key -Name $Name -ErrorAction SilentlyContinue
    if ($null -eq $item) { return $null }
    return $item.$Name
}

function Set-HpcRegistryValue {
    param(
        [Parameter(Mandatory)] [string] $Key,
        [Parameter(Mandatory)] [string] $Name,
        [Parameter(Mandatory)] $Value,
        [Parameter(Mandatory)] [string] $Type
    )
    if (-not (Test-Path -LiteralPath $Key)) { New-Item -Path $Key -Force | Out-Null }
    New-ItemProperty -LiteralPath $Key -Name $Name -Value $Value -PropertyType $Type -Force | Out-Null
}

function Remove-HpcRegistryValue {
    param([Parameter(Mandatory)] [string] $Key, [Parameter(Mandatory)] [string] $Name)
    Remove-ItemProperty -LiteralPath $Key -Name $Name
}

function Get-HpcProcessor {
    return Get-CimInstance -ClassName Win32_Processor
}

# The processors' use now, 0-100: the formatted counter \Processor(_Total)\% Processor Time.
function Get-HpcProcessorLoad {
    $total = Get-CimInstance -ClassName Win32_PerfFormattedData_PerfOS_Processor -Filter "Name='_Total'"
    return [double]$total.PercentProcessorTime
}

# FreePhysicalMemory and TotalVisibleMemorySize, both in KiB.
function Get-HpcMemoryStatus {
    return Get-CimInstance -ClassName Win32_OperatingSystem |
        Select-Object -Property FreePhysicalMemory, TotalVisibleMemorySize
}

# The running processes of $ExecutablePath as { Id, WorkingSet64, TotalProcessorTime }.
function Get-HpcClientProcess {
    param([Parameter(Mandatory)] [string] $ExecutablePath)
    $name = [System.IO.Path]::GetFileNameWithoutExtension($ExecutablePath)
    return @(Get-Process -Name $name -ErrorAction SilentlyContinue |
            Where-Object { $_.Path -eq $ExecutablePath } |
            Select-Object -Property Id, WorkingSet64, TotalProcessorTime)
}

# Seconds on a clock that the wall clock's steps do not move.
function Get-HpcMonotonicSeconds {
    return [System.Diagnostics.Stopwatch]::GetTimestamp() / [double][System.Diagnostics.Stopwatch]::Frequency
}

# The local account as { Name, Sid, Enabled }, or $null.
function Get-HpcLocalUser {
    param([Parameter(Mandatory)] [string] $Name)
    $user = Get-LocalUser -Name $Name -ErrorAction SilentlyContinue
    if (-not $user) { return $null }
    return [pscustomobject]@{ Name = $user.Name; Sid = $user.SID.Value; Enabled = [bool]$user.Enabled }
}

# The explicit rules of $Path and whether inheritance is cut.
function Get-HpcPathAccess {
    param([Parameter(Mandatory)] [string] $Path)
    $acl = Get-Acl -LiteralPath $Path
    $sidType = [System.Security.Principal.SecurityIdentifier]
    return [pscustomobject]@{
        Protected = $acl.AreAccessRulesProtected
        Rules     = @($acl.Access | Where-Object { -not $_.IsInherited -and $_.AccessControlType -eq 'Allow' } |
                ForEach-Object {
                    [pscustomobject]@{
                        Sid     = $_.IdentityReference.Translate($sidType).Value
                        Rights  = [int]$_.FileSystemRights
                        Inherit = [int]$_.InheritanceFlags
                    }
                })
    }
}

function Set-HpcPathAccess {
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [object[]] $Rules)
    if (Test-Path -LiteralPath $Path -PathType Container) {
        $acl = New-Object System.Security.AccessControl.DirectorySecurity
    } else {
        $acl = New-Object System.Security.AccessControl.FileSecurity
    }
    $acl.SetAccessRuleProtection($true, $false)
    foreach ($rule in $Rules) {
        $acl.AddAccessRule((New-Object System.Security.AccessControl.FileSystemAccessRule(
                    (New-Object System.Security.Principal.SecurityIdentifier($rule.Sid)),
                    [System.Security.AccessControl.FileSystemRights][int]$rule.Rights,
                    [System.Security.AccessControl.InheritanceFlags][int]$rule.Inherit,
                    [System.Security.AccessControl.PropagationFlags]::None,
                    [System.Security.AccessControl.AccessControlType]::Allow)))
    }
    Set-Acl -LiteralPath $Path -AclObject $acl
}

# The registered task as a definition (the fields Register-HpcScheduledTask takes), or $null.
function Get-HpcScheduledTask {
    param([Parameter(Mandatory)] [string] $TaskPath, [Parameter(Mandatory)] [string] $TaskName)
    $task = Get-ScheduledTask -TaskPath $TaskPath -TaskName $TaskName -ErrorAction SilentlyContinue
    if (-not $task) { return $null }
    return ConvertFrom-HpcScheduledTask -Task $task
}

function Register-HpcScheduledTask {
    param([Parameter(Mandatory)] [hashtable] $Definition)
    $task = ConvertTo-HpcScheduledTask -Definition $Definition
    Register-ScheduledTask -TaskPath $Definition.TaskPath -TaskName $Definition.TaskName `
        -InputObject $task -Force | Out-Null
}

function Unregister-HpcScheduledTask {
    param([Parameter(Mandatory)] [string] $TaskPath, [Parameter(Mandatory)] [string] $TaskName)
    if (Get-ScheduledTask -TaskPath $TaskPath -TaskName $TaskName -ErrorAction SilentlyContinue) {
        Unregister-ScheduledTask -TaskPath $TaskPath -TaskName $TaskName -Confirm:$false
    }
}

# A definition as the ScheduledTasks module's objects (nothing is registered). The windows-2022
# job turns definitions into tasks and back, so every field is shown to survive the trip.
function ConvertTo-HpcScheduledTask {
    param([Parameter(Mandatory)] [hashtable] $Definition)
    $d = $Definition
    $action = New-ScheduledTaskAction -Execute $d.Execute -Argument $d.Arguments
    switch ($d.Trigger) {
        'AtStartup' { $trigger = New-ScheduledTaskTrigger -AtStartup }
        'AtLogOn' { $trigger = New-ScheduledTaskTrigger -AtLogOn -User $d.TriggerUserId }
        'Once' { $trigger = New-ScheduledTaskTrigger -Once -At ([datetime]$d.TriggerAt) }
        default { throw "unknown trigger $($d.Trigger)" }
    }
    if ($d.ContainsKey('RepetitionInterval') -and $d.RepetitionInterval) {
        $interval = [System.Xml.XmlConvert]::ToTimeSpan($d.RepetitionInterval)
        $trigger.Repetition = (New-ScheduledTaskTrigger -Once -At (Get-Date) -RepetitionInterval $interval).Repetition
    }
    if ($d.ContainsKey('TriggerEndBoundary') -and $d.TriggerEndBoundary) { $trigger.EndBoundary = $d.TriggerEndBoundary }
    $principal = New-ScheduledTaskPrincipal -UserId $d.UserId -LogonType $d.LogonType -RunLevel $d.RunLevel
    $settingsArguments = @{
        AllowStartIfOnBatteries    = $true
        DontStopIfGoingOnBatteries = $true
        MultipleInstances          = $d.MultipleInstances
        Priority                   = $d.Priority
        StartWhenAvailable         = [bool]$d.StartWhenAvailable
    }
    if ($d.ContainsKey('RestartCount') -and $d.RestartCount) {
        $settingsArguments.RestartCount = $d.RestartCount
        $settingsArguments.RestartInterval = [System.Xml.XmlConvert]::ToTimeSpan($d.RestartInterval)
    }
    if ($d.ContainsKey('DeleteExpiredTaskAfter') -and $d.DeleteExpiredTaskAfter) {
        $settingsArguments.DeleteExpiredTaskAfter = [System.Xml.XmlConvert]::ToTimeSpan($d.DeleteExpiredTaskAfter)
    }
    $settings = New-ScheduledTaskSettingsSet @settingsArguments
    # As a string: PT0S (no limit) is what the task XML wants, and TimeSpan.Zero is refused.
    $settings.ExecutionTimeLimit = $d.ExecutionTimeLimit
    return New-ScheduledTask -Action $action -Trigger $trigger -Principal $principal -Settings $settings `
        -Description $d.Description
}

# A task (registered, or from ConvertTo-HpcScheduledTask) as a definition.
function ConvertFrom-HpcScheduledTask {
    param([Parameter(Mandatory)] $Task)
    $actions = @($Task.Actions)
    $triggers = @($Task.Triggers)
    $trigger = $triggers[0]
    $kinds = @{ MSFT_TaskBootTrigger = 'AtStartup'; MSFT_TaskLogonTrigger = 'AtLogOn'; MSFT_TaskTimeTrigger = 'Once' }
    $kind = $kinds[$trigger.CimClass.CimClassName]
    $definition = @{
        TaskPath           = $Task.TaskPath
        TaskName           = $Task.TaskName
        Description        = $Task.Description
        Execute            = $actions[0].Execute
        Arguments          = $actions[0].Arguments
        Trigger            = if ($actions.Count -eq 1 -and $triggers.Count -eq 1) { $kind } else { 'several' }
        UserId             = $Task.Principal.UserId
        LogonType          = [string]$Task.Principal.LogonType
        RunLevel           = [string]$Task.Principal.RunLevel
        Priority           = [int]$Task.Settings.Priority
        ExecutionTimeLimit = $Task.Settings.ExecutionTimeLimit
        MultipleInstances  = [string]$Task.Settings.MultipleInstances
        StartWhenAvailable = [bool]$Task.Settings.StartWhenAvailable
        RestartCount       = [int]$Task.Settings.RestartCount
        RestartInterval    = $Task.Settings.RestartInterval
        RepetitionInterval = if ($trigger.Repetition) { $trigger.Repetition.Interval } else { $null }
    }
    if ($kind -eq 'AtLogOn') { $definition.TriggerUserId = $trigger.UserId }
    if ($kind -eq 'Once') { $definition.TriggerAt = $trigger.StartBoundary; $definition.TriggerEndBoundary = $trigger.EndBoundary }
    if ($Task.Settings.DeleteExpiredTaskAfter) { $definition.DeleteExpiredTaskAfter = $Task.Settings.DeleteExpiredTaskAfter }
    return $definition
}

Export-ModuleMember -Function '*-Hpc*' -Variable 'Hpc*'
