# set-autologon.ps1: the client account, its password (as the LSA secret only), group
# membership and the Winlogon values. Local users, groups, the LSA and the registry are
# fakes behind the script's boundary functions; everything else runs.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $env:COMPUTERNAME = 'HPC-0001'
    . (Join-Path $HostScriptsDir 'set-autologon.ps1') -AccountName 'hpc'
    Mock -ModuleName HpcFleet Write-Host {}

    $Winlogon = 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon'
    $Policies = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System'
    $AccountSid = 'S-1-5-21-100-200-300-1001'
    function ConvertFrom-Secure { param([securestring] $Secure) (New-Object System.Net.NetworkCredential('', $Secure)).Password }
}

Describe 'set-autologon.ps1' {
    BeforeAll {
        Add-FakeRegistry
        Mock Get-HpcLocalUser { $script:users[$Name] }
        Mock New-ClientAccount {
            $script:users[$Name] = [pscustomobject]@{ Name = $Name; Sid = $AccountSid; Enabled = $true }
            $script:accountPassword = ConvertFrom-Secure $Password
        }
        Mock Set-LocalUserPassword { $script:accountPassword = ConvertFrom-Secure $Password }
        Mock Enable-ClientAccount { $script:users[$Name].Enabled = $true }
        Mock Get-AutologonSecret { $script:secret }
        Mock Set-AutologonSecret { $script:secret = $Password }
        Mock Test-AccountPassword { if ($Password -eq $script:accountPassword) { 0 } else { 1326 } }
        Mock Get-LocalGroupMemberSid { $script:members[$GroupSid] }
        Mock Add-LocalGroupMemberSid {
            $script:members[$GroupSid] = @($script:members[$GroupSid]) + $MemberSid
            [void]$script:membershipChanges.Add("add $GroupSid")
        }
        Mock Get-AccountRight { @($script:rights[$Sid] | Where-Object { $_ }) }
        Mock Add-AccountRight { $script:rights[$Sid] = @($script:rights[$Sid] | Where-Object { $_ }) + $Right }
        Mock Remove-LocalGroupMemberSid {
            $script:members[$GroupSid] = @($script:members[$GroupSid] | Where-Object { $_ -ne $MemberSid })
            [void]$script:membershipChanges.Add("remove $GroupSid")
        }
    }

    BeforeEach {
        Reset-FakeRegistry
        $script:users = @{}
        $script:members = @{ 'S-1-5-32-544' = @(); 'S-1-5-32-545' = @() }
        $script:secret = $null
        $script:accountPassword = $null
        $script:membershipChanges = New-Object System.Collections.ArrayList
        $script:rights = @{}
    }

    Context 'the account and Winlogon' {
        It 'creates the account and stores its generated password as the LSA secret DefaultPassword' {
            Set-HostAutologon -AccountName 'hpc'
            Should -Invoke New-ClientAccount -Times 1 -Exactly
            $script:secret | Should -Not -BeNullOrEmpty
            $script:secret | Should -BeExactly $script:accountPassword
            $script:Registry.ContainsKey("$Winlogon|DefaultPassword") | Should -BeFalse
        }

        It 'logs the account on at boot and turns Ctrl+Alt+Del off' {
            Set-HostAutologon -AccountName 'hpc'
            $script:Registry["$Winlogon|AutoAdminLogon"] | Should -Be '1'
            $script:Registry["$Winlogon|DefaultUserName"] | Should -Be 'hpc'
            $script:Registry["$Winlogon|DefaultDomainName"] | Should -Be 'HPC-0001'
            $script:Registry["$Winlogon|ForceAutoLogon"] | Should -Be '1'
            $script:Registry["$Policies|DisableCAD"] | Should -Be 1
        }

        It 'points autologon at the name the host will have after a pending rename' {
            $names = 'HKLM:\SYSTEM\CurrentControlSet\Control\ComputerName'
            $script:Registry["$names\ActiveComputerName|ComputerName"] = 'HPC-0001'
            $script:Registry["$names\ComputerName|ComputerName"] = 'HPC-0007'
            Set-HostAutologon -AccountName 'hpc'
            $script:Registry["$Winlogon|DefaultDomainName"] | Should -Be 'HPC-0007'
        }

        It 'removes a plain-text DefaultPassword and an AutoLogonCount left by anyone else' {
            $script:Registry["$Winlogon|DefaultPassword"] = 'plain'
            $script:Registry["$Winlogon|AutoLogonCount"] = 1
            Set-HostAutologon -AccountName 'hpc'
            $script:Registry.ContainsKey("$Winlogon|DefaultPassword") | Should -BeFalse
            $script:Registry.ContainsKey("$Winlogon|AutoLogonCount") | Should -BeFalse
        }

        It 'puts the account in Users' {
            Set-HostAutologon -AccountName 'hpc'
            $script:members['S-1-5-32-545'] | Should -Contain $AccountSid
        }

        It 'adds the account to Administrators when accountIsAdministrator is true' {
            Set-HostAutologon -AccountName 'hpc' -IsAdministrator
            $script:members['S-1-5-32-544'] | Should -Contain $AccountSid
        }

        It 'removes the account from Administrators when accountIsAdministrator turns false' {
            Set-HostAutologon -AccountName 'hpc' -IsAdministrator
            Set-HostAutologon -AccountName 'hpc'
            $script:members['S-1-5-32-544'] | Should -Not -Contain $AccountSid
            @($script:membershipChanges) | Should -Be @('add S-1-5-32-545', 'add S-1-5-32-544', 'remove S-1-5-32-544')
        }

        It 'leaves Administrators alone when the membership is already as configured (<IsAdministrator>)' -ForEach @(
            @{ IsAdministrator = $true }, @{ IsAdministrator = $false }
        ) {
            Set-HostAutologon -AccountName 'hpc' -IsAdministrator:$IsAdministrator
            $script:membershipChanges.Clear()
            Set-HostAutologon -AccountName 'hpc' -IsAdministrator:$IsAdministrator
            $script:membershipChanges | Should -BeNullOrEmpty
            ($script:members['S-1-5-32-544'] -contains $AccountSid) | Should -Be $IsAdministrator
        }

        It 'grants the account, admin or not, the right to restart Windows (a fleet job''s reboot task) (<IsAdministrator>)' -ForEach @(
            @{ IsAdministrator = $true }, @{ IsAdministrator = $false }
        ) {
            Set-HostAutologon -AccountName 'hpc' -IsAdministrator:$IsAdministrator
            $script:rights[$AccountSid] | Should -Be @('SeShutdownPrivilege')
        }

        It 'keeps the account''s other rights and grants the right only once' {
            $script:users['hpc'] = [pscustomobject]@{ Name = 'hpc'; Sid = $AccountSid; Enabled = $true }
            $script:rights[$AccountSid] = @('SeBatchLogonRight')
            Set-HostAutologon -AccountName 'hpc'
            Set-HostAutologon -AccountName 'hpc'
            $script:rights[$AccountSid] | Should -Be @('SeBatchLogonRight', 'SeShutdownPrivilege')
            Should -Invoke Add-AccountRight -Times 1 -Exactly
        }

        It 'keeps the password while the LSA secret still logs the account on' {
            Set-HostAutologon -AccountName 'hpc'
            $first = $script:secret
            Set-HostAutologon -AccountName 'hpc'
            $script:secret | Should -BeExactly $first
            Should -Invoke Set-LocalUserPassword -Times 0 -Exactly
        }

        It 'sets a new password when the secret no longer logs the account on' {
            Set-HostAutologon -AccountName 'hpc'
            $script:accountPassword = 'changed by someone'
            Set-HostAutologon -AccountName 'hpc'
            Should -Invoke Set-LocalUserPassword -Times 1 -Exactly
            $script:secret | Should -BeExactly $script:accountPassword
        }

        It 'keeps the password when the check gives another answer than a wrong password (<Code>)' -ForEach @(
            # No logon servers, logon type not granted (the password was right), access denied.
            @{ Code = 1311 }, @{ Code = 1385 }, @{ Code = 5 }
        ) {
            Set-HostAutologon -AccountName 'hpc'
            $first = $script:secret
            Mock Test-AccountPassword { $Code }
            Set-HostAutologon -AccountName 'hpc'
            Should -Invoke Set-LocalUserPassword -Times 0 -Exactly
            $script:secret | Should -BeExactly $first
        }

        It 'keeps the password and carries on when the check itself fails (early in a boot)' {
            Set-HostAutologon -AccountName 'hpc'
            Mock Test-AccountPassword { throw 'The RPC server is unavailable' }
            Reset-FakeRegistry
            { Set-HostAutologon -AccountName 'hpc' } | Should -Not -Throw
            Should -Invoke Set-LocalUserPassword -Times 0 -Exactly
            $script:Registry["$Winlogon|AutoAdminLogon"] | Should -Be '1'
        }

        It 'enables a disabled account' {
            Set-HostAutologon -AccountName 'hpc'
            $script:users['hpc'].Enabled = $false
            Set-HostAutologon -AccountName 'hpc'
            Should -Invoke Enable-ClientAccount -Times 1 -Exactly
        }

        It 'changes nothing on a second run' {
            Set-HostAutologon -AccountName 'hpc'
            $script:RegistryWrites.Clear()
            $script:membershipChanges.Clear()
            Set-HostAutologon -AccountName 'hpc'
            $script:RegistryWrites | Should -BeNullOrEmpty
            $script:membershipChanges | Should -BeNullOrEmpty
            Should -Invoke New-ClientAccount -Times 1 -Exactly
            Should -Invoke Set-AutologonSecret -Times 1 -Exactly
        }

        It 'reads group members as SIDs, never through Get-LocalGroupMember (it throws on an unresolvable member)' {
            $tokens = $null
            $errors = $null
            $ast = [System.Management.Automation.Language.Parser]::ParseFile((Join-Path $HostScriptsDir 'set-autologon.ps1'), [ref]$tokens, [ref]$errors)
            @($ast.FindAll({ param($node)
                        $node -is [System.Management.Automation.Language.CommandAst] -and $node.GetCommandName() -eq 'Get-LocalGroupMember' }, $true)) |
                Should -BeNullOrEmpty
        }

        It 'refuses an account name Windows or a path would not take' {
            { Set-HostAutologon -AccountName 'a\b' } | Should -Throw '*invalid account name*'
        }
    }

    Context 'the generated password' {
        It 'has 32 characters of every class the complexity rule counts' {
            $password = New-HostPassword -AccountName 'hpc'
            $password.Length | Should -Be 32
            $password | Should -MatchExactly '[A-Z]'
            $password | Should -MatchExactly '[a-z]'
            $password | Should -Match '[0-9]'
            $password | Should -Match '[^A-Za-z0-9]'
        }

        It 'never contains the account name, in any case, even when a draw does' {
            # The first draw spells "Hpc2!" and then As: complex, but containing the name.
            $script:rigged = New-Object System.Collections.Queue
            foreach ($index in @(7, 38, 26, 49, 57) + @(0) * 27) { $script:rigged.Enqueue($index) }
            Mock Get-RandomIndex {
                if ($script:rigged.Count -gt 0) { return $script:rigged.Dequeue() }
                return Get-Random -Maximum $Count
            }
            $password = New-HostPassword -AccountName 'hpc'
            $password | Should -Not -Match 'hpc'
            Should -Invoke Get-RandomIndex -Times 64
        }

        It 'draws every index of the alphabet, uniformly enough' {
            $counts = @{}
            for ($i = 0; $i -lt 1950; $i++) { $counts[(Get-RandomIndex -Count 65)] += 1 }
            $counts.Count | Should -Be 65
            ($counts.Values | Measure-Object -Minimum).Minimum | Should -BeGreaterThan 8
        }
    }
}
