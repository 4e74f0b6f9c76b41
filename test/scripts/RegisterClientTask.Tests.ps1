# register-client-task.ps1: the scheduled task that starts the benchmark client at logon.
# The definition is checked field by field; registering goes through the module's
# scheduled-task boundary, a fake here (the windows-2022 job turns definitions into real
# task objects and back).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $env:COMPUTERNAME = 'HPC-0001'
    $env:SystemRoot = 'C:\Windows'
    . (Join-Path $HostScriptsDir 'register-client-task.ps1') -AccountName 'hpc'
    Mock -ModuleName HpcFleet Write-Host {}
    $StartClient = 'C:\Program Files\hpc-fleet\start-client.ps1'
}

Describe 'register-client-task.ps1' {
    BeforeAll {
        Mock -ModuleName HpcFleet Get-HpcScheduledTask { $script:registered }
        Mock -ModuleName HpcFleet Register-HpcScheduledTask { $script:registered = $Definition.Clone() }
    }

    BeforeEach {
        $script:registered = $null
        $definition = Get-ClientTaskDefinition -AccountName 'hpc' -StartClientPath $StartClient
    }

    It 'runs start-client.ps1 with Windows PowerShell, hidden, with no profile' {
        $definition.Execute | Should -Be 'C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe'
        $definition.Arguments | Should -Be "-NoProfile -NonInteractive -ExecutionPolicy Bypass -WindowStyle Hidden -File `"$StartClient`""
    }

    It 'starts at logon of the client account, in its interactive session' {
        $definition.Trigger | Should -Be 'AtLogOn'
        $definition.TriggerUserId | Should -Be 'HPC-0001\hpc'
        $definition.UserId | Should -Be 'HPC-0001\hpc'
        $definition.LogonType | Should -Be 'Interactive'
    }

    It 'runs the client at normal priority (the default, 7, is below normal)' {
        $definition.Priority | Should -Be 4
    }

    It 'runs an administrator''s client elevated, anyone else''s with a standard token' {
        (Get-ClientTaskDefinition -AccountName 'hpc' -IsAdministrator -StartClientPath $StartClient).RunLevel |
            Should -Be 'Highest'
        $definition.RunLevel | Should -Be 'Limited'
    }

    It 'registers again a task left at the default priority, or at the other run level' {
        Update-HpcScheduledTask -Definition $definition | Should -BeTrue
        $script:registered.Priority = 7
        Update-HpcScheduledTask -Definition $definition | Should -BeTrue
        $script:registered.Priority | Should -Be 4
        Update-HpcScheduledTask -Definition (Get-ClientTaskDefinition -AccountName 'hpc' -IsAdministrator -StartClientPath $StartClient) |
            Should -BeTrue
        Should -Invoke -ModuleName HpcFleet Register-HpcScheduledTask -Times 3 -Exactly
    }

    It 'has no execution time limit (the default stops a task after 72 hours)' {
        $definition.ExecutionTimeLimit | Should -Be 'PT0S'
    }

    It 'starts start-client.ps1 again within 5 minutes if it dies, never a second copy' {
        $definition.RepetitionInterval | Should -Be 'PT5M'
        $definition.MultipleInstances | Should -Be 'IgnoreNew'
    }

    It 'restarts when the task fails to start, and never runs twice at once' {
        $definition.RestartCount | Should -Be 255
        $definition.RestartInterval | Should -Be 'PT1M'
        $definition.MultipleInstances | Should -Be 'IgnoreNew'
    }

    It 'lives in the hpc-fleet folder under the module''s name' {
        "$($definition.TaskPath)$($definition.TaskName)" | Should -Be '\hpc-fleet\start-client'
    }

    It 'is registered once, and a second run changes nothing' {
        Update-HpcScheduledTask -Definition $definition | Should -BeTrue
        Update-HpcScheduledTask -Definition (Get-ClientTaskDefinition -AccountName 'hpc' -StartClientPath $StartClient) |
            Should -BeFalse
        Should -Invoke -ModuleName HpcFleet Register-HpcScheduledTask -Times 1 -Exactly
    }

    It 'refuses an account name Windows or a path would not take' {
        { Get-ClientTaskDefinition -AccountName 'a b' -StartClientPath $StartClient } | Should -Throw '*invalid account name*'
    }
}
