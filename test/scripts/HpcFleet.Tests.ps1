# The HpcFleet module: the metadata service, the host config, the status report, and the
# decisions behind the registry, scheduled-task and ACL updates. Only the Windows-only
# boundary and the network are mocked.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-Module $ModulePath -Force
    Mock -ModuleName HpcFleet Write-Host {}
}

Describe 'the metadata service' {
    BeforeEach {
        Mock -ModuleName HpcFleet Start-Sleep {}
    }

    It 'asks for a token with a TTL, then sends it with every read (hardened mode)' {
        Mock -ModuleName HpcFleet Invoke-WebRequest { New-FakeWebResponse "tok`n" } -ParameterFilter { $Method -eq 'Put' }
        Mock -ModuleName HpcFleet Invoke-WebRequest { New-FakeWebResponse 'i-abc' }
        $token = Get-HpcMetadataToken
        Get-HpcMetadata -Path 'meta-data/instance-id' -Token $token | Should -Be 'i-abc'
        Should -Invoke -ModuleName HpcFleet Invoke-WebRequest -Times 1 -Exactly -ParameterFilter {
            $Method -eq 'Put' -and $Uri -eq 'http://100.100.100.200/latest/api/token' -and
            $Headers['X-aliyun-ecs-metadata-token-ttl-seconds'] -gt 0
        }
        Should -Invoke -ModuleName HpcFleet Invoke-WebRequest -Times 1 -Exactly -ParameterFilter {
            $Uri -eq 'http://100.100.100.200/latest/meta-data/instance-id' -and $Headers['X-aliyun-ecs-metadata-token'] -eq 'tok'
        }
    }

    It 'does not retry what is not there (404)' {
        Mock -ModuleName HpcFleet Invoke-WebRequest { throw (New-FakeHttpError 404) }
        { Get-HpcMetadata -Path 'user-data' -Token 't' } | Should -Throw
        Should -Invoke -ModuleName HpcFleet Invoke-WebRequest -Times 1 -Exactly
        Should -Invoke -ModuleName HpcFleet Start-Sleep -Times 0 -Exactly
    }

    It 'reads bodies as UTF-8, whatever charset the response names' {
        Mock -ModuleName HpcFleet Invoke-WebRequest { New-FakeWebResponse ('caf' + [char]0xE9) }
        Get-HpcMetadata -Path 'user-data' -Token 't' | Should -Be ('caf' + [char]0xE9)
    }

    It 'retries with a doubling delay until the service answers' {
        $script:calls = 0
        Mock -ModuleName HpcFleet Invoke-WebRequest {
            $script:calls++
            if ($script:calls -lt 4) { throw (New-FakeNetworkError) }
            New-FakeWebResponse 'ok'
        }
        Get-HpcMetadata -Path 'meta-data/mac' -Token 't' | Should -Be 'ok'
        Should -Invoke -ModuleName HpcFleet Start-Sleep -Times 3 -Exactly
        Should -Invoke -ModuleName HpcFleet Start-Sleep -Times 1 -Exactly -ParameterFilter { $Seconds -eq 2 }
        Should -Invoke -ModuleName HpcFleet Start-Sleep -Times 1 -Exactly -ParameterFilter { $Seconds -eq 4 }
        Should -Invoke -ModuleName HpcFleet Start-Sleep -Times 1 -Exactly -ParameterFilter { $Seconds -eq 8 }
    }
}

Describe 'the host config' {
    BeforeAll {
        $config = [ordered]@{
            hostManagerUrl         = 'https://hm:8080'
            hostManagerCaCertPem   = "-----BEGIN CERTIFICATE-----`nMIIB`n-----END CERTIFICATE-----"
            clientExecutable       = 'C:\hpc\client\hpc-client.exe'
            clientArguments        = @('--a', 'b c')
            accountName            = 'hpc'
            accountIsAdministrator = $false
            heartbeatSeconds       = 60
        }
        $json = ConvertTo-Json -InputObject $config
    }

    It 'is found between the marker lines of the user-data' {
        $userData = @('[powershell]', '$HpcHostConfigJson = @''', $json, '''@', '& bootstrap') -join "`r`n"
        $found = Get-HpcHostConfigFromUserData -UserData $userData
        (ConvertFrom-HpcHostConfigJson -Json $found).clientArguments | Should -Be @('--a', 'b c')
    }

    It 'is $null when the user-data has none (the image build instance)' {
        Get-HpcHostConfigFromUserData -UserData "[powershell]`r`nWrite-Host hi" | Should -BeNullOrEmpty
    }

    It 'is refused when it is not closed' {
        { Get-HpcHostConfigFromUserData -UserData "`$HpcHostConfigJson = @'`n{}" } | Should -Throw '*not closed*'
    }

    It 'is refused when a key of the contract is missing, naming the key' {
        $partial = [ordered]@{} + $config
        $partial.Remove('heartbeatSeconds')
        { ConvertFrom-HpcHostConfigJson -Json (ConvertTo-Json -InputObject $partial) } | Should -Throw '*heartbeatSeconds*'
    }

    It 'needs no fleet token (a stack keeps one only with hostManager.legacyFleetToken)' {
        (ConvertFrom-HpcHostConfigJson -Json $json).PSObject.Properties.Name | Should -Not -Contain 'fleetToken'
    }

    It 'is refused with an account name Windows or a path would not take' {
        $bad = [ordered]@{} + $config
        $bad.accountName = '..\admin'
        { ConvertFrom-HpcHostConfigJson -Json (ConvertTo-Json -InputObject $bad) } | Should -Throw '*accountName*'
    }
}

Describe 'the host facts' {
    It 'counts logical processors and cores over every socket and reads the addresses from metadata' {
        Mock -ModuleName HpcFleet Get-HpcProcessor {
            [pscustomobject]@{ NumberOfLogicalProcessors = 8; NumberOfCores = 4 }
            [pscustomobject]@{ NumberOfLogicalProcessors = 8; NumberOfCores = 4 }
        }
        Mock -ModuleName HpcFleet Invoke-WebRequest { New-FakeWebResponse 'tok' } -ParameterFilter { $Method -eq 'Put' }
        Mock -ModuleName HpcFleet Invoke-WebRequest { New-FakeWebResponse "i-0123`n" } -ParameterFilter { $Uri -like '*instance-id' }
        Mock -ModuleName HpcFleet Invoke-WebRequest { New-FakeWebResponse '10.0.0.5' } -ParameterFilter { $Uri -like '*private-ipv4' }
        Mock -ModuleName HpcFleet Invoke-WebRequest { New-FakeWebResponse '00:16:3e:00:00:01' } -ParameterFilter { $Uri -like '*mac' }
        $facts = Get-HpcHostFacts
        $facts.logicalCpus | Should -Be 16
        $facts.physicalCpus | Should -Be 8
        $facts.instanceId | Should -Be 'i-0123'
        $facts.privateIp | Should -Be '10.0.0.5'
        $facts.mac | Should -Be '00:16:3e:00:00:01'
        # Nothing the report does not send (the region was read, never sent).
        Should -Invoke -ModuleName HpcFleet Invoke-WebRequest -Times 4 -Exactly
    }
}

Describe 'the status report' {
    BeforeAll {
        $config = [pscustomobject]@{ hostManagerUrl = 'https://hm.internal:8080/'; hostManagerCaCertPem = 'pem' }
        $facts = [pscustomobject]@{
            instanceId = 'i-0123'; privateIp = '10.0.0.5'; mac = '00:16:3e:00:00:01'
            logicalCpus = 16; physicalCpus = 8; clientVersion = '1.2.3'; hostname = 'HPC-0001'
        }
    }

    BeforeEach {
        Mock -ModuleName HpcFleet Start-Sleep {}
        $script:sent = New-Object System.Collections.ArrayList
        # This host's credential, as a registration left it (Registration.Tests.ps1 tests that).
        Mock -ModuleName HpcFleet Get-HpcHostCredential { 'hmh_secret' }
        Mock -ModuleName HpcFleet Invoke-HpcHostManagerRequest {
            [void]$script:sent.Add($Body)
            '{"ok":true}'
        }
    }

    It 'posts the contract''s fields to {hostManagerUrl}/rpc/v1/status with this host''s credential' {
        Send-HpcHostStatus -Config $config -Facts $facts -Status $HpcStatus.running | Should -BeTrue
        Should -Invoke -ModuleName HpcFleet Invoke-HpcHostManagerRequest -Times 1 -Exactly -ParameterFilter {
            $Method -eq 'Post' -and $Path -eq '/rpc/v1/status' -and $Config.hostManagerUrl -eq 'https://hm.internal:8080/' -and
            $Credential -eq 'hmh_secret'
        }
        $body = $script:sent[0] | ConvertFrom-Json
        @($body.PSObject.Properties | ForEach-Object { $_.Name }) |
            Should -Be @('instanceId', 'privateIp', 'mac', 'status', 'logicalCpus', 'physicalCpus', 'clientVersion', 'hostname')
        $body.status | Should -Be 2
        # Numbers, not strings (ConvertFrom-Json gives Int32 in 5.1 and Int64 in 7: read the text).
        $script:sent[0] | Should -Match '"logicalCpus":16,"physicalCpus":8'
    }

    It 'retries a report the host-manager could not take (<Why>), waiting 2, 4, 8, 16 s, then gives up without throwing' -ForEach @(
        @{ Why = '503'; Code = 503 }, @{ Why = '500'; Code = 500 }, @{ Why = '429'; Code = 429 },
        @{ Why = '408'; Code = 408 }, @{ Why = 'no response'; Code = 0 }
    ) {
        Mock -ModuleName HpcFleet Invoke-HpcHostManagerRequest {
            if ($Code) { throw (New-FakeHttpError $Code) } else { throw (New-FakeNetworkError) }
        }
        Send-HpcHostStatus -Config $config -Facts $facts -Status $HpcStatus.starting | Should -BeFalse
        Should -Invoke -ModuleName HpcFleet Invoke-HpcHostManagerRequest -Times 5 -Exactly
        $delays = @(2, 4, 8, 16)
        foreach ($delay in $delays) {
            Should -Invoke -ModuleName HpcFleet Start-Sleep -Times 1 -Exactly -ParameterFilter { $Seconds -eq $delay }
        }
    }

    It 'sends a refused report (<Code>) once, never again' -ForEach @(
        @{ Code = 400 }, @{ Code = 403 }, @{ Code = 404 }, @{ Code = 413 }
    ) {
        Mock -ModuleName HpcFleet Invoke-HpcHostManagerRequest { throw (New-FakeHttpError $Code) }
        Send-HpcHostStatus -Config $config -Facts $facts -Status $HpcStatus.running | Should -BeFalse
        Should -Invoke -ModuleName HpcFleet Invoke-HpcHostManagerRequest -Times 1 -Exactly
        Should -Invoke -ModuleName HpcFleet Start-Sleep -Times 0 -Exactly
    }

    It 'leaves out a client version or host name the host-manager would refuse' {
        $odd = [pscustomobject]@{
            instanceId = 'i-0123'; privateIp = '10.0.0.5'; mac = '00:16:3e:00:00:01'; logicalCpus = 2; physicalCpus = 1
            clientVersion = ('1.0 ' + [char]0x2603); hostname = 'bad_name'
        }
        $body = ConvertTo-HpcReportBody -Facts $odd -Status 2 | ConvertFrom-Json
        @($body.PSObject.Properties | ForEach-Object { $_.Name }) |
            Should -Be @('instanceId', 'privateIp', 'mac', 'status', 'logicalCpus', 'physicalCpus')
        $long = $odd.PSObject.Copy()
        $long.clientVersion = 'v' * 65
        (ConvertTo-HpcReportBody -Facts $long -Status 2 | ConvertFrom-Json).PSObject.Properties.Name |
            Should -Not -Contain 'clientVersion'
    }

    It 'sends only the statuses hosts may send (1 to 4)' {
        { Send-HpcHostStatus -Config $config -Facts $facts -Status 0 } | Should -Throw
        { Send-HpcHostStatus -Config $config -Facts $facts -Status 5 } | Should -Throw
    }
}

Describe 'registry updates' {
    BeforeAll {
        Add-FakeRegistry
    }

    BeforeEach {
        Reset-FakeRegistry @{ 'HKLM:\K|Same' = '1' }
    }

    It 'write a value only when it differs, and say so' {
        Update-HpcRegistryValue -Key 'HKLM:\K' -Name 'Same' -Value '1' -Type String | Should -BeFalse
        Update-HpcRegistryValue -Key 'HKLM:\K' -Name 'New' -Value 'x' -Type String | Should -BeTrue
        $script:RegistryWrites | Should -Be @('set HKLM:\K|New')
    }

    It 'remove a value only when it exists' {
        Clear-HpcRegistryValue -Key 'HKLM:\K' -Name 'Absent' | Should -BeFalse
        Clear-HpcRegistryValue -Key 'HKLM:\K' -Name 'Same' | Should -BeTrue
        $script:RegistryWrites | Should -Be @('remove HKLM:\K|Same')
    }
}

Describe 'scheduled task updates' {
    BeforeAll {
        $definition = @{
            TaskPath = '\hpc-fleet\'; TaskName = 't'; Description = 'd'; Execute = 'x.exe'; Arguments = '-a'
            Trigger = 'AtLogOn'; TriggerUserId = 'HOST\hpc'; RepetitionInterval = 'PT5M'; UserId = 'HOST\hpc'
            LogonType = 'Interactive'; RunLevel = 'Limited'; Priority = 4; ExecutionTimeLimit = 'PT0S'
            MultipleInstances = 'IgnoreNew'; StartWhenAvailable = $true; RestartCount = 3; RestartInterval = 'PT1M'
        }
    }

    It 'register a task that does not exist' {
        Mock -ModuleName HpcFleet Get-HpcScheduledTask { $null }
        Mock -ModuleName HpcFleet Register-HpcScheduledTask {}
        Update-HpcScheduledTask -Definition $definition | Should -BeTrue
        Should -Invoke -ModuleName HpcFleet Register-HpcScheduledTask -Times 1 -Exactly
    }

    It 'leave a task alone that is already the definition (accounts as Windows writes them)' {
        $registered = $definition.Clone()
        $registered.UserId = 'hpc'
        $registered.Description = 'older text'
        Mock -ModuleName HpcFleet Get-HpcScheduledTask { $registered }
        Mock -ModuleName HpcFleet Register-HpcScheduledTask {}
        Update-HpcScheduledTask -Definition $definition | Should -BeFalse
        Should -Invoke -ModuleName HpcFleet Register-HpcScheduledTask -Times 0 -Exactly
    }

    It 'register again when any one field differs (<Field>)' -ForEach @(
        @{ Field = 'Priority'; Value = 7 }, @{ Field = 'RunLevel'; Value = 'Highest' },
        @{ Field = 'RepetitionInterval'; Value = '' }, @{ Field = 'ExecutionTimeLimit'; Value = 'PT72H' },
        @{ Field = 'RestartCount'; Value = 0 }, @{ Field = 'UserId'; Value = 'HOST\other' },
        @{ Field = 'Trigger'; Value = 'several' }, @{ Field = 'Arguments'; Value = '-b' }
    ) {
        $registered = $definition.Clone()
        $registered[$Field] = $Value
        Test-HpcScheduledTaskCurrent -Existing $registered -Desired $definition | Should -BeFalse
    }

    It 'take SYSTEM and S-1-5-18 for the same account' {
        Test-HpcSameAccount -Left 'SYSTEM' -Right 'S-1-5-18' | Should -BeTrue
        Test-HpcSameAccount -Left 'HOST\hpc' -Right 'hpc' | Should -BeTrue
        Test-HpcSameAccount -Left 'HOST\hpc' -Right 'HOST\hpc2' | Should -BeFalse
    }
}

Describe 'access updates' {
    BeforeEach {
        Mock -ModuleName HpcFleet Set-HpcPathAccess {}
    }

    It 'give SYSTEM and Administrators full control and the reader read-and-execute, inherited by children' {
        $rules = Get-HpcPrivateAccess -ReaderSid 'S-1-5-21-1-2-3-1001' -Directory
        @($rules | ForEach-Object { '{0}={1:x}/{2}' -f $_.Sid, $_.Rights, $_.Inherit }) |
            Should -Be @('S-1-5-18=1f01ff/3', 'S-1-5-32-544=1f01ff/3', 'S-1-5-21-1-2-3-1001=1200a9/3')
    }

    It 'set the rules when inheritance is not cut yet' {
        $rules = Get-HpcPrivateAccess -ReaderSid 'S-1-5-21-1-2-3-1001'
        Mock -ModuleName HpcFleet Get-HpcPathAccess { [pscustomobject]@{ Protected = $false; Rules = $rules } }
        Update-HpcPathAccess -Path 'C:\x' -Rules $rules | Should -BeTrue
        Should -Invoke -ModuleName HpcFleet Set-HpcPathAccess -Times 1 -Exactly
    }

    It 'leave a path alone that has exactly the rules, in any order' {
        $rules = Get-HpcPrivateAccess -ReaderSid 'S-1-5-21-1-2-3-1001'
        $reversed = @($rules[2], $rules[0], $rules[1])
        Mock -ModuleName HpcFleet Get-HpcPathAccess { [pscustomobject]@{ Protected = $true; Rules = $reversed } }
        Update-HpcPathAccess -Path 'C:\x' -Rules $rules | Should -BeFalse
        Should -Invoke -ModuleName HpcFleet Set-HpcPathAccess -Times 0 -Exactly
    }

    It 'set the rules when someone else has access too' {
        $rules = Get-HpcPrivateAccess -ReaderSid 'S-1-5-21-1-2-3-1001'
        $extra = @($rules) + [pscustomobject]@{ Sid = 'S-1-5-11'; Rights = 0x1301BF; Inherit = 0 }
        Mock -ModuleName HpcFleet Get-HpcPathAccess { [pscustomobject]@{ Protected = $true; Rules = $extra } }
        Update-HpcPathAccess -Path 'C:\x' -Rules $rules | Should -BeTrue
    }
}
