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
        [int] $TimeoutSeconds = 10,
        [hashtable] $Headers = @{}
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
    foreach ($name in $Headers.Keys) { $request.Headers[$name] = [string]$Headers[$name] }
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

# --- Fleet jobs (issue 16): this host pulls its own tasks from the host-manager, with the
# same credential as its reports (services/host-manager/README.md, "Jobs"). A turn asks for
# the next task without waiting (wait=0), accepts it with the version it was offered (409:
# another attempt has it, or it was revoked or held: dropped), runs the action and posts
# the result. Nothing here throws to the reporter loop, and a turn is bounded: a long action
# calls back (OnTick) so the loop keeps its heartbeats, and reports progress, which says
# whether the job was revoked.

$HpcTasksPath = '/rpc/v1/tasks'
# MAX_RESULT_DATA_BYTES in services/host-manager/src/domain/jobs/actions.ts.
$HpcTaskDataMaxBytes = 32768
# The low byte of a failed task's retcode (0x03nn in the README's table): the host's codes.
$HpcTaskCode = [ordered]@{
    unknownAction      = 1
    invalidParams      = 2
    clientStartFailed  = 3
    clientStopFailed   = 4
    defaultNotSaved    = 5
    logsUnreadable     = 6
    countersUnreadable = 7
    dumpUnavailable    = 8
    dumpFailed         = 9
    rebootNotAllowed   = 10
    revoked            = 11
    unexpected         = 255
}
# The user right to restart Windows: set-autologon grants it to the client account, and the
# reboot task needs it in the token of the client's logon.
$HpcShutdownPrivilege = 'SeShutdownPrivilege'
# How often a long action reports progress (and so learns of a revocation).
$HpcTaskProgressSeconds = 10
# The file in the client account's own profile that keeps restart-client's arguments
# (keepAsDefault) for the client's next starts: {"arguments": [...]}.
$HpcClientArgumentsFileName = 'client-arguments.json'

# $Text cut to at most $MaxBytes bytes of UTF-8: its start kept, or with -KeepEnd its end
# (the newest lines of a log). A cut never splits a character.
function Limit-HpcUtf8Text {
    param(
        [Parameter(Mandatory)] [AllowEmptyString()] [string] $Text,
        [Parameter(Mandatory)] [int] $MaxBytes,
        [switch] $KeepEnd
    )
    $utf8 = New-Object System.Text.UTF8Encoding($false)
    $bytes = $utf8.GetBytes($Text)
    if ($bytes.Length -le $MaxBytes) { return $Text }
    if ($MaxBytes -le 0) { return '' }
    if ($KeepEnd) {
        $start = $bytes.Length - $MaxBytes
        # Skip continuation bytes (10xxxxxx): start at the first byte of a character.
        while ($start -lt $bytes.Length -and ($bytes[$start] -band 0xC0) -eq 0x80) { $start++ }
        return $utf8.GetString($bytes, $start, $bytes.Length - $start)
    }
    $end = $MaxBytes
    # Back off to the first byte of the character the cut would split.
    while ($end -gt 0 -and ($bytes[$end] -band 0xC0) -eq 0x80) { $end-- }
    return $utf8.GetString($bytes, 0, $end)
}

# One call about this host's tasks: the answer's JSON, parsed. The credential the reports
# use, and the instance in X-Instance-Id only under the legacy fleet token (no hmh_ prefix),
# as the host-manager's requesting-host.ts has it. On 401 it registers again and sends
# once more, once, like Send-HpcHostReport; no other retry (a turn stays short).
function Invoke-HpcTaskRequest {
    param(
        [Parameter(Mandatory)] $Config,
        [Parameter(Mandatory)] [ValidateSet('Get', 'Post')] [string] $Method,
        [Parameter(Mandatory)] [string] $Path,
        $Body = $null,
        [AllowEmptyString()] [string] $InstanceId = '',
        [int] $TimeoutSeconds = 10
    )
    $json = $null
    if ($null -ne $Body) { $json = ConvertTo-Json -InputObject $Body -Compress -Depth 5 }
    for ($taskTry = 1; ; $taskTry++) {
        $taskCredential = Get-HpcHostCredential -Config $Config
        $headers = @{}
        if (-not $taskCredential.StartsWith($HpcHostCredentialPrefix) -and $InstanceId) { $headers['X-Instance-Id'] = $InstanceId }
        try {
            $text = Invoke-HpcHostManagerRequest -Config $Config -Method $Method -Path $Path -Body $json `
                -Credential $taskCredential -TimeoutSeconds $TimeoutSeconds -Headers $headers
            if ([string]::IsNullOrWhiteSpace($text)) { return $null }
            return ConvertFrom-Json -InputObject $text
        } catch {
            if ((Get-HpcHttpStatusCode $_) -ne 401 -or $taskTry -ge 2) { throw }
            Write-HpcLog "task request refused (401): registering again"
            Clear-HpcHostCredential
        }
    }
}

# The next task offered to this host ({taskId, version, action, params, ...}), or $null.
function Get-HpcNextTask {
    param([Parameter(Mandatory)] $Config, [AllowEmptyString()] [string] $InstanceId = '')
    $answer = Invoke-HpcTaskRequest -Config $Config -Method Get -Path "$HpcTasksPath/next?wait=0" -InstanceId $InstanceId
    if ($null -eq $answer -or -not $answer.PSObject.Properties['task'] -or $null -eq $answer.task) { return $null }
    $task = $answer.task
    foreach ($field in 'taskId', 'version', 'action') {
        if (-not $task.PSObject.Properties[$field]) { throw "the host-manager offered a task without $field" }
    }
    return $task
}

# Accepts $Task at the version it was offered: the new version, or $null when the
# host-manager says it is no longer this host's to take (409: taken, moved on, revoked or
# held; 404: gone).
function Lock-HpcTask {
    param([Parameter(Mandatory)] $Config, [Parameter(Mandatory)] $Task, [AllowEmptyString()] [string] $InstanceId = '')
    try {
        $answer = Invoke-HpcTaskRequest -Config $Config -Method Post -Path "$HpcTasksPath/$([int]$Task.taskId)/accept" `
            -Body ([ordered]@{ version = [int]$Task.version }) -InstanceId $InstanceId
    } catch {
        $code = Get-HpcHttpStatusCode $_
        if ($code -notin 404, 409) { throw }
        Write-HpcLog "task $([int]$Task.taskId) is no longer offered to this host (HTTP $code): dropped"
        return $null
    }
    return [int]$answer.version
}

# Tells the host-manager the task is still running (its time-to-run starts again); says
# whether the job was revoked. A progress call that fails is logged and taken as not revoked.
function Send-HpcTaskProgress {
    param(
        [Parameter(Mandatory)] $Config,
        [Parameter(Mandatory)] $Task,
        [string] $Note = '',
        [AllowEmptyString()] [string] $InstanceId = ''
    )
    $body = [ordered]@{ version = [int]$Task.version }
    if ($Note) { $body.note = Limit-HpcUtf8Text -Text $Note -MaxBytes 500 }
    try {
        $answer = Invoke-HpcTaskRequest -Config $Config -Method Post -Path "$HpcTasksPath/$([int]$Task.taskId)/progress" `
            -Body $body -InstanceId $InstanceId
    } catch {
        $code = Get-HpcHttpStatusCode $_
        # 409: no longer this host's at that version (timed out and moved on): stop as if revoked.
        if ($code -eq 409) { return $true }
        Write-HpcLog "task $([int]$Task.taskId): progress not sent: $($_.Exception.Message)"
        return $false
    }
    return [bool]$answer.revoked
}

# Posts the outcome ({resp, code, message, data}) of $Task, with data cut to the
# host-manager's limit; says whether it was recorded. A few retries for a host-manager that
# did not answer; a refusal (409: the attempt timed out and moved on) is logged. Never throws.
function Send-HpcTaskResult {
    param(
        [Parameter(Mandatory)] $Config,
        [Parameter(Mandatory)] $Task,
        [Parameter(Mandatory)] $Outcome,
        [AllowEmptyString()] [string] $InstanceId = ''
    )
    $body = [ordered]@{ version = [int]$Task.version; resp = [string]$Outcome.resp }
    if ($Outcome.resp -eq 'failed') {
        # The host-manager takes 1-255 only; anything else is the unexpected error's code.
        $code = [int]$Outcome.code
        $body.code = if ($code -ge 1 -and $code -le 255) { $code } else { $HpcTaskCode.unexpected }
    }
    if ($Outcome.message) { $body.message = Limit-HpcUtf8Text -Text ([string]$Outcome.message) -MaxBytes 1000 }
    if ($null -ne $Outcome.data) { $body.data = Limit-HpcUtf8Text -Text ([string]$Outcome.data) -MaxBytes $HpcTaskDataMaxBytes }
    $id = [int]$Task.taskId
    try {
        Invoke-HpcWithRetry -What "task $id result" -Attempts 3 -MaxDelaySeconds 4 -Action {
            Invoke-HpcTaskRequest -Config $Config -Method Post -Path "$HpcTasksPath/$id/result" -Body $body -InstanceId $InstanceId
        } | Out-Null
        Write-HpcLog "task ${id}: $($body.resp) reported"
        return $true
    } catch {
        Write-HpcLog "task ${id}: result not recorded: $($_.Exception.Message)"
        return $false
    }
}

# Called about every second of a long action: runs the loop's $Watch.OnTick (its
# heartbeat), and every $HpcTaskProgressSeconds reports progress; says whether the task
# was revoked (or is no longer this host's).
function Test-HpcTaskRevoked {
    param([Parameter(Mandatory)] [hashtable] $Watch)
    try { & $Watch.OnTick } catch { Write-HpcLog "heartbeat during a task failed: $($_.Exception.Message)" }
    $now = Get-HpcMonotonicSeconds
    if ($now - $Watch.At -lt $HpcTaskProgressSeconds) { return $false }
    $Watch.At = $now
    return Send-HpcTaskProgress -Config $Watch.Config -Task $Watch.Task -InstanceId $Watch.InstanceId
}

# An action's outcome: success, or failed with one of $HpcTaskCode and a message.
function New-HpcTaskOutcome {
    param(
        [Parameter(Mandatory)] [ValidateSet('success', 'failed')] [string] $Resp,
        [int] $Code = 0,
        [string] $Message = '',
        $Data = $null,
        [switch] $Reboot
    )
    return [pscustomobject]@{ resp = $Resp; code = $Code; message = $Message; data = $Data; reboot = [bool]$Reboot }
}

# A task parameter, or $Default when the task has none.
function Get-HpcTaskParam {
    param([Parameter(Mandatory)] $Task, [Parameter(Mandatory)] [string] $Name, $Default = $null)
    $params = $Task.PSObject.Properties['params']
    if (-not $params -or $null -eq $params.Value) { return $Default }
    $param = $params.Value.PSObject.Properties[$Name]
    if (-not $param -or $null -eq $param.Value) { return $Default }
    return $param.Value
}

# The arguments the client starts with: those restart-client kept as the default (the file
# $Path), else the host config's clientArguments. A default that cannot be read is logged
# and ignored.
function Get-HpcClientArguments {
    param([Parameter(Mandatory)] $Config, [AllowEmptyString()] [string] $Path = '')
    if ($Path -and (Test-Path -LiteralPath $Path -PathType Leaf)) {
        try {
            $saved = ConvertFrom-Json -InputObject ([System.IO.File]::ReadAllText($Path, [System.Text.Encoding]::UTF8))
            $arguments = @($saved.arguments)
            if (@($arguments | Where-Object { $_ -isnot [string] }).Count -eq 0) {
                Write-HpcLog "starting the client with the arguments a restart-client task kept ($Path)"
                return [string[]]$arguments
            }
            Write-HpcLog "ignoring ${Path}: its arguments are not all strings"
        } catch {
            Write-HpcLog "ignoring ${Path}: $($_.Exception.Message)"
        }
    }
    return [string[]]@($Config.clientArguments)
}

# Keeps $Arguments as the client's arguments for its next starts.
function Save-HpcClientArguments {
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [AllowEmptyCollection()] [string[]] $Arguments)
    $directory = Split-Path -Parent $Path
    if (-not (Test-Path -LiteralPath $directory)) { New-Item -ItemType Directory -Path $directory -Force | Out-Null }
    $json = ConvertTo-Json -Compress -InputObject ([ordered]@{ arguments = @($Arguments) })
    # Written beside and moved over the old one: a crash never leaves half a file.
    [System.IO.File]::WriteAllText("$Path.new", $json, (New-Object System.Text.UTF8Encoding($false)))
    if (Test-Path -LiteralPath $Path) {
        # [NullString]: a $null passed to a string parameter would arrive as "" (no backup).
        [System.IO.File]::Replace("$Path.new", $Path, [NullString]::Value)
    } else {
        [System.IO.File]::Move("$Path.new", $Path)
    }
}

# Stops the client the supervisor runs ($Client.Process), if any.
function Stop-HpcSupervisedClient {
    param([Parameter(Mandatory)] [hashtable] $Client)
    if ($Client.Process) {
        Stop-HpcClientProcess -Process $Client.Process
        $Client.Process = $null
    }
}

function Invoke-HpcRestartClientAction {
    param([Parameter(Mandatory)] $Task, [Parameter(Mandatory)] [hashtable] $Client)
    $arguments = @(Get-HpcTaskParam -Task $Task -Name 'args' -Default @())
    if (@($arguments | Where-Object { $_ -isnot [string] }).Count -gt 0) {
        return New-HpcTaskOutcome failed $HpcTaskCode.invalidParams 'args must be strings'
    }
    $keep = [bool](Get-HpcTaskParam -Task $Task -Name 'keepAsDefault' -Default $false)
    if ($keep -and -not $Client.DefaultArgumentsPath) {
        return New-HpcTaskOutcome failed $HpcTaskCode.defaultNotSaved 'keepAsDefault: this host has no place to keep the arguments'
    }
    try {
        Stop-HpcSupervisedClient -Client $Client
    } catch {
        return New-HpcTaskOutcome failed $HpcTaskCode.clientStopFailed "the client did not stop: $($_.Exception.Message)"
    }
    $Client.Arguments = [string[]]$arguments
    $Client.Stopped = $false
    try {
        & $Client.Start $Client
    } catch {
        return New-HpcTaskOutcome failed $HpcTaskCode.clientStartFailed "the client did not start: $($_.Exception.Message)"
    }
    if ($keep) {
        try {
            Save-HpcClientArguments -Path $Client.DefaultArgumentsPath -Arguments $arguments
        } catch {
            return New-HpcTaskOutcome failed $HpcTaskCode.defaultNotSaved "restarted, but the default was not kept: $($_.Exception.Message)"
        }
    }
    $kept = if ($keep) { ', kept as the default' } else { '' }
    return New-HpcTaskOutcome success -Message "restarted with $($arguments.Count) arguments$kept"
}

function Invoke-HpcStopClientAction {
    param([Parameter(Mandatory)] [hashtable] $Client)
    try {
        Stop-HpcSupervisedClient -Client $Client
    } catch {
        return New-HpcTaskOutcome failed $HpcTaskCode.clientStopFailed "the client did not stop: $($_.Exception.Message)"
    }
    $Client.Stopped = $true
    return New-HpcTaskOutcome success -Message 'stopped; a restart-client task starts it again'
}

# The client's log files, newest first: *.log in the client's directory, in its logs
# folder, and in $Client.LogDirectory (start-client's own transcript).
function Get-HpcClientLogFile {
    param([Parameter(Mandatory)] [hashtable] $Client)
    $directories = New-Object System.Collections.ArrayList
    if ($Client.Executable) {
        $clientDirectory = Split-Path -Parent $Client.Executable
        [void]$directories.Add($clientDirectory)
        [void]$directories.Add((Join-Path $clientDirectory 'logs'))
    }
    if ($Client.LogDirectory) { [void]$directories.Add($Client.LogDirectory) }
    return @($directories | Where-Object { $_ -and (Test-Path -LiteralPath $_ -PathType Container) } |
            ForEach-Object { Get-ChildItem -LiteralPath $_ -Filter '*.log' -File -ErrorAction SilentlyContinue } |
            Sort-Object -Property LastWriteTimeUtc -Descending)
}

# The last $MaxBytes bytes of a file another process may be writing, as UTF-8 text.
function Read-HpcFileTail {
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [int] $MaxBytes)
    $share = [System.IO.FileShare]::ReadWrite -bor [System.IO.FileShare]::Delete
    $stream = New-Object System.IO.FileStream($Path, [System.IO.FileMode]::Open, [System.IO.FileAccess]::Read, $share)
    try {
        $count = [int][Math]::Min([long]$MaxBytes, $stream.Length)
        [void]$stream.Seek(-$count, [System.IO.SeekOrigin]::End)
        $buffer = New-Object byte[] $count
        $read = 0
        while ($read -lt $count) {
            $n = $stream.Read($buffer, $read, $count - $read)
            if ($n -le 0) { break }
            $read += $n
        }
        $start = 0
        while ($start -lt $read -and ($buffer[$start] -band 0xC0) -eq 0x80) { $start++ }
        return [System.Text.Encoding]::UTF8.GetString($buffer, $start, $read - $start)
    } finally {
        $stream.Dispose()
    }
}

# The newest bytes of the client's logs, at most maxBytes in all: each file (newest first)
# under a "==> name <==" line, its end kept.
function Invoke-HpcCollectLogsAction {
    param([Parameter(Mandatory)] $Task, [Parameter(Mandatory)] [hashtable] $Client)
    $maxBytes = [int](Get-HpcTaskParam -Task $Task -Name 'maxBytes' -Default 16384)
    if ($maxBytes -lt 1024 -or $maxBytes -gt $HpcTaskDataMaxBytes) {
        return New-HpcTaskOutcome failed $HpcTaskCode.invalidParams "maxBytes must be 1024-$HpcTaskDataMaxBytes"
    }
    try {
        $files = @(Get-HpcClientLogFile -Client $Client)
    } catch {
        return New-HpcTaskOutcome failed $HpcTaskCode.logsUnreadable "the client's logs could not be listed: $($_.Exception.Message)"
    }
    if ($files.Count -eq 0) { return New-HpcTaskOutcome failed $HpcTaskCode.logsUnreadable 'no client log files found' }
    $utf8 = [System.Text.Encoding]::UTF8
    $parts = New-Object System.Collections.ArrayList
    $left = $maxBytes
    $unread = 0
    foreach ($file in $files) {
        $header = "==> $($file.FullName) ($($file.Length) bytes) <==`n"
        $room = $left - $utf8.GetByteCount($header) - 1
        if ($room -lt 64) { break }
        try {
            $tail = Limit-HpcUtf8Text -Text (Read-HpcFileTail -Path $file.FullName -MaxBytes $room) -MaxBytes $room -KeepEnd
        } catch {
            $unread++
            continue
        }
        $part = "$header$tail`n"
        [void]$parts.Add($part)
        $left -= $utf8.GetByteCount($part)
    }
    if ($parts.Count -eq 0) { return New-HpcTaskOutcome failed $HpcTaskCode.logsUnreadable "none of $($files.Count) log files could be read" }
    $data = Limit-HpcUtf8Text -Text ($parts -join '') -MaxBytes $maxBytes
    $message = "$($parts.Count) of $($files.Count) log files"
    if ($unread) { $message += " ($unread unreadable)" }
    return New-HpcTaskOutcome success -Message $message -Data $data
}

# sampleSeconds of the load figures the heartbeat reads (Get-HpcHostLoad), one a second, as
# {columns, rows}; with dump, a full dump of the client's process (HpcFleet.ProcessDump.cs:
# the API Task Manager uses; comsvcs.dll's MiniDump through rundll32 is not, since that is
# what credential thieves use on lsass and Defender blocks it). The dump stays on the host,
# in the client account's profile; data names it.
function Invoke-HpcCollectDiagnosticsAction {
    param([Parameter(Mandatory)] $Task, [Parameter(Mandatory)] [hashtable] $Client, [Parameter(Mandatory)] [hashtable] $Watch)
    $seconds = [int](Get-HpcTaskParam -Task $Task -Name 'sampleSeconds' -Default 30)
    if ($seconds -lt 1 -or $seconds -gt 300) { return New-HpcTaskOutcome failed $HpcTaskCode.invalidParams 'sampleSeconds must be 1-300' }
    $dump = [bool](Get-HpcTaskParam -Task $Task -Name 'dump' -Default $false)
    $logicalCpus = if ($Client.LogicalCpus) { [int]$Client.LogicalCpus } else { 0 }
    $rows = New-Object System.Collections.ArrayList
    $round = { param($Value) if ($null -eq $Value) { $null } else { [Math]::Round([double]$Value, 1, [MidpointRounding]::AwayFromZero) } }
    for ($second = 1; $second -le $seconds; $second++) {
        Start-Sleep -Seconds 1
        $load = Get-HpcHostLoad -ClientExecutable ([string]$Client.Executable) -LogicalCpus $logicalCpus
        [void]$rows.Add(@($second, (& $round $load.cpuPercent), (& $round $load.memoryAvailablePercent),
                (& $round $load.clientCpuPercent), $load.clientWorkingSetBytes))
        if (Test-HpcTaskRevoked -Watch $Watch) { return New-HpcTaskOutcome failed $HpcTaskCode.revoked "revoked after $second s of sampling" }
    }
    $data = [ordered]@{
        columns = @('second', 'cpuPercent', 'memoryAvailablePercent', 'clientCpuPercent', 'clientWorkingSetBytes')
        rows    = @($rows)
    }
    if (@($rows | Where-Object { $null -ne $_[1] -or $null -ne $_[2] }).Count -eq 0) {
        return New-HpcTaskOutcome failed $HpcTaskCode.countersUnreadable 'no performance counter could be read' -Data (ConvertTo-Json -Compress -Depth 4 $data)
    }
    $outcome = New-HpcTaskOutcome success -Message "$seconds s of counters"
    if ($dump) {
        $outcome = Invoke-HpcClientDump -Client $Client
        $data.dump = $outcome.data
    }
    $outcome.data = ConvertTo-Json -Compress -Depth 4 -InputObject $data
    return $outcome
}

# A full dump of the client's process in $Client.DumpDirectory.
function Invoke-HpcClientDump {
    param([Parameter(Mandatory)] [hashtable] $Client)
    $processes = @(Get-HpcClientProcess -ExecutablePath ([string]$Client.Executable))
    if ($processes.Count -eq 0) { return New-HpcTaskOutcome failed $HpcTaskCode.dumpFailed 'counters sampled, but no dump: the client is not running' }
    if (-not $Client.DumpDirectory) { return New-HpcTaskOutcome failed $HpcTaskCode.dumpFailed 'counters sampled, but no dump: this host has no dump directory' }
    try {
        Import-HpcProcessDumpCode
    } catch {
        # Add-Type refused: PowerShell in Constrained Language mode (AppLocker, WDAC), say.
        return New-HpcTaskOutcome failed $HpcTaskCode.dumpUnavailable "counters sampled, but this host cannot write dumps: $($_.Exception.Message)"
    }
    try {
        $file = Invoke-HpcProcessDump -ProcessId ([int]$processes[0].Id) -Directory $Client.DumpDirectory
    } catch {
        return New-HpcTaskOutcome failed $HpcTaskCode.dumpFailed "counters sampled, but the dump failed: $($_.Exception.Message)"
    }
    return New-HpcTaskOutcome success -Message 'counters sampled and the client dumped' -Data ([ordered]@{ file = $file.FullName; bytes = [long]$file.Length })
}

# Reboot: by an account that holds the right to restart Windows, which set-autologon grants
# the client account (on Windows Server only Administrators and Backup Operators hold it
# otherwise). The result is posted before.
function Invoke-HpcRebootAction {
    if (-not (Test-HpcShutdownPrivilege)) {
        return New-HpcTaskOutcome failed $HpcTaskCode.rebootNotAllowed ("the client account's logon does not hold the right " +
            "to restart Windows ($HpcShutdownPrivilege), which the bootstrap grants it before its first logon; replace the host instead")
    }
    return New-HpcTaskOutcome success -Message 'rebooting' -Reboot
}

# Runs $Task's action; its outcome, never an exception.
function Invoke-HpcTaskAction {
    param(
        [Parameter(Mandatory)] $Config,
        [Parameter(Mandatory)] $Task,
        [Parameter(Mandatory)] [hashtable] $Client,
        [Parameter(Mandatory)] [hashtable] $Watch
    )
    try {
        switch ([string]$Task.action) {
            'restart-client' { return Invoke-HpcRestartClientAction -Task $Task -Client $Client }
            'stop-client' { return Invoke-HpcStopClientAction -Client $Client }
            'collect-logs' { return Invoke-HpcCollectLogsAction -Task $Task -Client $Client }
            'collect-diagnostics' { return Invoke-HpcCollectDiagnosticsAction -Task $Task -Client $Client -Watch $Watch }
            'reboot' { return Invoke-HpcRebootAction }
        }
        return New-HpcTaskOutcome failed $HpcTaskCode.unknownAction "this host does not know the action $([string]$Task.action)"
    } catch {
        return New-HpcTaskOutcome failed $HpcTaskCode.unexpected "the action failed: $($_.Exception.Message)"
    }
}

# One turn of the reporter loop for tasks: up to $MaxTasks tasks, each asked for, accepted,
# run and reported. Polls only once a report has registered this host (the heartbeat does
# the registering, with its retries; a poll never waits on the metadata service). $Client
# is start-client's: Executable, Arguments, Process, Stopped, Start (a scriptblock taking
# $Client that starts the client with $Client.Arguments), DefaultArgumentsPath,
# LogDirectory, DumpDirectory, LogicalCpus. $OnTick runs about every second of a long
# action (the loop's heartbeat). Never throws.
function Invoke-HpcTaskTurn {
    param(
        [Parameter(Mandatory)] $Config,
        [Parameter(Mandatory)] [hashtable] $Client,
        [AllowEmptyString()] [string] $InstanceId = '',
        [scriptblock] $OnTick = {},
        [int] $MaxTasks = 3
    )
    if (-not $script:hostCredential) { return }
    for ($taskCount = 0; $taskCount -lt $MaxTasks; $taskCount++) {
        try {
            $task = Get-HpcNextTask -Config $Config -InstanceId $InstanceId
            if (-not $task) { return }
            $version = Lock-HpcTask -Config $Config -Task $task -InstanceId $InstanceId
        } catch {
            Write-HpcLog "task poll failed: $($_.Exception.Message)"
            return
        }
        if ($null -eq $version) { continue }
        $task.version = $version
        Write-HpcLog "task $([int]$task.taskId): $([string]$task.action) (attempt $(if ($task.PSObject.Properties['attempt']) { $task.attempt } else { '?' }))"
        $watch = @{ Config = $Config; Task = $task; InstanceId = $InstanceId; OnTick = $OnTick; At = Get-HpcMonotonicSeconds }
        $outcome = Invoke-HpcTaskAction -Config $Config -Task $task -Client $Client -Watch $watch
        if ($outcome.resp -eq 'failed') { Write-HpcLog "task $([int]$task.taskId) failed (code $($outcome.code)): $($outcome.message)" }
        $recorded = Send-HpcTaskResult -Config $Config -Task $task -Outcome $outcome -InstanceId $InstanceId
        if ($outcome.reboot) {
            # Only a recorded success reboots: else the task comes back after its
            # time-to-run and would reboot the host again.
            if ($recorded) {
                Write-HpcLog "task $([int]$task.taskId): restarting Windows"
                Restart-HpcComputer
            }
            return
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

# Stops a client process (restart-client, stop-client) and waits for it to go.
function Stop-HpcClientProcess {
    param([Parameter(Mandatory)] $Process)
    if (-not $Process.HasExited) {
        $Process.Kill()
        if (-not $Process.WaitForExit(30000)) { throw 'the client is still running 30 s after it was killed' }
    }
}

# HpcFleet.ProcessDump.cs, compiled once per process.
function Import-HpcProcessDumpCode {
    if (-not ('HpcFleet.ProcessDump' -as [type])) { Add-Type -Path (Join-Path $PSScriptRoot 'HpcFleet.ProcessDump.cs') }
}

# A full dump of process $ProcessId, as a new file in $Directory; the file.
function Invoke-HpcProcessDump {
    param([Parameter(Mandatory)] [int] $ProcessId, [Parameter(Mandatory)] [string] $Directory)
    New-Item -ItemType Directory -Path $Directory -Force | Out-Null
    $path = Join-Path $Directory ('hpc-client-{0}-{1:yyyyMMddTHHmmssZ}.dmp' -f $ProcessId, [DateTime]::UtcNow)
    [HpcFleet.ProcessDump]::Write($ProcessId, $path)
    return Get-Item -LiteralPath $path
}

# Whether this process's token holds the right to restart Windows, enabled or not
# (shutdown.exe enables it). whoami /priv lists the token's privileges; their names are not
# translated, their descriptions and states are.
function Test-HpcShutdownPrivilege {
    $privileges = & "$env:SystemRoot\System32\whoami.exe" /priv /fo csv /nh
    if ($LASTEXITCODE -ne 0) { throw "whoami.exe /priv failed with exit code $LASTEXITCODE" }
    return [bool](@($privileges) | Where-Object { $_ -like "`"$HpcShutdownPrivilege`",*" })
}

# The reboot task's restart, after its result is recorded.
function Restart-HpcComputer {
    # Delayed, with a planned-maintenance reason, as bootstrap's Restart-Host: the event log
    # says why, and the last words to the host-manager have gone out first.
    & "$env:SystemRoot\System32\shutdown.exe" /r /t 15 /d p:4:1 /c 'hpc-fleet: reboot task of a fleet job'
    # 1190: a shutdown is already scheduled, and that one will do.
    if ($LASTEXITCODE -ne 0 -and $LASTEXITCODE -ne 1190) { throw "shutdown.exe failed with exit code $LASTEXITCODE" }
}

Export-ModuleMember -Function '*-Hpc*' -Variable 'Hpc*'
