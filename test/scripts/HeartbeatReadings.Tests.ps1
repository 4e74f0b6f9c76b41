# What a heartbeat adds to its report: the spot interruption notice from the metadata
# service and the load figures from CIM and the client's processes. Each reading that
# fails is left out and never stops the report. The Windows-only boundary (CIM, processes)
# and the network are mocked.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-Module $ModulePath -Force
    Mock -ModuleName HpcFleet Write-Host {}
    Mock -ModuleName HpcFleet Start-Sleep {}
    $notice = 'http://100.100.100.200/latest/meta-data/instance/spot/termination-time'
}

Describe 'the spot interruption notice' {
    It 'reads the notice with a hardened-mode token' {
        Mock -ModuleName HpcFleet Invoke-WebRequest { New-FakeWebResponse "tok`n" } -ParameterFilter { $Method -eq 'Put' }
        Mock -ModuleName HpcFleet Invoke-WebRequest { New-FakeWebResponse "2015-01-05T18:02:00Z`n" } -ParameterFilter { $Uri -eq $notice }
        Get-HpcSpotTerminationTime | Should -Be '2015-01-05T18:02:00Z'
        Should -Invoke -ModuleName HpcFleet Invoke-WebRequest -Times 1 -Exactly -ParameterFilter {
            $Method -eq 'Put' -and $Uri -eq 'http://100.100.100.200/latest/api/token' -and
            $Headers['X-aliyun-ecs-metadata-token-ttl-seconds'] -gt 0
        }
        Should -Invoke -ModuleName HpcFleet Invoke-WebRequest -Times 1 -Exactly -ParameterFilter {
            $Uri -eq $notice -and $Headers['X-aliyun-ecs-metadata-token'] -eq 'tok'
        }
    }

    It 'gives no notice on 404 (the instance is not being reclaimed), asking once' {
        Mock -ModuleName HpcFleet Invoke-WebRequest { New-FakeWebResponse 'tok' } -ParameterFilter { $Method -eq 'Put' }
        Mock -ModuleName HpcFleet Invoke-WebRequest { throw (New-FakeHttpError 404) } -ParameterFilter { $Uri -eq $notice }
        Get-HpcSpotTerminationTime | Should -BeNullOrEmpty
        Should -Invoke -ModuleName HpcFleet Invoke-WebRequest -Times 1 -Exactly -ParameterFilter { $Uri -eq $notice }
        Should -Invoke -ModuleName HpcFleet Start-Sleep -Times 0 -Exactly
    }

    It 'gives no notice, without retrying or throwing, when the service <Why>' -ForEach @(
        @{ Why = 'does not answer'; Code = 0 }, @{ Why = 'fails (500)'; Code = 500 }, @{ Why = 'refuses the token (401)'; Code = 401 }
    ) {
        Mock -ModuleName HpcFleet Invoke-WebRequest {
            if ($Code) { throw (New-FakeHttpError $Code) } else { throw (New-FakeNetworkError) }
        }
        Get-HpcSpotTerminationTime | Should -BeNullOrEmpty
        Should -Invoke -ModuleName HpcFleet Invoke-WebRequest -Times 1 -Exactly
        Should -Invoke -ModuleName HpcFleet Start-Sleep -Times 0 -Exactly
    }

    It 'takes only a UTC time from the body (<Body>)' -ForEach @(
        @{ Body = '2026-12-01T17:03:00Z'; Want = '2026-12-01T17:03:00Z' },
        @{ Body = '2026-12-01T17:03:00.250Z'; Want = '2026-12-01T17:03:00Z' },
        @{ Body = ''; Want = $null },
        @{ Body = '<html>proxy error</html>'; Want = $null },
        @{ Body = '2026-02-30T17:03:00Z'; Want = $null }
    ) {
        ConvertTo-HpcUtcTime $Body | Should -Be $Want
    }
}

Describe 'the load figures' {
    BeforeEach {
        InModuleScope HpcFleet { $script:HpcClientCpuSample = $null }
        Mock -ModuleName HpcFleet Get-HpcProcessorLoad { 93.5 }
        Mock -ModuleName HpcFleet Get-HpcMemoryStatus {
            [pscustomobject]@{ FreePhysicalMemory = 2097152; TotalVisibleMemorySize = 16777216 }
        }
        $script:clientCpuSeconds = 100.0
        Mock -ModuleName HpcFleet Get-HpcClientProcess {
            [pscustomobject]@{ Id = 42; WorkingSet64 = 3GB; TotalProcessorTime = [timespan]::FromSeconds($script:clientCpuSeconds) }
        }
        $script:clock = 1000.0
        Mock -ModuleName HpcFleet Get-HpcMonotonicSeconds { $script:clock }
    }

    It 'reads the CPU use, the available memory and the client''s working set' {
        $load = Get-HpcHostLoad -ClientExecutable 'C:\bench\client.exe' -LogicalCpus 4
        $load.cpuPercent | Should -Be 93.5
        $load.memoryAvailablePercent | Should -Be 12.5
        $load.clientWorkingSetBytes | Should -Be 3GB
        Should -Invoke -ModuleName HpcFleet Get-HpcClientProcess -Times 1 -Exactly -ParameterFilter {
            $ExecutablePath -eq 'C:\bench\client.exe'
        }
    }

    It 'gives the client''s CPU share of the whole host since the last heartbeat, none at the first' {
        (Get-HpcHostLoad -ClientExecutable 'C:\bench\client.exe' -LogicalCpus 4).clientCpuPercent | Should -BeNullOrEmpty
        # 60 s later, 120 s of processor time on 4 processors: half the host.
        $script:clock += 60
        $script:clientCpuSeconds += 120
        (Get-HpcHostLoad -ClientExecutable 'C:\bench\client.exe' -LogicalCpus 4).clientCpuPercent | Should -Be 50
    }

    It 'starts the client''s CPU share afresh when the client restarted' {
        Get-HpcHostLoad -ClientExecutable 'C:\bench\client.exe' -LogicalCpus 4 | Out-Null
        $script:clock += 60
        Mock -ModuleName HpcFleet Get-HpcClientProcess {
            [pscustomobject]@{ Id = 43; WorkingSet64 = 1MB; TotalProcessorTime = [timespan]::FromSeconds(1) }
        }
        (Get-HpcHostLoad -ClientExecutable 'C:\bench\client.exe' -LogicalCpus 4).clientCpuPercent | Should -BeNullOrEmpty
    }

    It 'leaves out each figure it cannot read, and reads the others' {
        Mock -ModuleName HpcFleet Get-HpcProcessorLoad { throw 'Invalid class' }
        Mock -ModuleName HpcFleet Get-HpcClientProcess { throw 'Access is denied' }
        $load = Get-HpcHostLoad -ClientExecutable 'C:\bench\client.exe' -LogicalCpus 4
        $load.cpuPercent | Should -BeNullOrEmpty
        $load.clientWorkingSetBytes | Should -BeNullOrEmpty
        $load.clientCpuPercent | Should -BeNullOrEmpty
        $load.memoryAvailablePercent | Should -Be 12.5
    }

    It 'has no client figures while no client runs' {
        Mock -ModuleName HpcFleet Get-HpcClientProcess { @() }
        $load = Get-HpcHostLoad -ClientExecutable 'C:\bench\client.exe' -LogicalCpus 4
        $load.clientWorkingSetBytes | Should -BeNullOrEmpty
        $load.clientCpuPercent | Should -BeNullOrEmpty
    }
}

Describe 'the heartbeat report' {
    BeforeAll {
        $config = [pscustomobject]@{ hostManagerUrl = 'https://hm:8080'; clientExecutable = 'C:\bench\client.exe' }
        $facts = [pscustomobject]@{
            instanceId = 'i-0123'; privateIp = '10.0.0.5'; mac = '00:16:3e:00:00:01'
            logicalCpus = 4; physicalCpus = 2; clientVersion = '1.2.3'; hostname = 'HPC-0001'
        }
    }

    BeforeEach {
        InModuleScope HpcFleet { $script:HpcClientCpuSample = $null }
        $script:sent = New-Object System.Collections.ArrayList
        # The report itself goes out over the pinned-CA HTTPS path (Registration.Tests.ps1
        # and PinnedCa.Tests.ps1 test it); here only what it carries matters.
        Mock -ModuleName HpcFleet Send-HpcHostReport { [void]$script:sent.Add([string]$Body) }
        Mock -ModuleName HpcFleet Invoke-WebRequest { New-FakeWebResponse 'tok' } -ParameterFilter { $Method -eq 'Put' }
        Mock -ModuleName HpcFleet Invoke-WebRequest { New-FakeWebResponse '2026-12-01T17:03:00Z' } -ParameterFilter { $Uri -eq $notice }
        Mock -ModuleName HpcFleet Get-HpcProcessorLoad { 97.26 }
        Mock -ModuleName HpcFleet Get-HpcMemoryStatus { [pscustomobject]@{ FreePhysicalMemory = 1; TotalVisibleMemorySize = 100 } }
        Mock -ModuleName HpcFleet Get-HpcClientProcess {
            [pscustomobject]@{ Id = 42; WorkingSet64 = 123456789; TotalProcessorTime = [timespan]::FromSeconds(5) }
        }
    }

    It 'carries the notice and the load figures' {
        Send-HpcHostStatus -Config $config -Facts $facts -Status $HpcStatus.running -WithReadings | Should -BeTrue
        $body = $script:sent[0] | ConvertFrom-Json
        # The text: pwsh 7's ConvertFrom-Json would turn the time into a DateTime.
        $script:sent[0] | Should -Match '"spotTerminationTime":"2026-12-01T17:03:00Z"'
        $body.cpuPercent | Should -Be 97.3
        $body.memoryAvailablePercent | Should -Be 1
        $body.clientWorkingSetBytes | Should -Be 123456789
        @($body.PSObject.Properties.Name) | Should -Not -Contain 'clientCpuPercent'
    }

    It 'is still sent, with the required fields only, when every reading fails' {
        Mock -ModuleName HpcFleet Invoke-WebRequest { throw (New-FakeNetworkError) } -ParameterFilter { $Method -eq 'Put' }
        Mock -ModuleName HpcFleet Get-HpcProcessorLoad { throw 'no CIM' }
        Mock -ModuleName HpcFleet Get-HpcMemoryStatus { throw 'no CIM' }
        Mock -ModuleName HpcFleet Get-HpcClientProcess { throw 'no process list' }
        Send-HpcHostStatus -Config $config -Facts $facts -Status $HpcStatus.running -WithReadings | Should -BeTrue
        @(($script:sent[0] | ConvertFrom-Json).PSObject.Properties.Name) |
            Should -Be @('instanceId', 'privateIp', 'mac', 'status', 'logicalCpus', 'physicalCpus', 'clientVersion', 'hostname')
    }

    It 'is still sent when the readings themselves fail, and for a config without the client''s path' {
        Mock -ModuleName HpcFleet Get-HpcHeartbeatReadings { throw 'unexpected' }
        Send-HpcHostStatus -Config $config -Facts $facts -Status $HpcStatus.running -WithReadings | Should -BeTrue
        $bare = [pscustomobject]@{ hostManagerUrl = 'https://hm:8080' }
        Send-HpcHostStatus -Config $bare -Facts $facts -Status $HpcStatus.running -WithReadings | Should -BeTrue
        $script:sent.Count | Should -Be 2
    }

    It 'leaves out a figure the host-manager would drop (<Name> = <Value>)' -ForEach @(
        @{ Name = 'cpuPercent'; Value = 250.0 }, @{ Name = 'memoryAvailablePercent'; Value = -1.0 },
        @{ Name = 'clientCpuPercent'; Value = [double]::NaN }, @{ Name = 'clientWorkingSetBytes'; Value = [Math]::Pow(2, 51) },
        @{ Name = 'spotTerminationTime'; Value = 'soon' }
    ) {
        $readings = [pscustomobject]@{
            spotTerminationTime = $null; cpuPercent = 50.0; memoryAvailablePercent = 50.0
            clientCpuPercent = 10.0; clientWorkingSetBytes = 1024
        }
        $readings.$Name = $Value
        $names = @((ConvertTo-HpcReportBody -Facts $facts -Status 2 -Readings $readings | ConvertFrom-Json).PSObject.Properties.Name)
        $names | Should -Not -Contain $Name
        $names | Should -Contain 'instanceId'
    }

    It 'reads nothing without -WithReadings (bootstrap''s reports)' {
        Send-HpcHostStatus -Config $config -Facts $facts -Status $HpcStatus.starting | Should -BeTrue
        Should -Invoke -ModuleName HpcFleet Get-HpcProcessorLoad -Times 0 -Exactly
        Should -Invoke -ModuleName HpcFleet Invoke-WebRequest -Times 0 -Exactly -ParameterFilter { $Method -eq 'Put' }
    }
}
