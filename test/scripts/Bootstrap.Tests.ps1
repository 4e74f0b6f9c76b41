# bootstrap.ps1: reads the host config from the user-data, runs the setup steps, writes
# config.json privately, and reboots once for autologon. The steps themselves are tested
# in their own files: here Invoke-Step is recorded, and the metadata service, ACLs,
# registry and restart are fakes behind the boundary.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $env:COMPUTERNAME = 'HPC-0001'
    . (Join-Path $HostScriptsDir 'bootstrap.ps1')
    Mock -ModuleName HpcFleet Write-Host {}

    $Winlogon = 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon'
    $AccountSid = 'S-1-5-21-100-200-300-1001'
    function New-HostConfigJson {
        param([bool] $IsAdministrator = $false)
        return ConvertTo-Json -InputObject ([ordered]@{
                hostManagerUrl = 'https://hm:8080'; hostManagerCaCertPem = 'pem'; clientExecutable = 'C:\hpc\client\hpc-client.exe'
                clientArguments = @(); accountName = 'hpc'; accountIsAdministrator = $IsAdministrator; heartbeatSeconds = 60
            })
    }
    function New-UserData {
        param([string] $Json)
        return (@('[powershell]', '$HpcHostConfigJson = @''', $Json, '''@', "& 'C:\Program Files\hpc-fleet\bootstrap.ps1'") -join "`r`n")
    }
}

Describe 'bootstrap.ps1' {
    BeforeAll {
        Add-FakeRegistry
        Mock Get-HpcMetadataToken { 'token' }
        Mock Get-HpcMetadata { $script:userData }
        Mock Get-HpcMetadata { "i-0123abcd`n" } -ParameterFilter { $Path -eq 'meta-data/instance-id' }
        Mock Invoke-Step {
            [void]$script:steps.Add($Script)
            $script:stepArguments[$Script] = $Arguments
            # set-autologon configures autologon; the fake registry follows.
            if ($Script -eq 'set-autologon.ps1') {
                $script:Registry["$Winlogon|AutoAdminLogon"] = '1'
                $script:Registry["$Winlogon|DefaultUserName"] = $Arguments.AccountName
                $script:Registry["$Winlogon|DefaultDomainName"] = (Get-HpcComputerName).Pending
            }
        }
        Mock Get-HpcLocalUser { [pscustomobject]@{ Name = $Name; Sid = $AccountSid; Enabled = $true } }
        Mock -ModuleName HpcFleet Get-HpcPathAccess {
            if ($script:access.ContainsKey($Path)) { $script:access[$Path] } else { [pscustomobject]@{ Protected = $false; Rules = @() } }
        }
        Mock -ModuleName HpcFleet Set-HpcPathAccess {
            $script:access[$Path] = [pscustomobject]@{ Protected = $true; Rules = $Rules }
            [void]$script:aclChanges.Add($Path)
        }
        Mock Get-HpcHostFacts { [pscustomobject]@{ instanceId = 'i-1' } }
        Mock Send-HpcHostStatus { [void]$script:statuses.Add($Status); $true }
        Mock Restart-Host {}
        Mock Unregister-HpcScheduledTask {}
    }

    BeforeEach {
        Reset-FakeRegistry
        $script:userData = New-UserData (New-HostConfigJson)
        $script:steps = New-Object System.Collections.ArrayList
        $script:stepArguments = @{}
        $script:access = @{}
        $script:aclChanges = New-Object System.Collections.ArrayList
        $script:statuses = New-Object System.Collections.ArrayList
        $dataDir = Join-Path $TestDrive ([guid]::NewGuid())
    }

    It 'waits for Windows Setup to finish (a generalized image''s first boot) before it configures anything' {
        $script:Registry['HKLM:\SYSTEM\Setup|SystemSetupInProgress'] = 1
        $script:Registry['HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Setup\State|ImageState'] = 'IMAGE_STATE_UNDEPLOYABLE'
        $script:polls = 0
        Mock -ModuleName HpcFleet Start-Sleep {
            $script:polls++
            if ($script:polls -eq 2) {
                $script:Registry['HKLM:\SYSTEM\Setup|SystemSetupInProgress'] = 0
                $script:Registry['HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Setup\State|ImageState'] = 'IMAGE_STATE_COMPLETE'
            }
        }
        Mock Invoke-Step { [void]$script:steps.Add("$Script after $($script:polls) polls") }
        Invoke-HostConvergence -DataDir $dataDir
        $script:steps[0] | Should -Be 'enable-winrm.ps1 after 2 polls'
    }

    It 'gives up, configuring nothing, when Windows Setup never finishes' {
        $script:Registry['HKLM:\SYSTEM\Setup|SystemSetupInProgress'] = 1
        Mock -ModuleName HpcFleet Start-Sleep {}
        { Invoke-HostConvergence -DataDir $dataDir } | Should -Throw '*still running*'
        $script:steps | Should -BeNullOrEmpty
    }

    It 'does nothing, at once, on an instance with no user-data at all (404)' {
        Mock Get-HpcMetadata { throw (New-FakeHttpError 404) } -ParameterFilter { $Path -eq 'user-data' }
        { Invoke-HostConvergence -DataDir $dataDir } | Should -Not -Throw
        $script:steps | Should -BeNullOrEmpty
    }

    It 'reports status 1 once, just before the autologon reboot, and not at a later boot' {
        Invoke-HostConvergence -DataDir $dataDir
        @($script:statuses) | Should -Be @(1)
        Invoke-HostConvergence -DataDir $dataDir
        @($script:statuses) | Should -Be @(1)
    }

    It 'reboots even when the starting report cannot be sent' {
        Mock Get-HpcHostFacts { throw 'metadata unreachable' }
        Invoke-HostConvergence -DataDir $dataDir
        Should -Invoke Restart-Host -Times 1 -Exactly
    }

    It 'does nothing on an instance whose user-data has no host config (the image build)' {
        $script:userData = "[powershell]`r`nWrite-Host build"
        Invoke-HostConvergence -DataDir $dataDir
        $script:steps | Should -BeNullOrEmpty
        Should -Invoke Restart-Host -Times 0 -Exactly
    }

    It 'runs enable-winrm, set-autologon and register-client-task, in that order' {
        Invoke-HostConvergence -DataDir $dataDir
        @($script:steps) | Should -Be @('enable-winrm.ps1', 'set-autologon.ps1', 'register-client-task.ps1')
        $script:stepArguments['set-autologon.ps1'].AccountName | Should -Be 'hpc'
        $script:stepArguments['set-autologon.ps1'].IsAdministrator | Should -BeFalse
        $script:stepArguments['register-client-task.ps1'].AccountName | Should -Be 'hpc'
    }

    It 'removes the image build''s seal task, should it still be there' {
        Invoke-HostConvergence -DataDir $dataDir
        Should -Invoke Unregister-HpcScheduledTask -Times 1 -Exactly -ParameterFilter { $TaskName -eq 'seal-image' }
    }

    It 'gives enable-winrm this instance''s id, which its certificate is made for' {
        Invoke-HostConvergence -DataDir $dataDir
        $script:stepArguments['enable-winrm.ps1'].InstanceId | Should -Be 'i-0123abcd'
    }

    It 'passes accountIsAdministrator on to set-autologon and register-client-task' {
        $script:userData = New-UserData (New-HostConfigJson -IsAdministrator $true)
        Invoke-HostConvergence -DataDir $dataDir
        $script:stepArguments['set-autologon.ps1'].IsAdministrator | Should -BeTrue
        $script:stepArguments['register-client-task.ps1'].IsAdministrator | Should -BeTrue
    }

    It 'writes config.json as rendered, readable by SYSTEM, Administrators and the client account only' {
        Invoke-HostConvergence -DataDir $dataDir
        $configPath = Join-Path $dataDir 'config.json'
        [System.IO.File]::ReadAllText($configPath) | Should -BeExactly (New-HostConfigJson).Trim()
        # The directory first, so the file never exists with ProgramData's defaults.
        @($script:aclChanges) | Should -Be @($dataDir, $configPath)
        @($script:access[$configPath].Rules | ForEach-Object { $_.Sid }) | Should -Be @('S-1-5-18', 'S-1-5-32-544', $AccountSid)
        $script:access[$dataDir].Rules[2].Rights | Should -Be 0x1200A9
    }

    It 'uses the config user-data passed in when the metadata service does not answer' {
        Mock Get-HpcMetadataToken { throw 'metadata unreachable' }
        Invoke-HostConvergence -DataDir $dataDir -HostConfigJson (New-HostConfigJson -IsAdministrator $true)
        $script:stepArguments['set-autologon.ps1'].IsAdministrator | Should -BeTrue
    }

    It 'fails when the metadata service does not answer and no config was passed in' {
        Mock Get-HpcMetadataToken { throw 'metadata unreachable' }
        { Invoke-HostConvergence -DataDir $dataDir } | Should -Throw '*metadata unreachable*'
    }

    It 'reboots once when autologon was just configured, so the account logs on' {
        Invoke-HostConvergence -DataDir $dataDir
        Should -Invoke Restart-Host -Times 1 -Exactly
        Reset-FakeRegistry
        Invoke-HostConvergence -DataDir $dataDir
        Should -Invoke Restart-Host -Times 1 -Exactly
    }

    It 'asks Windows for one delayed restart, never an immediate one in the middle of the init agent''s work' {
        Mock Restart-Computer {}
        Invoke-HostConvergence -DataDir $dataDir
        Should -Invoke Restart-Host -Times 1 -Exactly -ParameterFilter { $DelaySeconds -ge 30 }
        Should -Invoke Restart-Computer -Times 0 -Exactly
    }

    It 'reboots once more when the cloud renamed the host after autologon was configured' {
        $names = 'HKLM:\SYSTEM\CurrentControlSet\Control\ComputerName'
        $script:Registry["$names\ComputerName|ComputerName"] = 'IZ2ZE0IMAGE'
        Invoke-HostConvergence -DataDir $dataDir
        $script:Registry["$names\ComputerName|ComputerName"] = 'HPC-0001'
        Invoke-HostConvergence -DataDir $dataDir
        $script:Registry["$Winlogon|DefaultDomainName"] | Should -Be 'HPC-0001'
        Invoke-HostConvergence -DataDir $dataDir
        Should -Invoke Restart-Host -Times 2 -Exactly
    }

    It 'does not reboot when autologon was already set' {
        $script:Registry["$Winlogon|AutoAdminLogon"] = '1'
        $script:Registry["$Winlogon|DefaultUserName"] = 'hpc'
        $script:Registry["$Winlogon|DefaultDomainName"] = 'HPC-0001'
        Invoke-HostConvergence -DataDir $dataDir
        Should -Invoke Restart-Host -Times 0 -Exactly
    }

    It 'changes nothing on a second run' {
        Invoke-HostConvergence -DataDir $dataDir
        $configPath = Join-Path $dataDir 'config.json'
        $written = (Get-Item -LiteralPath $configPath).LastWriteTimeUtc
        $script:aclChanges.Clear()
        Start-Sleep -Milliseconds 20
        Invoke-HostConvergence -DataDir $dataDir
        (Get-Item -LiteralPath $configPath).LastWriteTimeUtc | Should -Be $written
        $script:aclChanges | Should -BeNullOrEmpty
        Should -Invoke Restart-Host -Times 1 -Exactly
    }
}
