# start-client.ps1: starts the benchmark client, reports while it runs, restarts it with
# a backoff, and gives up after repeated quick failures. The client is a fake process;
# reports and sleeps are recorded instead of sent and slept.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    . (Join-Path $HostScriptsDir 'start-client.ps1')
    Mock -ModuleName HpcFleet Write-Host {}

    # A client that runs through $Heartbeats heartbeats, then exits with $ExitCode.
    function New-FakeClient {
        param([int] $Heartbeats = 0, [int] $ExitCode = 1)
        $client = [pscustomobject]@{ ExitCode = $ExitCode; Remaining = $Heartbeats; Waits = New-Object System.Collections.ArrayList }
        $client | Add-Member -MemberType ScriptMethod -Name WaitForExit -Value {
            param([int] $Milliseconds)
            [void]$this.Waits.Add($Milliseconds)
            if ($this.Remaining -gt 0) { $this.Remaining--; return $false }
            return $true
        }
        return $client
    }

    function Write-Config {
        param([object[]] $Arguments = @('--server', 'bench'))
        $config = [ordered]@{
            hostManagerUrl = 'https://hm:8080'; hostManagerCaCertPem = 'pem'; clientExecutable = 'C:\hpc\client\hpc-client.exe'
            clientArguments = $Arguments; accountName = 'hpc'; accountIsAdministrator = $false; heartbeatSeconds = 60
        }
        $path = Join-Path $TestDrive 'config.json'
        [System.IO.File]::WriteAllText($path, (ConvertTo-Json -InputObject $config))
        return $path
    }
}

Describe 'start-client.ps1' {
    BeforeAll {
        Mock Get-HpcHostFacts { [pscustomobject]@{ instanceId = 'i-1' } }
        Mock Send-HpcHostStatus { [void]$script:statuses.Add($Status); $true }
        # The supervisor never returns once it has given up: its first heartbeat sleep (60 s)
        # ends the test.
        Mock Start-Sleep {
            if ($Seconds -eq 60) { throw 'given up' }
            [void]$script:sleeps.Add($Seconds)
        }
        Mock Start-ClientProcess {
            [void]$script:commandLines.Add($CommandLine)
            if ($script:clients.Count -eq 0) { return New-FakeClient }
            $next = $script:clients[0]
            $script:clients.RemoveAt(0)
            if ($next -eq 'fail') { throw 'the file cannot be run' }
            return $next
        }
    }

    BeforeEach {
        $script:statuses = New-Object System.Collections.ArrayList
        $script:sleeps = New-Object System.Collections.ArrayList
        $script:commandLines = New-Object System.Collections.ArrayList
        $script:clients = New-Object System.Collections.ArrayList
        $configPath = Write-Config
    }

    It 'reports running, a heartbeat every heartbeatSeconds while the client runs, then exited' {
        $running = New-FakeClient -Heartbeats 2
        [void]$script:clients.Add($running)
        { Start-ClientSupervisor -ConfigPath $configPath -MaxQuickFailures 2 } | Should -Throw 'given up'
        @($script:statuses) | Should -Be @(2, 2, 2, 3, 2, 4)
        @($running.Waits) | Should -Be @(60000, 60000, 60000)
    }

    It 'restarts the client after 5 s doubling to at most 5 min, then reports failed after 10 quick failures' {
        { Start-ClientSupervisor -ConfigPath $configPath } | Should -Throw 'given up'
        @($script:sleeps) | Should -Be @(5, 10, 20, 40, 80, 160, 300, 300, 300)
        $script:statuses[-1] | Should -Be 4
        Should -Invoke Start-ClientProcess -Times 10 -Exactly
    }

    It 'forgets earlier failures once the client has run long enough' {
        [void]$script:clients.AddRange(@((New-FakeClient), (New-FakeClient)))
        # HealthyRunMinutes 0: every run counts as healthy, so the backoff never grows.
        $script:sleeps = New-Object System.Collections.ArrayList
        Mock Start-Sleep {
            [void]$script:sleeps.Add($Seconds)
            if ($script:sleeps.Count -ge 3) { throw 'stop the test' }
        }
        { Start-ClientSupervisor -ConfigPath $configPath -HealthyRunMinutes 0 } | Should -Throw 'stop the test'
        @($script:sleeps) | Should -Be @(5, 5, 5)
    }

    It 'counts a client that cannot be started as a quick failure' {
        [void]$script:clients.AddRange(@('fail', 'fail'))
        { Start-ClientSupervisor -ConfigPath $configPath -MaxQuickFailures 2 } | Should -Throw 'given up'
        @($script:statuses) | Should -Be @(3, 4)
    }

    It 'starts the client when the metadata service does not answer, and reports later' {
        Mock Get-HpcHostFacts { throw 'metadata unreachable' }
        { Start-ClientSupervisor -ConfigPath $configPath -MaxQuickFailures 2 } | Should -Throw 'given up'
        Should -Invoke Start-ClientProcess -Times 2 -Exactly
        $script:statuses | Should -BeNullOrEmpty
    }

    It 'once it has given up, stays alive reporting failed every heartbeat, and starts no client' {
        $script:heartbeats = 0
        Mock Start-Sleep {
            if ($Seconds -eq 60) {
                $script:heartbeats++
                if ($script:heartbeats -ge 3) { throw 'enough' }
            }
        }
        { Start-ClientSupervisor -ConfigPath $configPath -MaxQuickFailures 2 } | Should -Throw 'enough'
        @($script:statuses) | Should -Be @(2, 3, 2, 4, 4, 4)
        Should -Invoke Start-ClientProcess -Times 2 -Exactly
    }

    It 'quotes each argument the way CommandLineToArgvW splits them again' {
        ConvertTo-CommandLine -Arguments @('plain', 'two words', 'say "hi"', 'C:\dir\', 'C:\dir with space\', '') |
            Should -BeExactly 'plain "two words" "say \"hi\"" C:\dir\ "C:\dir with space\\" ""'
    }

    It 'passes the configured arguments to the client' {
        $configPath = Write-Config -Arguments @('--name', 'a b')
        { Start-ClientSupervisor -ConfigPath $configPath -MaxQuickFailures 1 } | Should -Throw 'given up'
        $script:commandLines[0] | Should -BeExactly '--name "a b"'
    }
}
