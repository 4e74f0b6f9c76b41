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
}

Describe 'enable-winrm.ps1' {
    BeforeEach {
        $script:serial = 0
        $script:certificates = @()
        # What a fresh Windows has after winrm quickconfig: an HTTP listener only.
        $script:listeners = @([pscustomobject]@{ Name = 'Listener_1'; Transport = 'HTTP'; Thumbprint = '' })
        $script:wsman = @{ 'Service\AllowUnencrypted' = 'true'; 'Client\AllowUnencrypted' = 'true'; 'Service\Auth\Basic' = 'false' }
        $script:firewallRules = @()
        $script:changes = New-Object System.Collections.ArrayList
    }

    It 'listens on HTTPS 5986 with a self-signed certificate, and nowhere else' {
        Enable-HttpsWinRM
        @($script:certificates).Count | Should -Be 1
        @($script:listeners).Count | Should -Be 1
        $script:listeners[0].Transport | Should -Be 'HTTPS'
        $script:listeners[0].Port | Should -Be 5986
        $script:listeners[0].Thumbprint | Should -Be $script:certificates[0].Thumbprint
    }

    It 'allows Basic auth only with AllowUnencrypted false, for the service and the client' {
        Enable-HttpsWinRM
        $script:wsman['Service\AllowUnencrypted'] | Should -Be 'false'
        $script:wsman['Client\AllowUnencrypted'] | Should -Be 'false'
        $script:wsman['Service\Auth\Basic'] | Should -Be 'true'
    }

    It 'opens TCP 5986 in the firewall and keeps the built-in HTTP rules closed' {
        Enable-HttpsWinRM
        Should -Invoke New-HttpsFirewallRule -Times 1 -Exactly -ParameterFilter { $Port -eq 5986 }
        Should -Invoke Disable-HttpFirewallRule -Times 1 -Exactly
    }

    It 'makes a new certificate when the current one has less than a month left' {
        Enable-HttpsWinRM
        $script:certificates[0].NotAfter = (Get-Date).AddDays(10)
        Enable-HttpsWinRM
        @($script:certificates).Count | Should -Be 1
        $script:certificates[0].Thumbprint | Should -Be 'THUMB2'
        $script:listeners[0].Thumbprint | Should -Be 'THUMB2'
    }

    It 'changes nothing on a second run' {
        Enable-HttpsWinRM
        $script:changes.Clear()
        Enable-HttpsWinRM
        $script:changes | Should -BeNullOrEmpty
    }
}
