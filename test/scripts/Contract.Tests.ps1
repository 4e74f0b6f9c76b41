# The PowerShell side of the fleet contract (packages/fleet-contract): the report bodies
# the module sends, its constants, and the host config it reads back from user-data.
# Run in the suite, it checks the bodies' shape; run by test/scripts/contract.test.ts
# with HPC_CONTRACT_OUT set, it also writes what it captured there, for the contract's own
# parseHostReport, and parses the user-data files in HPC_CONTRACT_USER_DATA (rendered by
# the Pulumi program's renderUserData).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-Module $ModulePath -Force
    Mock -ModuleName HpcFleet Write-Host {}
    Mock -ModuleName HpcFleet Start-Sleep {}
    $script:captured = New-Object System.Collections.ArrayList
    $script:hostConfigs = @()
    Mock -ModuleName HpcFleet Get-HpcHostCredential { 'hmh_credential' }
    Mock -ModuleName HpcFleet Invoke-HpcHostManagerRequest {
        [void]$script:captured.Add([pscustomobject]@{
                uri  = ([string]$Config.hostManagerUrl).TrimEnd('/') + $Path
                body = $Body
            })
        '{"ok":true}'
    }
    $config = [pscustomobject]@{ hostManagerUrl = 'https://host-manager.hpc-fleet.internal:8080'; hostManagerCaCertPem = 'pem' }
    # As Get-HpcHostFacts gathers them on a host (the metadata service's formats).
    $facts = @(
        [pscustomobject]@{ instanceId = 'i-2ze0abcdef1234567890'; privateIp = '172.16.0.12'; mac = '00:16:3e:0a:1b:2c'
            logicalCpus = 32; physicalCpus = 16; clientVersion = '3.14.1.0'; hostname = 'HPC-0001' },
        [pscustomobject]@{ instanceId = 'i-bp1abc'; privateIp = '10.0.0.5'; mac = '00:16:3E:00:00:01'
            logicalCpus = 2; physicalCpus = 1; clientVersion = ''; hostname = '' }
    )
}

Describe 'the report the module sends' {
    It 'is a JSON object of the contract''s fields, for every status a host sends' {
        foreach ($fact in $facts) {
            foreach ($status in $HpcStatus.Values) {
                Send-HpcHostStatus -Config $config -Facts $fact -Status $status | Should -BeTrue
            }
        }
        $script:captured.Count | Should -Be (2 * $HpcStatus.Count)
        foreach ($report in $script:captured) {
            ([uri]$report.uri).AbsolutePath | Should -Be $HpcReportPath
            $names = @(($report.body | ConvertFrom-Json).PSObject.Properties | ForEach-Object { $_.Name })
            $names | Should -Be @($names | Where-Object { $_ -in 'instanceId', 'privateIp', 'mac', 'status', 'logicalCpus',
                        'physicalCpus', 'clientVersion', 'hostname' })
        }
    }

    It 'carries a heartbeat''s spot notice and load figures as the contract''s fields' {
        # As Get-HpcHeartbeatReadings reads them on a busy spot host.
        Mock -ModuleName HpcFleet Get-HpcHeartbeatReadings {
            [pscustomobject]@{
                spotTerminationTime = '2026-12-01T17:03:00Z'; cpuPercent = 97.26; memoryAvailablePercent = 8.5
                clientCpuPercent = 45.0; clientWorkingSetBytes = [long]3221225472
            }
        }
        $before = $script:captured.Count
        Send-HpcHostStatus -Config $config -Facts $facts[0] -Status $HpcStatus.running -WithReadings | Should -BeTrue
        $names = @(($script:captured[$before].body | ConvertFrom-Json).PSObject.Properties | ForEach-Object { $_.Name })
        foreach ($name in 'spotTerminationTime', 'cpuPercent', 'memoryAvailablePercent', 'clientCpuPercent', 'clientWorkingSetBytes') {
            $names | Should -Contain $name
        }
    }

    It 'reads the host config back from each user-data the Pulumi program rendered' -Skip:(-not $env:HPC_CONTRACT_USER_DATA) {
        $files = @(Get-ChildItem -LiteralPath $env:HPC_CONTRACT_USER_DATA -Filter '*.txt' | Sort-Object Name)
        $files.Count | Should -BeGreaterThan 0
        foreach ($file in $files) {
            $userData = [System.IO.File]::ReadAllText($file.FullName, [System.Text.Encoding]::UTF8)
            $json = Get-HpcHostConfigFromUserData -UserData $userData
            $json | Should -Not -BeNullOrEmpty
            $script:hostConfigs += [pscustomobject]@{ name = $file.BaseName; config = (ConvertFrom-HpcHostConfigJson -Json $json) }
        }
    }

    AfterAll {
        if (-not $env:HPC_CONTRACT_OUT) { return }
        $hostConfigs = @($script:hostConfigs)
        $out = [ordered]@{
            reports          = @($script:captured)
            status           = $HpcStatus
            reportPath       = $HpcReportPath
            hostConfigKeys   = $HpcHostConfigKeys
            hostConfigBegin  = $HpcHostConfigBegin
            hostConfigEnd    = $HpcHostConfigEnd
            hostConfigs      = $hostConfigs
            identity         = [ordered]@{
                metadataBase           = $HpcMetadataBase
                metadataTokenPath      = $HpcMetadataTokenPath
                metadataTokenTtlHeader = $HpcMetadataTokenTtlHeader
                metadataTokenHeader    = $HpcMetadataTokenHeader
                identityDocumentPath   = $HpcIdentityDocumentPath
                identityPkcs7Path      = $HpcIdentityPkcs7Path
                registerChallengePath  = $HpcRegisterChallengePath
                registerPath           = $HpcRegisterPath
                hostCredentialPrefix   = $HpcHostCredentialPrefix
            }
        }
        [System.IO.File]::WriteAllText($env:HPC_CONTRACT_OUT, (ConvertTo-Json -InputObject $out -Depth 8),
            (New-Object System.Text.UTF8Encoding($false)))
    }
}
