# Fleet jobs, the host's side (issue 16): a host asks for its next task, accepts it with
# its version, runs the action, reports progress (and stops when revoked) and posts the
# result, with its own credential. The host-manager is a fake behind
# Invoke-HpcHostManagerRequest, modelled on services/host-manager/src/http/api/task-routes.ts
# and the README's "Jobs": one current credential per host (401 otherwise), accept only at
# the offered version of a ready task (409 otherwise), progress and result only for the
# reserved task at its version (409), a result's code 1-255, message at most 1000
# characters and data at most 32 KiB (400 otherwise). The client is a fake process.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-Module $ModulePath -Force

    $Config = [pscustomobject]@{
        hostManagerUrl = 'https://host-manager.hpc-fleet.internal:8080'; hostManagerCaCertPem = 'pem'
        heartbeatSeconds = 60; accountIsAdministrator = $false
    }

    function New-FakeProcess {
        $process = [pscustomobject]@{ HasExited = $false; Killed = $false; ExitCode = 0 }
        $process | Add-Member -MemberType ScriptMethod -Name Kill -Value { $this.Killed = $true; $this.HasExited = $true }
        $process | Add-Member -MemberType ScriptMethod -Name WaitForExit -Value { param([int] $Milliseconds) return $this.HasExited }
        return $process
    }

    function New-FakeClient {
        $client = @{
            Executable = (Join-Path $TestDrive 'client/hpc-client.exe'); Arguments = [string[]]@('--old'); Process = (New-FakeProcess)
            StartedAt = Get-Date; Stopped = $false; DefaultArgumentsPath = (Join-Path $TestDrive 'state/client-arguments.json')
            LogDirectory = ''; DumpDirectory = (Join-Path $TestDrive 'state/dumps'); LogicalCpus = 4
            Start = { param($Client) [void]$script:starts.Add(@($Client.Arguments)); $Client.Process = New-FakeProcess }
        }
        return $client
    }

    function Add-FakeTask {
        param([string] $Action, [hashtable] $Params = @{})
        $task = @{ taskId = $script:tasks.Count + 1; version = 1; action = $Action; params = $Params; state = 'ready'; revoked = $false; result = $null; takenOnOffer = $false }
        [void]$script:tasks.Add($task)
        return $task
    }

    function Get-FakeTask {
        param([int] $Id)
        return @($script:tasks | Where-Object { $_.taskId -eq $Id })[0]
    }

    function Add-FakeHostManager {
        $script:tasks = New-Object System.Collections.ArrayList
        $script:credentials = New-Object System.Collections.ArrayList
        $script:requests = New-Object System.Collections.ArrayList
        $script:events = New-Object System.Collections.ArrayList
        $script:starts = New-Object System.Collections.ArrayList
        $script:failNext = $null
        Mock -ModuleName HpcFleet Register-HpcHost {
            $credential = 'hmh_' + [guid]::NewGuid().ToString('N')
            [void]$script:credentials.Add($credential)
            [void]$script:events.Add('register')
            return $credential
        }
        Mock -ModuleName HpcFleet Invoke-HpcHostManagerRequest {
            $Body = Get-Variable -Name Body -ValueOnly -ErrorAction SilentlyContinue
            $Credential = Get-Variable -Name Credential -ValueOnly -ErrorAction SilentlyContinue
            $Headers = Get-Variable -Name Headers -ValueOnly -ErrorAction SilentlyContinue
            [void]$script:requests.Add([pscustomobject]@{ Method = $Method; Path = $Path; Body = $Body; Credential = $Credential; Headers = $Headers })
            $current = if ($script:credentials.Count) { $script:credentials[-1] } else { $null }
            if (-not $Credential -or $Credential -ne $current) { throw (New-FakeHttpError 401) }
            if ($Path -eq '/rpc/v1/tasks/next?wait=0') {
                [void]$script:events.Add('next')
                if ($script:failNext) { throw $script:failNext }
                $ready = @($script:tasks | Where-Object { $_.state -eq 'ready' })
                if ($ready.Count -eq 0) { return '{"task":null,"pollAfterSeconds":5}' }
                $t = $ready[0]
                $offer = [ordered]@{ taskId = $t.taskId; version = $t.version; action = $t.action; params = $t.params; timeToRunSeconds = 300; attempt = 1 }
                if ($t.takenOnOffer) { $t.state = 'reserved'; $t.version++ }
                return ConvertTo-Json -Compress -Depth 5 @{ task = $offer; pollAfterSeconds = 5 }
            }
            if ($Path -notmatch '^/rpc/v1/tasks/(\d+)/(accept|progress|result)$') { throw (New-FakeHttpError 404) }
            $verb = $Matches[2]
            $task = Get-FakeTask $Matches[1]
            if (-not $task) { throw (New-FakeHttpError 404) }
            [void]$script:events.Add("$verb $($task.taskId)")
            $request = $Body | ConvertFrom-Json
            switch ($verb) {
                'accept' {
                    if ($task.state -ne 'ready' -or $request.version -ne $task.version -or $task.revoked) { throw (New-FakeHttpError 409) }
                    $task.state = 'reserved'; $task.version++
                    return ConvertTo-Json -Compress @{ version = $task.version }
                }
                'progress' {
                    if ($task.state -ne 'reserved' -or $request.version -ne $task.version) { throw (New-FakeHttpError 409) }
                    return ConvertTo-Json -Compress @{ revoked = $task.revoked }
                }
                'result' {
                    if ($task.state -ne 'reserved' -or $request.version -ne $task.version) { throw (New-FakeHttpError 409) }
                    $names = @($request.PSObject.Properties | ForEach-Object { $_.Name })
                    if (@($names | Where-Object { $_ -notin 'version', 'resp', 'code', 'message', 'data' }).Count -or
                        $request.resp -notin 'success', 'failed' -or
                        ($names -contains 'code' -and ($request.code -lt 1 -or $request.code -gt 255)) -or
                        ($names -contains 'message' -and $request.message.Length -gt 1000) -or
                        ($names -contains 'data' -and [System.Text.Encoding]::UTF8.GetByteCount($request.data) -gt 32768)) {
                        throw (New-FakeHttpError 400)
                    }
                    $task.state = $request.resp; $task.result = $request
                    return ConvertTo-Json -Compress @{ state = $request.resp }
                }
            }
        }
    }
}

Describe 'fleet-job tasks on the host' {
    BeforeEach {
        Clear-HpcHostCredential
        $script:logged = New-Object System.Collections.ArrayList
        Mock -ModuleName HpcFleet Write-Host { [void]$script:logged.Add([string]$Object) }
        Mock -ModuleName HpcFleet Start-Sleep {}
        Mock -ModuleName HpcFleet Restart-HpcComputer { [void]$script:events.Add('restart-computer') }
        Mock -ModuleName HpcFleet Test-HpcShutdownPrivilege { $true }
        Add-FakeHostManager
        # A heartbeat has registered this host: tasks are polled with that credential.
        Get-HpcHostCredential -Config $Config | Out-Null
        $script:events.Clear()
        $client = New-FakeClient
    }

    It 'polls nothing before a report has registered this host' {
        Clear-HpcHostCredential
        Invoke-HpcTaskTurn -Config $Config -Client $client
        $script:requests.Count | Should -Be 0
    }

    It 'asks, accepts at the offered version, and posts the result with its own credential' {
        Add-FakeTask 'stop-client' | Out-Null
        Invoke-HpcTaskTurn -Config $Config -Client $client
        @($script:events) | Should -Be @('next', 'accept 1', 'result 1', 'next')
        $accept = @($script:requests | Where-Object { $_.Path -eq '/rpc/v1/tasks/1/accept' })[0]
        ($accept.Body | ConvertFrom-Json).version | Should -Be 1
        $result = @($script:requests | Where-Object { $_.Path -eq '/rpc/v1/tasks/1/result' })[0]
        ($result.Body | ConvertFrom-Json).version | Should -Be 2
        foreach ($request in $script:requests) {
            $request.Credential | Should -Be $script:credentials[0]
            $request.Headers.ContainsKey('X-Instance-Id') | Should -BeFalse
        }
    }

    It 'restart-client: stops the client and starts it with the new arguments, not kept by default' {
        $old = $client.Process
        Add-FakeTask 'restart-client' @{ args = @('--run', 'b 2') } | Out-Null
        Invoke-HpcTaskTurn -Config $Config -Client $client
        $old.Killed | Should -BeTrue
        @($script:starts) | Should -HaveCount 1
        $script:starts[0] | Should -Be @('--run', 'b 2')
        $client.Process | Should -Not -Be $old
        (Get-FakeTask 1).result.resp | Should -Be 'success'
        Test-Path -LiteralPath $client.DefaultArgumentsPath | Should -BeFalse
    }

    It 'restart-client with keepAsDefault: the next start of start-client uses the arguments' {
        Add-FakeTask 'restart-client' @{ args = @('--kept', 'x y'); keepAsDefault = $true } | Out-Null
        Invoke-HpcTaskTurn -Config $Config -Client $client
        (Get-FakeTask 1).result.resp | Should -Be 'success'
        $configured = [pscustomobject]@{ clientArguments = @('--configured') }
        Get-HpcClientArguments -Config $configured -Path $client.DefaultArgumentsPath | Should -Be @('--kept', 'x y')
        Get-HpcClientArguments -Config $configured -Path (Join-Path $TestDrive 'none.json') | Should -Be @('--configured')
        # A second kept default replaces the first.
        Add-FakeTask 'restart-client' @{ args = @('--second'); keepAsDefault = $true } | Out-Null
        Invoke-HpcTaskTurn -Config $Config -Client $client
        Get-HpcClientArguments -Config $configured -Path $client.DefaultArgumentsPath | Should -Be @('--second')
    }

    It 'restart-client that cannot start the client fails with its code' {
        $client.Start = { param($Client) throw 'the file cannot be run' }
        Add-FakeTask 'restart-client' @{ args = @() } | Out-Null
        Invoke-HpcTaskTurn -Config $Config -Client $client
        $result = (Get-FakeTask 1).result
        $result.resp | Should -Be 'failed'
        $result.code | Should -Be $HpcTaskCode.clientStartFailed
        $result.message | Should -Match 'the file cannot be run'
    }

    It 'stop-client: stops the client and leaves it stopped' {
        $old = $client.Process
        Add-FakeTask 'stop-client' | Out-Null
        Invoke-HpcTaskTurn -Config $Config -Client $client
        $old.Killed | Should -BeTrue
        $client.Process | Should -BeNullOrEmpty
        $client.Stopped | Should -BeTrue
        (Get-FakeTask 1).result.resp | Should -Be 'success'
    }

    It 'collect-logs: the newest bytes of the client''s logs, at most maxBytes' {
        $logs = Join-Path $TestDrive 'client/logs'
        New-Item -ItemType Directory -Path $logs -Force | Out-Null
        $old = Join-Path $logs 'old.log'
        [System.IO.File]::WriteAllText($old, 'old log line')
        (Get-Item $old).LastWriteTimeUtc = (Get-Date).ToUniversalTime().AddHours(-1)
        # A multi-byte character on every line: no cut may split one.
        $e = [string][char]0xE9
        $lines = 1..5000 | ForEach-Object { "line $_ $e" }
        [System.IO.File]::WriteAllText((Join-Path $logs 'run.log'), ($lines -join "`n"))
        Add-FakeTask 'collect-logs' @{ maxBytes = 2048 } | Out-Null
        Invoke-HpcTaskTurn -Config $Config -Client $client
        $result = (Get-FakeTask 1).result
        $result.resp | Should -Be 'success'
        [System.Text.Encoding]::UTF8.GetByteCount($result.data) | Should -BeLessOrEqual 2048
        $result.data | Should -Match 'run\.log'
        $result.data | Should -Match "line 5000 $e`$"
        $result.data | Should -Not -Match "line 1 $e"
        $result.data | Should -Not -Match ([string][char]0xFFFD)
    }

    It 'collect-logs with no log files fails with its code' {
        $client.Executable = Join-Path $TestDrive 'nologs/hpc-client.exe'
        Add-FakeTask 'collect-logs' @{ maxBytes = 4096 } | Out-Null
        Invoke-HpcTaskTurn -Config $Config -Client $client
        (Get-FakeTask 1).result.code | Should -Be $HpcTaskCode.logsUnreadable
    }

    It 'collect-diagnostics: sampleSeconds of the heartbeat''s load figures' {
        Mock -ModuleName HpcFleet Get-HpcHostLoad {
            [pscustomobject]@{ cpuPercent = 97.25; memoryAvailablePercent = 12.5; clientCpuPercent = 90.0; clientWorkingSetBytes = 1073741824 }
        }
        Add-FakeTask 'collect-diagnostics' @{ sampleSeconds = 3 } | Out-Null
        Invoke-HpcTaskTurn -Config $Config -Client $client
        $result = (Get-FakeTask 1).result
        $result.resp | Should -Be 'success'
        $data = $result.data | ConvertFrom-Json
        @($data.rows) | Should -HaveCount 3
        $data.rows[0] | Should -Be @(1, 97.3, 12.5, 90, 1073741824)
        Should -Invoke -ModuleName HpcFleet Get-HpcHostLoad -Times 3 -Exactly -ParameterFilter { $LogicalCpus -eq 4 }
    }

    It 'collect-diagnostics with dump: dumps the client''s process and names the file' {
        Mock -ModuleName HpcFleet Get-HpcHostLoad { [pscustomobject]@{ cpuPercent = 50; memoryAvailablePercent = 40; clientCpuPercent = $null; clientWorkingSetBytes = $null } }
        Mock -ModuleName HpcFleet Get-HpcClientProcess { @([pscustomobject]@{ Id = 4242 }) }
        Mock -ModuleName HpcFleet Invoke-HpcProcessDump { [pscustomobject]@{ FullName = "$Directory\hpc-client-4242.dmp"; Length = 1234 } }
        Add-FakeTask 'collect-diagnostics' @{ sampleSeconds = 1; dump = $true } | Out-Null
        Invoke-HpcTaskTurn -Config $Config -Client $client
        $result = (Get-FakeTask 1).result
        $result.resp | Should -Be 'success'
        ($result.data | ConvertFrom-Json).dump.bytes | Should -Be 1234
        Should -Invoke -ModuleName HpcFleet Invoke-HpcProcessDump -Times 1 -Exactly -ParameterFilter { $ProcessId -eq 4242 -and $Directory -eq $client.DumpDirectory }
        # The dump code was compiled for real (Add-Type -Path, as on the host).
        'HpcFleet.ProcessDump' -as [type] | Should -Not -BeNullOrEmpty
    }

    It 'collect-diagnostics with dump where PowerShell may not load the dump code: failed as unavailable, counters still in data' {
        Mock -ModuleName HpcFleet Get-HpcHostLoad { [pscustomobject]@{ cpuPercent = 50; memoryAvailablePercent = 40; clientCpuPercent = $null; clientWorkingSetBytes = $null } }
        Mock -ModuleName HpcFleet Get-HpcClientProcess { @([pscustomobject]@{ Id = 4242 }) }
        Mock -ModuleName HpcFleet Import-HpcProcessDumpCode { throw 'Cannot add type. Definition of new types is not supported in this language mode.' }
        Mock -ModuleName HpcFleet Invoke-HpcProcessDump { throw 'must not be called' }
        Add-FakeTask 'collect-diagnostics' @{ sampleSeconds = 2; dump = $true } | Out-Null
        Invoke-HpcTaskTurn -Config $Config -Client $client
        $result = (Get-FakeTask 1).result
        $result.resp | Should -Be 'failed'
        $result.code | Should -Be $HpcTaskCode.dumpUnavailable
        $result.message | Should -Match 'cannot write dumps: .*language mode'
        @(($result.data | ConvertFrom-Json).rows) | Should -HaveCount 2
    }

    It 'collect-diagnostics with dump: a dump that fails, or no client to dump, fails with the dump''s code' -ForEach @(
        @{ Case = 'the call fails'; Processes = @([pscustomobject]@{ Id = 4242 }); Message = 'the dump failed: .*0x8007' }
        @{ Case = 'no client runs'; Processes = @(); Message = 'the client is not running' }
    ) {
        Mock -ModuleName HpcFleet Get-HpcHostLoad { [pscustomobject]@{ cpuPercent = 50; memoryAvailablePercent = 40; clientCpuPercent = $null; clientWorkingSetBytes = $null } }
        Mock -ModuleName HpcFleet Get-HpcClientProcess { $Processes }
        Mock -ModuleName HpcFleet Invoke-HpcProcessDump { throw 'MiniDumpWriteDump failed for process 4242: HRESULT 0x8007012B' }
        Add-FakeTask 'collect-diagnostics' @{ sampleSeconds = 1; dump = $true } | Out-Null
        Invoke-HpcTaskTurn -Config $Config -Client $client
        $result = (Get-FakeTask 1).result
        $result.code | Should -Be $HpcTaskCode.dumpFailed
        $result.message | Should -Match $Message
    }

    It 'a long action reports progress and stops when the job is revoked' {
        Mock -ModuleName HpcFleet Get-HpcHostLoad { [pscustomobject]@{ cpuPercent = 50; memoryAvailablePercent = 40; clientCpuPercent = $null; clientWorkingSetBytes = $null } }
        # A clock that moves a second at each reading.
        $script:clock = 1000
        Mock -ModuleName HpcFleet Get-HpcMonotonicSeconds { $script:clock++; $script:clock }
        $task = Add-FakeTask 'collect-diagnostics' @{ sampleSeconds = 300 }
        $script:ticks = 0
        $onTick = { $script:ticks++; if ($script:ticks -eq 15) { (Get-FakeTask 1).revoked = $true } }
        Invoke-HpcTaskTurn -Config $Config -Client $client -OnTick $onTick
        $progress = @($script:events | Where-Object { $_ -eq 'progress 1' }).Count
        $progress | Should -BeGreaterThan 1
        $task.result.resp | Should -Be 'failed'
        $task.result.code | Should -Be $HpcTaskCode.revoked
        $script:ticks | Should -BeLessThan 40
    }

    It 'drops a task whose accept is refused (409), runs nothing for it, and takes the next' {
        $taken = Add-FakeTask 'restart-client' @{ args = @('--x') }
        # Another attempt takes it between the offer and this host's accept.
        $taken.takenOnOffer = $true
        Add-FakeTask 'stop-client' | Out-Null
        Invoke-HpcTaskTurn -Config $Config -Client $client
        @($script:events) | Should -Be @('next', 'accept 1', 'next', 'accept 2', 'result 2', 'next')
        $script:starts.Count | Should -Be 0
        $taken.result | Should -BeNullOrEmpty
        $script:logged -join "`n" | Should -Match 'task 1 is no longer offered to this host \(HTTP 409\): dropped'
    }

    It 'an unknown action or one that throws fails with a host code, and the turn goes on' {
        Add-FakeTask 'format-disk' | Out-Null
        Mock -ModuleName HpcFleet Stop-HpcSupervisedClient { throw 'unexpected' }
        Add-FakeTask 'stop-client' | Out-Null
        { Invoke-HpcTaskTurn -Config $Config -Client $client } | Should -Not -Throw
        (Get-FakeTask 1).result.code | Should -Be $HpcTaskCode.unknownAction
        (Get-FakeTask 2).result.resp | Should -Be 'failed'
        (Get-FakeTask 2).result.code | Should -Be $HpcTaskCode.clientStopFailed
    }

    It 'reboot: reports success first, then restarts Windows' {
        Add-FakeTask 'reboot' | Out-Null
        Invoke-HpcTaskTurn -Config $Config -Client $client
        @($script:events) | Should -Be @('next', 'accept 1', 'result 1', 'restart-computer')
        (Get-FakeTask 1).result.resp | Should -Be 'success'
    }

    It 'reboot: does not restart Windows when the result was not recorded' {
        Add-FakeTask 'reboot' | Out-Null
        Mock -ModuleName HpcFleet Send-HpcTaskResult { $false }
        Invoke-HpcTaskTurn -Config $Config -Client $client
        @($script:events) | Should -Not -Contain 'restart-computer'
    }

    It 'reboot: fails with its code when the client''s logon may not restart Windows' {
        Mock -ModuleName HpcFleet Test-HpcShutdownPrivilege { $false }
        Add-FakeTask 'reboot' | Out-Null
        Invoke-HpcTaskTurn -Config $Config -Client $client
        (Get-FakeTask 1).result.code | Should -Be $HpcTaskCode.rebootNotAllowed
        (Get-FakeTask 1).result.message | Should -Match 'SeShutdownPrivilege'
        @($script:events) | Should -Not -Contain 'restart-computer'
    }

    It 'bounds a result''s data (32 KiB) and message (1000) to what the host-manager takes' {
        $task = Add-FakeTask 'collect-logs'
        $task.state = 'reserved'
        $outcome = New-HpcTaskOutcome failed 3 ('m' * 5000) -Data ([string][char]0xE9 * 40000)
        Send-HpcTaskResult -Config $Config -Task ([pscustomobject]@{ taskId = 1; version = 1 }) -Outcome $outcome | Should -BeTrue
        [System.Text.Encoding]::UTF8.GetByteCount($task.result.data) | Should -BeLessOrEqual 32768
        [System.Text.Encoding]::UTF8.GetByteCount($task.result.data) | Should -BeGreaterThan 32000
        $task.result.message.Length | Should -Be 1000
    }

    It 'sends a failure without a valid host code as the unexpected error (255), which the host-manager takes' {
        $task = Add-FakeTask 'collect-logs'
        $task.state = 'reserved'
        Send-HpcTaskResult -Config $Config -Task ([pscustomobject]@{ taskId = 1; version = 1 }) -Outcome (New-HpcTaskOutcome failed 0 'no code') |
            Should -BeTrue
        $task.result.code | Should -Be 255
    }

    It 'registers again once on 401 and carries on with the new credential' {
        Add-FakeTask 'stop-client' | Out-Null
        # The host-manager lost this host's credential (a restore, a new registration elsewhere).
        [void]$script:credentials.Add('hmh_issued-elsewhere')
        Invoke-HpcTaskTurn -Config $Config -Client $client
        $script:credentials.Count | Should -Be 3
        (Get-FakeTask 1).result.resp | Should -Be 'success'
        @($script:requests | Where-Object { $_.Path -like '*/result' })[0].Credential | Should -Be $script:credentials[2]
    }

    It 'names its instance in X-Instance-Id only under the legacy fleet token' {
        Clear-HpcHostCredential
        Mock -ModuleName HpcFleet Register-HpcHost { throw 'registration is off' }
        $legacy = [pscustomobject]@{ hostManagerUrl = $Config.hostManagerUrl; hostManagerCaCertPem = 'pem'; fleetToken = 'legacy-shared' }
        [void]$script:credentials.Add('legacy-shared')
        Get-HpcHostCredential -Config $legacy | Out-Null
        Invoke-HpcTaskTurn -Config $legacy -Client $client -InstanceId 'i-bp1'
        $script:requests[-1].Headers['X-Instance-Id'] | Should -Be 'i-bp1'
    }

    It 'a poll that fails is logged and the turn returns, without throwing' {
        $script:failNext = New-FakeNetworkError
        { Invoke-HpcTaskTurn -Config $Config -Client $client } | Should -Not -Throw
        $script:logged -join "`n" | Should -Match 'task poll failed: The operation has timed out'
    }

    It 'writes no credential to the log' {
        Add-FakeTask 'stop-client' | Out-Null
        [void]$script:credentials.Add('hmh_issued-elsewhere')
        Invoke-HpcTaskTurn -Config $Config -Client $client
        $log = $script:logged -join "`n"
        $log | Should -Not -BeLike '*hmh_*'
    }
}

Describe 'start-client.ps1 with tasks' {
    BeforeAll {
        . (Join-Path $HostScriptsDir 'start-client.ps1')
        Mock Get-HpcHostFacts { [pscustomobject]@{ instanceId = 'i-1'; logicalCpus = 2 } }
        Mock Send-HpcHostStatus { [void]$script:statuses.Add($Status); $true }

        function Write-Config {
            $config = [ordered]@{
                hostManagerUrl = 'https://hm:8080'; hostManagerCaCertPem = 'pem'; clientExecutable = 'C:\hpc\client\hpc-client.exe'
                clientArguments = @('--configured'); accountName = 'hpc'; accountIsAdministrator = $false; heartbeatSeconds = 60
            }
            $path = Join-Path $TestDrive 'config.json'
            [System.IO.File]::WriteAllText($path, (ConvertTo-Json -InputObject $config))
            return $path
        }
        # A client that runs through $Waits waits, then exits.
        function New-WaitingClient {
            param([int] $Waits)
            $process = [pscustomobject]@{ Remaining = $Waits; HasExited = $false; ExitCode = 1 }
            $process | Add-Member -MemberType ScriptMethod -Name WaitForExit -Value {
                param([int] $Milliseconds)
                if ($this.HasExited) { return $true }
                if ($this.Remaining -gt 0) { $this.Remaining--; return $false }
                $this.HasExited = $true
                return $true
            }
            $process | Add-Member -MemberType ScriptMethod -Name Kill -Value { $this.HasExited = $true }
            return $process
        }
    }

    BeforeEach {
        Clear-HpcHostCredential
        $script:logged = New-Object System.Collections.ArrayList
        Mock -ModuleName HpcFleet Write-Host { [void]$script:logged.Add([string]$Object) }
        Mock Write-Host { [void]$script:logged.Add([string]$Object) }
        Mock -ModuleName HpcFleet Start-Sleep {}
        Add-FakeHostManager
        Get-HpcHostCredential -Config $Config | Out-Null
        $script:statuses = New-Object System.Collections.ArrayList
        $script:commandLines = New-Object System.Collections.ArrayList
        Mock Start-ClientProcess { [void]$script:commandLines.Add($CommandLine); New-WaitingClient -Waits 2 }
        Mock Start-Sleep { throw 'stop the test' }
        $configPath = Write-Config
    }

    It 'keeps its heartbeats when every poll fails' {
        $script:failNext = New-FakeNetworkError
        { Start-ClientSupervisor -ConfigPath $configPath -MaxQuickFailures 5 } | Should -Throw 'stop the test'
        @($script:statuses) | Should -Be @(2, 2, 2, 3)
        @($script:events | Where-Object { $_ -eq 'next' }).Count | Should -Be 3
    }

    It 'restarts the client with a task''s arguments, and reports it running' {
        Add-FakeTask 'restart-client' @{ args = @('--new', 'a b'); keepAsDefault = $true } | Out-Null
        { Start-ClientSupervisor -ConfigPath $configPath -MaxQuickFailures 5 -StateDirectory (Join-Path $TestDrive 'state') } |
            Should -Throw 'stop the test'
        @($script:commandLines) | Should -Be @('--configured', '--new "a b"')
        (Get-FakeTask 1).result.resp | Should -Be 'success'
        # The next supervisor (the next logon) starts with the kept arguments.
        $script:commandLines.Clear()
        $script:tasks.Clear()
        { Start-ClientSupervisor -ConfigPath $configPath -MaxQuickFailures 5 -StateDirectory (Join-Path $TestDrive 'state') } |
            Should -Throw 'stop the test'
        $script:commandLines[0] | Should -Be '--new "a b"'
    }

    It 'after stop-client, reports exited every heartbeat and starts nothing until restart-client' {
        Add-FakeTask 'stop-client' | Out-Null
        $script:sleeps = 0
        Mock Start-Sleep {
            $script:sleeps++
            if ($script:sleeps -eq 2) { Add-FakeTask 'restart-client' @{ args = @('--again') } | Out-Null }
            if ($script:sleeps -ge 4) { throw 'stop the test' }
        }
        { Start-ClientSupervisor -ConfigPath $configPath -MaxQuickFailures 5 } | Should -Throw 'stop the test'
        # Stopped: status 3 at each heartbeat and no start, until restart-client starts it (and the
        # supervisor's restarts keep its arguments).
        $script:commandLines[0] | Should -Be '--configured'
        @($script:commandLines)[1..($script:commandLines.Count - 1)] | Should -Not -Contain '--configured'
        $script:commandLines[1] | Should -Be '--again'
        @($script:statuses)[0..3] | Should -Be @(2, 3, 3, 3)
        $script:statuses[4] | Should -Be 2
    }

    It 'while stopped, takes tasks every TaskPollSeconds and reports only every heartbeat' {
        Add-FakeTask 'stop-client' | Out-Null
        $script:clock = 0
        Mock Get-HpcMonotonicSeconds { $script:clock }
        $script:sleeps = New-Object System.Collections.ArrayList
        Mock Start-Sleep {
            [void]$script:sleeps.Add($Seconds)
            $script:clock += $Seconds
            if ($script:sleeps.Count -ge 25) { throw 'stop the test' }
        }
        { Start-ClientSupervisor -ConfigPath $configPath -TaskPollSeconds 5 } | Should -Throw 'stop the test'
        @($script:sleeps | Where-Object { $_ -ne 5 }) | Should -BeNullOrEmpty
        # 2 minutes stopped: status 3 at the stop and at each of the two heartbeats after it.
        @($script:statuses) | Should -Be @(2, 3, 3, 3)
        @($script:events | Where-Object { $_ -eq 'next' }).Count | Should -BeGreaterOrEqual 24
    }

    It 'counts a restart-client that cannot start the client as a quick failure, and starts it again after the backoff' {
        Add-FakeTask 'restart-client' @{ args = @('--bad') } | Out-Null
        $script:startCalls = 0
        Mock Start-ClientProcess {
            $script:startCalls++
            [void]$script:commandLines.Add($CommandLine)
            if ($script:startCalls -eq 2) { throw 'the file cannot be run' }
            New-WaitingClient -Waits 2
        }
        $script:sleeps = New-Object System.Collections.ArrayList
        Mock Start-Sleep { [void]$script:sleeps.Add($Seconds); if ($script:sleeps.Count -ge 1) { throw 'stop the test' } }
        { Start-ClientSupervisor -ConfigPath $configPath -MaxQuickFailures 5 } | Should -Throw 'stop the test'
        (Get-FakeTask 1).result.code | Should -Be $HpcTaskCode.clientStartFailed
        @($script:statuses) | Should -Be @(2, 3)
        @($script:sleeps) | Should -Be @(5)
        @($script:commandLines) | Should -Be @('--configured', '--bad')
    }

    It 'a heartbeat during a long task, once the supervisor gave up, still says failed' {
        $script:clock = 0
        Mock -ModuleName HpcFleet Get-HpcMonotonicSeconds { $script:clock += 1; $script:clock }
        Mock Get-HpcMonotonicSeconds { $script:clock += 1; $script:clock }
        Mock -ModuleName HpcFleet Get-HpcHostLoad { [pscustomobject]@{ cpuPercent = 50; memoryAvailablePercent = 40; clientCpuPercent = $null; clientWorkingSetBytes = $null } }
        Mock Start-ClientProcess { throw 'the file cannot be run' }
        Add-FakeTask 'collect-diagnostics' @{ sampleSeconds = 200 } | Out-Null
        { Start-ClientSupervisor -ConfigPath $configPath -MaxQuickFailures 1 } | Should -Throw 'stop the test'
        (Get-FakeTask 1).result.resp | Should -Be 'success'
        @($script:statuses | Where-Object { $_ -eq 4 }).Count | Should -BeGreaterOrEqual 3
        @($script:statuses) | Should -Not -Contain 3
    }

    It 'sends a heartbeat when one falls due during a long task' {
        $script:clock = 0
        Mock -ModuleName HpcFleet Get-HpcMonotonicSeconds { $script:clock += 1; $script:clock }
        Mock Get-HpcMonotonicSeconds { $script:clock += 1; $script:clock }
        Mock -ModuleName HpcFleet Get-HpcHostLoad { [pscustomobject]@{ cpuPercent = 50; memoryAvailablePercent = 40; clientCpuPercent = $null; clientWorkingSetBytes = $null } }
        Add-FakeTask 'collect-diagnostics' @{ sampleSeconds = 200 } | Out-Null
        Mock Start-ClientProcess { New-WaitingClient -Waits 0 }
        { Start-ClientSupervisor -ConfigPath $configPath -MaxQuickFailures 5 } | Should -Throw 'stop the test'
        (Get-FakeTask 1).result.resp | Should -Be 'success'
        # 200 s of sampling with a 60 s heartbeat: the report at the start and at least two during it.
        @($script:statuses | Where-Object { $_ -eq 2 }).Count | Should -BeGreaterOrEqual 3
    }
}

# The headers on the wire: Invoke-HpcHostManagerRequest against a TLS server on the
# loopback that keeps the request's head (as PinnedCa.Tests.ps1's, which does not), so the
# Authorization header is shown to carry the credential and X-Instance-Id to go only
# under the legacy fleet token.
Describe 'task requests over a real handshake' {
    BeforeAll {
        Mock -ModuleName HpcFleet Write-Host {}
        $X509 = 'System.Security.Cryptography.X509Certificates'
        $sha256 = [System.Security.Cryptography.HashAlgorithmName]::SHA256
        $pkcs1 = [System.Security.Cryptography.RSASignaturePadding]::Pkcs1
        $now = [DateTimeOffset]::UtcNow
        $caRequest = New-Object "$X509.CertificateRequest"('CN=hpc-fleet tasks test CA', [System.Security.Cryptography.RSA]::Create(2048), $sha256, $pkcs1)
        $caRequest.CertificateExtensions.Add((New-Object "$X509.X509BasicConstraintsExtension"($true, $false, 0, $true)))
        $caRequest.CertificateExtensions.Add((New-Object "$X509.X509KeyUsageExtension"(
                    [System.Security.Cryptography.X509Certificates.X509KeyUsageFlags]'KeyCertSign, CrlSign', $true)))
        $ca = $caRequest.CreateSelfSigned($now.AddDays(-1), $now.AddDays(30))
        $key = [System.Security.Cryptography.RSA]::Create(2048)
        $request = New-Object "$X509.CertificateRequest"('CN=localhost', $key, $sha256, $pkcs1)
        $names = New-Object "$X509.SubjectAlternativeNameBuilder"
        $names.AddDnsName('localhost')
        $request.CertificateExtensions.Add($names.Build())
        $usages = New-Object System.Security.Cryptography.OidCollection
        [void]$usages.Add((New-Object System.Security.Cryptography.Oid('1.3.6.1.5.5.7.3.1')))
        $request.CertificateExtensions.Add((New-Object "$X509.X509EnhancedKeyUsageExtension"($usages, $false)))
        $issued = $request.Create($ca, $now.AddDays(-1), $now.AddDays(10), [byte[]](1..16))
        $withKey = [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::CopyWithPrivateKey($issued, $key)
        $ServerCertificate = New-Object "$X509.X509Certificate2"(, $withKey.Export('Pfx'))
        $CaPem = "-----BEGIN CERTIFICATE-----`n$([Convert]::ToBase64String($ca.RawData, 'InsertLineBreaks'))`n-----END CERTIFICATE-----`n"
    }

    BeforeEach {
        Clear-HpcHostCredential
        # Answers every request with no task, and keeps the last request's head.
        $server = New-TestTlsServer -Certificate $ServerCertificate -Body '{"task":null,"pollAfterSeconds":5}'
        $wire = [pscustomobject]@{ hostManagerUrl = "https://localhost:$($server.Port)"; hostManagerCaCertPem = $CaPem; fleetToken = 'legacy-shared' }
    }

    AfterEach { $server.Dispose() }

    It 'sends the host''s own credential as a bearer token, and no X-Instance-Id' {
        Mock -ModuleName HpcFleet Register-HpcHost { 'hmh_own-credential' }
        Get-HpcNextTask -Config $wire -InstanceId 'i-bp1' | Should -BeNullOrEmpty
        $server.Head | Should -Match '(?m)^GET /rpc/v1/tasks/next\?wait=0 HTTP/1\.1\r$'
        $server.Head | Should -Match '(?m)^Authorization: Bearer hmh_own-credential\r$'
        $server.Head | Should -Not -Match '(?mi)^X-Instance-Id:'
    }

    It 'names the instance in X-Instance-Id under the legacy fleet token' {
        Mock -ModuleName HpcFleet Register-HpcHost { throw 'registration is off' }
        Get-HpcNextTask -Config $wire -InstanceId 'i-bp1' | Should -BeNullOrEmpty
        $server.Head | Should -Match '(?m)^Authorization: Bearer legacy-shared\r$'
        $server.Head | Should -Match '(?m)^X-Instance-Id: i-bp1\r$'
    }
}
