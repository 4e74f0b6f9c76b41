# A host proves which instance it is (issue 15): a metadata token in hardened mode, a
# challenge from the host-manager, the instance identity document and its PKCS#7 signature
# with the challenge as audience, the registration, and the credential on every report
# after it. The metadata service and the host-manager are fakes behind Invoke-WebRequest
# and Invoke-HpcHostManagerRequest (PinnedCa.Tests.ps1 tests that one over real TLS); the
# module's own logic runs.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-Module $ModulePath -Force

    $InstanceId = 'i-bp1abcdef0123456789'
    $Document = '{"account-id":"1234567890","instance-id":"i-bp1abcdef0123456789","region-id":"cn-hangzhou"}'
    $Config = [pscustomobject]@{ hostManagerUrl = 'https://host-manager.hpc-fleet.internal:8080'; hostManagerCaCertPem = 'pem' }
    $Facts = [pscustomobject]@{
        instanceId = $InstanceId; privateIp = '10.0.0.5'; mac = '00:16:3e:00:00:01'
        logicalCpus = 2; physicalCpus = 1; clientVersion = ''; hostname = 'HPC-0001'
    }

    # The ECS metadata service, after Alibaba's "Instance metadata" page: PUT /latest/api/token
    # with a TTL of 1 to 21600 s gives a token; in hardened-only mode a GET without that token
    # is refused. The pkcs7 signature covers the audience it was asked with.
    function Add-FakeMetadataService {
        param([switch] $NoHardenedMode)
        $script:metadataToken = 'mdtok-' + [guid]::NewGuid()
        $script:noHardenedMode = [bool]$NoHardenedMode
        Mock -ModuleName HpcFleet Invoke-WebRequest {
            $path = ([uri]$Uri).AbsolutePath
            $verb = if ("$(Get-Variable -Name Method -ValueOnly -ErrorAction SilentlyContinue)" -eq 'Put') { 'Put' } else { 'Get' }
            [void]$script:events.Add("metadata $verb $path")
            [void]$script:metadataRequests.Add([pscustomobject]@{ Method = $verb; Uri = "$Uri"; Headers = $Headers })
            if ($verb -eq 'Put') {
                if ($script:noHardenedMode) { throw (New-FakeHttpError 405) }
                $ttl = [int]$Headers['X-aliyun-ecs-metadata-token-ttl-seconds']
                if ($path -ne '/latest/api/token' -or $ttl -lt 1 -or $ttl -gt 21600) { throw (New-FakeHttpError 400) }
                return New-FakeWebResponse $script:metadataToken
            }
            if (-not $script:noHardenedMode -and $Headers['X-aliyun-ecs-metadata-token'] -ne $script:metadataToken) {
                throw (New-FakeHttpError 401)
            }
            switch ($path) {
                '/latest/meta-data/instance-id' { return New-FakeWebResponse $InstanceId }
                '/latest/dynamic/instance-identity/document' { return New-FakeWebResponse $Document }
                '/latest/dynamic/instance-identity/pkcs7' {
                    $audience = if ("$Uri" -match '[?&]audience=([^&]*)') { [uri]::UnescapeDataString($Matches[1]) } else { '' }
                    return New-FakeWebResponse ([Convert]::ToBase64String([System.Text.Encoding]::UTF8.GetBytes("signed:$audience")))
                }
            }
            throw (New-FakeHttpError 404)
        }
    }

    # The host-manager's side, as host-identity.ts has it: one-time challenges, a credential
    # per registration that replaces the instance's previous one, reports taken only with the
    # current credential (401 otherwise).
    function Add-FakeHostManager {
        $script:challenges = @{}
        $script:credentials = New-Object System.Collections.ArrayList
        $script:reports = New-Object System.Collections.ArrayList
        Mock -ModuleName HpcFleet Invoke-HpcHostManagerRequest {
            [void]$script:events.Add("host-manager $Path")
            $Body = Get-Variable -Name Body -ValueOnly -ErrorAction SilentlyContinue
            $Credential = Get-Variable -Name Credential -ValueOnly -ErrorAction SilentlyContinue
            switch ($Path) {
                '/rpc/v1/register/challenge' {
                    if ($script:refuseRegistration) { throw (New-FakeHttpError $script:refuseRegistration) }
                    $challenge = ([guid]::NewGuid().ToString('N') + [guid]::NewGuid().ToString('N')).Substring(0, 43)
                    $script:challenges[$challenge] = $true
                    return ConvertTo-Json -Compress @{ challenge = $challenge; expiresInSeconds = 120 }
                }
                '/rpc/v1/register' {
                    $request = $Body | ConvertFrom-Json
                    $signed = [System.Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($request.signature))
                    if (-not $script:challenges[$request.challenge] -or $signed -ne "signed:$($request.challenge)" -or
                        $request.document -ne $Document -or $request.instanceId -ne $InstanceId) {
                        throw (New-FakeHttpError 403)
                    }
                    $script:challenges.Remove($request.challenge)
                    $credential = 'hmh_' + [guid]::NewGuid().ToString('N')
                    [void]$script:credentials.Add($credential)
                    return ConvertTo-Json -Compress @{ instanceId = $InstanceId; credential = $credential }
                }
                '/rpc/v1/status' {
                    $current = if ($script:credentials.Count) { $script:credentials[-1] } else { $null }
                    if ($script:rejectReports -or -not $Credential -or $Credential -ne $current) { throw (New-FakeHttpError 401) }
                    [void]$script:reports.Add($Credential)
                    return '{"ok":true}'
                }
            }
            throw (New-FakeHttpError 404)
        }
    }
}

Describe 'registration by instance identity' {
    BeforeEach {
        Clear-HpcHostCredential
        $script:events = New-Object System.Collections.ArrayList
        $script:metadataRequests = New-Object System.Collections.ArrayList
        $script:logged = New-Object System.Collections.ArrayList
        $script:refuseRegistration = $null
        $script:rejectReports = $false
        Mock -ModuleName HpcFleet Write-Host { [void]$script:logged.Add([string]$Object) }
        Mock -ModuleName HpcFleet Start-Sleep {}
        Add-FakeMetadataService
        Add-FakeHostManager
    }

    It 'gets a metadata token with a TTL (hardened mode) and sends it with every metadata read' {
        Send-HpcHostStatus -Config $Config -Facts $Facts -Status $HpcStatus.running | Should -BeTrue
        $puts = @($script:metadataRequests | Where-Object { $_.Method -eq 'Put' })
        $puts.Count | Should -Be 1
        $puts[0].Uri | Should -Be 'http://100.100.100.200/latest/api/token'
        [int]$puts[0].Headers['X-aliyun-ecs-metadata-token-ttl-seconds'] | Should -BeGreaterThan 0
        $gets = @($script:metadataRequests | Where-Object { $_.Method -ne 'Put' })
        $gets.Count | Should -Be 3
        foreach ($get in $gets) { $get.Headers['X-aliyun-ecs-metadata-token'] | Should -Be $script:metadataToken }
    }

    It 'reads the metadata in normal mode only when the service has no token PUT (405)' {
        Add-FakeMetadataService -NoHardenedMode
        Send-HpcHostStatus -Config $Config -Facts $Facts -Status $HpcStatus.running | Should -BeTrue
        foreach ($get in @($script:metadataRequests | Where-Object { $_.Method -ne 'Put' })) {
            $get.Headers.ContainsKey('X-aliyun-ecs-metadata-token') | Should -BeFalse
        }
        $script:logged -join "`n" | Should -Match 'normal mode'
    }

    It 'does not fall back to normal mode when the token PUT fails otherwise (<Why>)' -ForEach @(
        @{ Why = '403'; Code = 403 }, @{ Why = 'no response'; Code = 0 }
    ) {
        Mock -ModuleName HpcFleet Invoke-WebRequest {
            if ($Code) { throw (New-FakeHttpError $Code) } else { throw (New-FakeNetworkError) }
        }
        { Get-HpcMetadataToken } | Should -Throw
    }

    It 'asks for a challenge, reads the document and the signature with it as audience, registers, then reports with the credential' {
        Send-HpcHostStatus -Config $Config -Facts $Facts -Status $HpcStatus.running | Should -BeTrue
        @($script:events) | Should -Be @(
            'metadata Put /latest/api/token',
            'metadata Get /latest/meta-data/instance-id',
            'host-manager /rpc/v1/register/challenge',
            'metadata Get /latest/dynamic/instance-identity/document',
            'metadata Get /latest/dynamic/instance-identity/pkcs7',
            'host-manager /rpc/v1/register',
            'host-manager /rpc/v1/status'
        )
        $pkcs7 = @($script:metadataRequests | Where-Object { $_.Uri -like '*pkcs7*' })[0].Uri
        $pkcs7 | Should -Match '\?audience=[A-Za-z0-9_-]{43}$'
        @($script:reports) | Should -Be @($script:credentials[0])
    }

    It 'keeps the credential for the next reports, without registering again' {
        1..3 | ForEach-Object { Send-HpcHostStatus -Config $Config -Facts $Facts -Status $HpcStatus.running | Should -BeTrue }
        $script:credentials.Count | Should -Be 1
        @($script:reports) | Should -Be @($script:credentials[0], $script:credentials[0], $script:credentials[0])
    }

    It 'registers again once when a report is refused with 401, and reports with the new credential' {
        Send-HpcHostStatus -Config $Config -Facts $Facts -Status $HpcStatus.running | Should -BeTrue
        # Another boot, or a restarted host-manager: the credential in memory is no longer the current one.
        [void]$script:credentials.Add('hmh_issued-to-a-later-registration')
        Send-HpcHostStatus -Config $Config -Facts $Facts -Status $HpcStatus.running | Should -BeTrue
        $script:credentials.Count | Should -Be 3
        $script:reports[-1] | Should -Be $script:credentials[-1]
    }

    It 'gives up after one new registration when reports are still refused (401), without throwing' {
        $script:rejectReports = $true
        Send-HpcHostStatus -Config $Config -Facts $Facts -Status $HpcStatus.running | Should -BeFalse
        $script:credentials.Count | Should -Be 2
        @($script:events | Where-Object { $_ -eq 'host-manager /rpc/v1/status' }).Count | Should -Be 2
    }

    It 'retries a metadata service that does not answer a bounded number of times, logs why, and does not throw' {
        Mock -ModuleName HpcFleet Invoke-WebRequest { [void]$script:events.Add('metadata'); throw (New-FakeNetworkError) }
        Send-HpcHostStatus -Config $Config -Facts $Facts -Status $HpcStatus.running | Should -BeFalse
        $first = $script:events.Count
        $first | Should -BeGreaterThan 1
        $first | Should -BeLessOrEqual 6
        $script:logged -join "`n" | Should -Match 'could not report status 2: the metadata service did not answer'
        @($script:events | Where-Object { $_ -like 'host-manager*' }).Count | Should -Be 0
        # The next report tries again, just as boundedly.
        Send-HpcHostStatus -Config $Config -Facts $Facts -Status $HpcStatus.running | Should -BeFalse
        $script:events.Count | Should -Be (2 * $first)
    }

    It 'does not retry a registration the host-manager refused (<Code>)' -ForEach @(@{ Code = 403 }, @{ Code = 400 }) {
        $script:refuseRegistration = $Code
        Send-HpcHostStatus -Config $Config -Facts $Facts -Status $HpcStatus.running | Should -BeFalse
        @($script:events | Where-Object { $_ -eq 'host-manager /rpc/v1/register/challenge' }).Count | Should -Be 1
    }

    It 'refuses an answer that is not a credential for this instance' {
        Mock -ModuleName HpcFleet Invoke-HpcHostManagerRequest {
            if ($Path -eq '/rpc/v1/register/challenge') { return '{"challenge":"' + ('a' * 43) + '","expiresInSeconds":120}' }
            return '{"instanceId":"i-someoneelse","credential":"hmh_x"}'
        }
        { Register-HpcHost -Config $Config } | Should -Throw '*not a credential for i-bp1abcdef0123456789*'
    }

    It 'falls back to the legacy fleet token only when the stack still hands one out' {
        $script:refuseRegistration = 404
        $legacy = [pscustomobject]@{ hostManagerUrl = $Config.hostManagerUrl; hostManagerCaCertPem = 'pem'; fleetToken = 'legacy-shared' }
        Get-HpcHostCredential -Config $legacy | Should -Be 'legacy-shared'
        Clear-HpcHostCredential
        { Get-HpcHostCredential -Config $Config } | Should -Throw
    }

    It 'writes no credential, signature, challenge or metadata token to the log' {
        $script:rejectReports = $true
        Send-HpcHostStatus -Config $Config -Facts $Facts -Status $HpcStatus.running | Should -BeFalse
        $script:rejectReports = $false
        Send-HpcHostStatus -Config $Config -Facts $Facts -Status $HpcStatus.running | Should -BeTrue
        $log = $script:logged -join "`n"
        $log | Should -Match 'registered'
        foreach ($credential in $script:credentials) { $log | Should -Not -BeLike "*$credential*" }
        $log | Should -Not -BeLike '*hmh_*'
        $log | Should -Not -BeLike "*$($script:metadataToken)*"
        $log | Should -Not -BeLike '*audience*'
        $log | Should -Not -BeLike '*signed:*'
    }
}
