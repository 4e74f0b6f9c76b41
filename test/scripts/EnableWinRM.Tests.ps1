# enable-winrm.ps1: WinRM over HTTPS only. The certificate store, the WSMan drive, the
# firewall and the service are fakes behind the script's boundary functions.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $env:COMPUTERNAME = 'HPC-0001'
    . (Join-Path $HostScriptsDir 'enable-winrm.ps1')
    Mock Write-Host {}

    Mock Enable-WinRMService {}
    Mock Get-WinRMCertificate { $script:certificates }
    Mock New-WinRMCertificate {
        $script:serial++
        $certificate = [pscustomobject]@{
            Thumbprint = "THUMB$($script:serial)"; FriendlyName = $FriendlyName; Subject = "CN=$DnsName"
            NotAfter = (Get-Date).AddYears(5)
        }
        $script:certificates = @($script:certificates) + $certificate
        [void]$script:changes.Add("new certificate $DnsName")
        $certificate
    }
    Mock Remove-WinRMCertificate {
        $script:certificates = @($script:certificates | Where-Object { $_.Thumbprint -ne $Thumbprint })
        [void]$script:changes.Add("remove certificate $Thumbprint")
    }
    Mock Get-WinRMListener { $script:listeners }
    Mock Remove-WinRMListener {
        $script:listeners = @($script:listeners | Where-Object { $_.Name -ne $Name })
        [void]$script:changes.Add("remove listener $Name")
    }
    Mock New-WinRMHttpsListener {
        $script:listeners = @($script:listeners) + [pscustomobject]@{
            Name = "Listener_$Port"; Transport = 'HTTPS'; Thumbprint = $Thumbprint; Port = $Port
        }
        [void]$script:changes.Add("new listener $Port $Thumbprint")
    }
    Mock Get-WSManSetting { $script:wsman[$Name] }
    Mock Set-WSManSetting { $script:wsman[$Name] = $Value; [void]$script:changes.Add("set $Name") }
    Mock Test-FirewallRule { $script:firewallRules -contains $Name }
    Mock New-HttpsFirewallRule {
        $script:firewallRules = @($script:firewallRules) + $Name
        [void]$script:changes.Add("new firewall rule $Name $Port")
    }
    Mock Disable-HttpFirewallRule {}
    Mock Get-PendingComputerName { 'HPC-0001' }
    Mock Get-InstanceId { 'i-from-metadata' }
    Mock Start-Sleep {}
    Mock Start-BuildLog {}
    Mock Test-BootTask { [bool]$script:bootTask -and (-not $ScriptPath -or $script:bootTask -eq $ScriptPath) }
    Mock Register-BootTask { $script:bootTask = $ScriptPath; [void]$script:changes.Add('register boot task') }
    Mock Unregister-BootTask { $script:bootTask = $null }
    $InstalledPath = 'C:\Program Files\hpc-fleet\enable-winrm.ps1'
}

Describe 'enable-winrm.ps1' {
    BeforeEach {
        $script:serial = 0
        $script:certificates = @()
        # What a fresh Windows has after winrm quickconfig: an HTTP listener only.
        $script:listeners = @([pscustomobject]@{ Name = 'Listener_1'; Transport = 'HTTP'; Thumbprint = '' })
        $script:wsman = @{ 'Service\AllowUnencrypted' = 'true'; 'Client\AllowUnencrypted' = 'true'; 'Service\Auth\Basic' = 'false' }
        $script:firewallRules = @()
        $script:bootTask = $null
        $script:changes = New-Object System.Collections.ArrayList
    }

    It 'listens on HTTPS 5986 with a self-signed certificate, and nowhere else' {
        Enable-HttpsWinRM -InstanceId 'i-host1'
        @($script:certificates).Count | Should -Be 1
        $script:certificates[0].FriendlyName | Should -Be 'hpc-fleet WinRM i-host1'
        $script:certificates[0].Subject | Should -Be 'CN=HPC-0001'
        @($script:listeners).Count | Should -Be 1
        $script:listeners[0].Transport | Should -Be 'HTTPS'
        $script:listeners[0].Port | Should -Be 5986
        $script:listeners[0].Thumbprint | Should -Be $script:certificates[0].Thumbprint
    }

    It 'allows Basic auth only with AllowUnencrypted false, for the service and the client' {
        Enable-HttpsWinRM -InstanceId 'i-host1'
        $script:wsman['Service\AllowUnencrypted'] | Should -Be 'false'
        $script:wsman['Client\AllowUnencrypted'] | Should -Be 'false'
        $script:wsman['Service\Auth\Basic'] | Should -Be 'true'
    }

    It 'opens TCP 5986 in the firewall and keeps the built-in HTTP rules closed' {
        Enable-HttpsWinRM -InstanceId 'i-host1'
        Should -Invoke New-HttpsFirewallRule -Times 1 -Exactly -ParameterFilter { $Port -eq 5986 }
        Should -Invoke Disable-HttpFirewallRule -Times 1 -Exactly
    }

    It 'makes a new certificate when the current one has less than a month left' {
        Enable-HttpsWinRM -InstanceId 'i-host1'
        $script:certificates[0].NotAfter = (Get-Date).AddDays(10)
        Enable-HttpsWinRM -InstanceId 'i-host1'
        @($script:certificates).Count | Should -Be 1
        $script:certificates[0].Thumbprint | Should -Be 'THUMB2'
        $script:listeners[0].Thumbprint | Should -Be 'THUMB2'
    }

    It 'replaces a certificate made on another instance (the image build''s), whatever its name, and deletes its key' {
        $script:certificates = @([pscustomobject]@{
                Thumbprint = 'BUILD'; FriendlyName = 'hpc-fleet WinRM i-build'; Subject = 'CN=HPC-0001'
                NotAfter = (Get-Date).AddYears(4)
            })
        $script:listeners = @([pscustomobject]@{ Name = 'Listener_B'; Transport = 'HTTPS'; Thumbprint = 'BUILD' })
        Enable-HttpsWinRM -InstanceId 'i-host1'
        @($script:certificates | ForEach-Object { $_.FriendlyName }) | Should -Be @('hpc-fleet WinRM i-host1')
        $script:listeners[0].Thumbprint | Should -Be 'THUMB1'
        Should -Invoke Remove-WinRMCertificate -Times 1 -Exactly -ParameterFilter { $Thumbprint -eq 'BUILD' }
    }

    It 'leaves certificates that are not hpc-fleet''s alone' {
        $script:certificates = @([pscustomobject]@{ Thumbprint = 'RDP'; FriendlyName = 'Remote Desktop'; Subject = 'CN=x'; NotAfter = (Get-Date).AddYears(1) })
        Enable-HttpsWinRM -InstanceId 'i-host1'
        @($script:certificates | ForEach-Object { $_.Thumbprint }) | Should -Contain 'RDP'
    }

    It 'reads the instance id from the metadata service when it is not given' {
        Enable-HttpsWinRM
        $script:certificates[0].FriendlyName | Should -Be 'hpc-fleet WinRM i-from-metadata'
    }

    It 'still comes up when the metadata service does not answer' {
        Mock Get-InstanceId { throw 'no route to host' }
        Enable-HttpsWinRM
        $script:certificates[0].FriendlyName | Should -Be 'hpc-fleet WinRM unknown'
        Should -Invoke Get-InstanceId -Times 3 -Exactly
        @($script:listeners).Count | Should -Be 1
    }

    It 'changes nothing on a second run' {
        Enable-HttpsWinRM -InstanceId 'i-host1'
        $script:changes.Clear()
        Enable-HttpsWinRM -InstanceId 'i-host1'
        $script:changes | Should -BeNullOrEmpty
    }

    It 'with -Remove, leaves no listener, no hpc-fleet certificate and no key (the build''s last step)' {
        Enable-HttpsWinRM -InstanceId 'i-build'
        $script:certificates = @($script:certificates) + [pscustomobject]@{ Thumbprint = 'RDP'; FriendlyName = 'Remote Desktop'; Subject = 'CN=x'; NotAfter = (Get-Date).AddYears(1) }
        Disable-HttpsWinRM
        $script:listeners | Should -BeNullOrEmpty
        @($script:certificates | ForEach-Object { $_.Thumbprint }) | Should -Be @('RDP')
    }

    It 'deletes the private key with every certificate it removes' {
        $tokens = $null
        $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseFile((Join-Path $HostScriptsDir 'enable-winrm.ps1'), [ref]$tokens, [ref]$errors)
        $removals = @($ast.FindAll({ param($node)
                    $node -is [System.Management.Automation.Language.CommandAst] -and
                    $node.GetCommandName() -eq 'Remove-Item' -and $node.Extent.Text -match 'Cert:' }, $true))
        $removals.Count | Should -Be 1
        $removals[0].Extent.Text | Should -Match '-DeleteKey'
    }

    Context 'on the image build instance (-AtEveryBoot, from its user-data)' {
        It 'registers itself to run at every boot and keeps a log in C:\Windows\Temp' {
            Invoke-EnableWinRM -InstanceId 'i-build' -AtEveryBoot -ScriptPath $InstalledPath
            $script:bootTask | Should -Be $InstalledPath
            Should -Invoke Start-BuildLog -Times 1 -Exactly
            @($script:listeners).Count | Should -Be 1
        }

        It 'registers the task once; the boot task''s own runs change nothing' {
            Invoke-EnableWinRM -InstanceId 'i-build' -AtEveryBoot -ScriptPath $InstalledPath
            $script:changes.Clear()
            Invoke-EnableWinRM -InstanceId 'i-build' -AtEveryBoot -ScriptPath $InstalledPath
            $script:changes | Should -BeNullOrEmpty
        }

        It 'registers no task and keeps no extra log on a host (bootstrap runs it)' {
            Invoke-EnableWinRM -InstanceId 'i-host1' -ScriptPath $InstalledPath
            $script:bootTask | Should -BeNullOrEmpty
            Should -Invoke Start-BuildLog -Times 0 -Exactly
        }

        It 'with -Remove, unregisters the boot task too' {
            Invoke-EnableWinRM -InstanceId 'i-build' -AtEveryBoot -ScriptPath $InstalledPath
            Invoke-EnableWinRM -Remove
            $script:bootTask | Should -BeNullOrEmpty
            $script:listeners | Should -BeNullOrEmpty
        }
    }
}

Describe 'enable-build-winrm.ps1 (the build instance''s user-data)' {
    BeforeAll {
        $enableWinRM = [System.IO.File]::ReadAllText((Join-Path $HostScriptsDir 'enable-winrm.ps1'))
        # As the template renders it: enable-winrm.ps1 in place of the marker.
        $rendered = [System.IO.File]::ReadAllText((Join-Path $BuildScriptsDir 'enable-build-winrm.ps1')).Replace(
            '__ENABLE_WINRM_PS1__', $enableWinRM)
        $renderedPath = Join-Path $TestDrive 'user-data.ps1'
        [System.IO.File]::WriteAllText($renderedPath, $rendered)
        . $renderedPath
        Mock Start-EnableWinRM { $script:started = $Path }
    }

    It 'carries enable-winrm.ps1 through its here-string unchanged' {
        $EnableWinRMText | Should -BeExactly $enableWinRM
        $enableWinRM | Should -Not -Match "(?m)^'@"
    }

    It 'writes it to the disk and runs it from there' {
        $directory = Join-Path $TestDrive 'hpc-fleet'
        Enable-BuildWinRM -Directory $directory -Text $EnableWinRMText
        $script:started | Should -Be (Join-Path $directory 'enable-winrm.ps1')
        [System.IO.File]::ReadAllText($script:started) | Should -BeExactly $EnableWinRMText
    }

    It 'uses the HpcFleet module''s task folder' {
        Import-Module $ModulePath -Force
        $TaskPath | Should -Be $HpcTaskPath
    }
}
