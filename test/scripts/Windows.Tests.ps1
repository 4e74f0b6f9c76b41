# The Windows-only boundary where it can run without changing the machine: on the
# windows-2022 job (Windows PowerShell 5.1 and pwsh), definitions go through the real
# ScheduledTasks objects and back (nothing is registered), ACLs are set and read on a
# temporary directory, registry values on a key under HKCU, and the read-only lookups run.
# Skipped everywhere else.
BeforeDiscovery {
    $onWindows = [System.Environment]::OSVersion.Platform -eq 'Win32NT'
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-Module $ModulePath -Force
    Mock -ModuleName HpcFleet Write-Host {}
    $user = "$env:COMPUTERNAME\$env:USERNAME"
    # A definition survives the trip when every field it sets comes back the same.
    function Test-RoundTrip {
        param([hashtable] $Definition)
        $task = ConvertTo-HpcScheduledTask -Definition $Definition
        $back = ConvertFrom-HpcScheduledTask -Task $task
        $back.TaskPath = $Definition.TaskPath
        $back.TaskName = $Definition.TaskName
        foreach ($field in $Definition.Keys) {
            if ($field -in 'TaskPath', 'TaskName', 'UserId', 'TriggerUserId', 'TriggerAt', 'TriggerEndBoundary') { continue }
            "$field=$($back[$field])" | Should -Be "$field=$($Definition[$field])"
        }
        Test-HpcSameAccount -Left $back.UserId -Right $Definition.UserId | Should -BeTrue
        Test-HpcScheduledTaskCurrent -Existing $back -Desired $Definition | Should -BeTrue
        return $back
    }
}

Describe 'the scheduled-task boundary' -Skip:(-not $onWindows) {
    It 'keeps the client task''s definition through the real task objects (<RunLevel>)' -ForEach @(
        @{ RunLevel = 'Limited'; Admin = $false }, @{ RunLevel = 'Highest'; Admin = $true }
    ) {
        . (Join-Path $HostScriptsDir 'register-client-task.ps1') -AccountName $env:USERNAME
        $definition = Get-ClientTaskDefinition -AccountName $env:USERNAME -IsAdministrator:$Admin -StartClientPath 'C:\x\start-client.ps1'
        $definition.TriggerUserId = $user
        $definition.UserId = $user
        $back = Test-RoundTrip $definition
        $back.Priority | Should -Be 4
        $back.RepetitionInterval | Should -Be 'PT5M'
        $back.RunLevel | Should -Be $RunLevel
        $back.ExecutionTimeLimit | Should -Be 'PT0S'
    }

    It 'keeps the boot task''s definition' {
        $env:HPC_BOOTSTRAP_PATH = 'C:\Program Files\hpc-fleet\bootstrap.ps1'
        . (Join-Path $BuildScriptsDir 'register-bootstrap-task.ps1')
        Test-RoundTrip (Get-BootstrapTaskDefinition -BootstrapPath 'C:\Program Files\hpc-fleet\bootstrap.ps1') | Out-Null
    }

    It 'keeps the seal task''s definition, a one-shot that deletes itself' {
        . (Join-Path $BuildScriptsDir 'seal-image.ps1')
        $back = Test-RoundTrip (Get-SealTaskDefinition -ScriptPath 'C:\x\seal-image.ps1' -ModulePath 'C:\x\HpcFleet.psm1' -Staging 'C:\s' -Now (Get-Date))
        $back.DeleteExpiredTaskAfter | Should -Be 'PT0S'
    }
}

Describe 'the ACL boundary' -Skip:(-not $onWindows) {
    It 'sets exactly the rules, with inheritance cut, and reads them back the same' {
        $directory = Join-Path $TestDrive 'private'
        New-Item -ItemType Directory -Path $directory | Out-Null
        $rules = Get-HpcPrivateAccess -ReaderSid $HpcUsersSid -Directory
        Update-HpcPathAccess -Path $directory -Rules $rules | Should -BeTrue
        $access = Get-HpcPathAccess -Path $directory
        $access.Protected | Should -BeTrue
        Update-HpcPathAccess -Path $directory -Rules $rules | Should -BeFalse
    }
}

Describe 'the registry boundary' -Skip:(-not $onWindows) {
    BeforeAll { $key = 'HKCU:\Software\hpc-fleet-test' }
    AfterAll { Remove-Item -LiteralPath $key -Recurse -Force -ErrorAction SilentlyContinue }

    It 'writes, reads and removes a value, and a second write changes nothing' {
        Update-HpcRegistryValue -Key $key -Name 'AutoAdminLogon' -Value '1' -Type String | Should -BeTrue
        Update-HpcRegistryValue -Key $key -Name 'AutoAdminLogon' -Value '1' -Type String | Should -BeFalse
        Update-HpcRegistryValue -Key $key -Name 'DisableCAD' -Value 1 -Type DWord | Should -BeTrue
        Update-HpcRegistryValue -Key $key -Name 'DisableCAD' -Value 1 -Type DWord | Should -BeFalse
        Get-HpcRegistryValue -Key $key -Name 'AutoAdminLogon' | Should -Be '1'
        Clear-HpcRegistryValue -Key $key -Name 'AutoAdminLogon' | Should -BeTrue
        Get-HpcRegistryValue -Key $key -Name 'AutoAdminLogon' | Should -BeNullOrEmpty
    }
}

Describe 'the read-only lookups' -Skip:(-not $onWindows) {
    It 'finds this computer''s names, and Windows Setup done' {
        (Get-HpcComputerName).Active | Should -Be $env:COMPUTERNAME
        Test-HpcSetupComplete | Should -BeTrue
    }

    It 'counts processors' {
        $processors = @(Get-HpcProcessor)
        ($processors | Measure-Object -Property NumberOfLogicalProcessors -Sum).Sum | Should -BeGreaterThan 0
    }

    It 'reads the load figures a heartbeat sends' {
        $total = Get-HpcProcessorLoad
        $total | Should -BeGreaterOrEqual 0
        $total | Should -BeLessOrEqual 100
        $memory = Get-HpcMemoryStatus
        $memory.FreePhysicalMemory | Should -BeGreaterThan 0
        $memory.TotalVisibleMemorySize | Should -BeGreaterThan $memory.FreePhysicalMemory
        $self = @(Get-HpcClientProcess -ExecutablePath (Get-Process -Id $PID).Path)
        @($self | Where-Object { $_.Id -eq $PID }).Count | Should -Be 1
        $self[0].WorkingSet64 | Should -BeGreaterThan 0
    }

    It 'reads the image''s language, locale and time zone for the answer file' {
        . (Join-Path $BuildScriptsDir 'seal-image.ps1')
        $locale = Get-ImageLocale
        $locale.UILanguage | Should -Match '^[a-z]{2}-[A-Z]{2}$'
        $locale.Locale | Should -Match '^[a-z]{2}-[A-Z]{2}$'
        $locale.TimeZone | Should -Not -BeNullOrEmpty
    }
}
