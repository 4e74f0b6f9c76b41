# The Packer build steps: installing the client files, registering the boot task, and
# cleaning up. Files are moved for real, in a temporary directory.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-Module $ModulePath -Force
    Mock -ModuleName HpcFleet Write-Host {}
    Mock Write-Host {}
}

Describe 'install-client-files.ps1' {
    BeforeAll {
        . (Join-Path $BuildScriptsDir 'install-client-files.ps1')
        function ConvertTo-FileList {
            param([object[]] $Files)
            $json = ConvertTo-Json -InputObject @($Files) -Compress
            return [Convert]::ToBase64String([System.Text.Encoding]::UTF8.GetBytes($json))
        }
    }

    BeforeEach {
        Mock -ModuleName HpcFleet Get-HpcPathAccess { [pscustomobject]@{ Protected = $false; Rules = @() } }
        Mock -ModuleName HpcFleet Set-HpcPathAccess {}
        $staging = Join-Path $TestDrive "staging-$([guid]::NewGuid())"
        $target = Join-Path $TestDrive "client-$([guid]::NewGuid())"
        New-Item -ItemType Directory -Path $staging | Out-Null
        $names = 'hpc-client.exe', 'win_download.exe', 'file_list.json', 'us3config.json'
        foreach ($name in $names) { Set-Content -LiteralPath (Join-Path $staging $name) -Value "contents of $name" }
        $files = @($names | ForEach-Object { @{ name = $_; destination = (Join-Path $target $_) } })
    }

    It 'moves every staged file to its destination, creating the directory' {
        Install-ClientFiles -Staging $staging -FilesBase64 (ConvertTo-FileList $files)
        foreach ($name in $names) {
            Get-Content -LiteralPath (Join-Path $target $name) | Should -Be "contents of $name"
            Test-Path -LiteralPath (Join-Path $staging $name) | Should -BeFalse
        }
    }

    It 'moves every file under Windows PowerShell 5.1, whose ConvertFrom-Json sends an array as one object' {
        if ($PSVersionTable.PSVersion.Major -ge 6) {
            # PowerShell 7 enumerates the array; 5.1 (Packer's provisioner) does not: do as 5.1.
            $real = Get-Command -Name ConvertFrom-Json -CommandType Cmdlet
            Mock ConvertFrom-Json {
                $parsed = & $real -InputObject $InputObject -NoEnumerate
                Write-Output -NoEnumerate $parsed
            }
        }
        Install-ClientFiles -Staging $staging -FilesBase64 (ConvertTo-FileList $files)
        foreach ($name in $names) { Test-Path -LiteralPath (Join-Path $target $name) | Should -BeTrue }
    }

    It 'makes the directories it creates writable by SYSTEM and Administrators only, readable by Users' {
        Mock -ModuleName HpcFleet Get-HpcPathAccess { [pscustomobject]@{ Protected = $false; Rules = @() } }
        Mock -ModuleName HpcFleet Set-HpcPathAccess { $script:access = @{ Path = $Path; Rules = $Rules } }
        $files = @($files | ForEach-Object { @{ name = $_.name; destination = (Join-Path $target "bin/$($_.name)") } })
        Install-ClientFiles -Staging $staging -FilesBase64 (ConvertTo-FileList $files)
        # The topmost directory it created; what is under it inherits.
        Should -Invoke -ModuleName HpcFleet Set-HpcPathAccess -Times 1 -Exactly
        $script:access.Path | Should -Be $target
        @($script:access.Rules | ForEach-Object { '{0}={1:x}/{2}' -f $_.Sid, $_.Rights, $_.Inherit }) |
            Should -Be @('S-1-5-18=1f01ff/3', 'S-1-5-32-544=1f01ff/3', 'S-1-5-32-545=1200a9/3')
    }

    It 'keeps the ACL of a directory that already existed' {
        Mock -ModuleName HpcFleet Set-HpcPathAccess {}
        New-Item -ItemType Directory -Path $target | Out-Null
        Install-ClientFiles -Staging $staging -FilesBase64 (ConvertTo-FileList $files)
        Should -Invoke -ModuleName HpcFleet Set-HpcPathAccess -Times 0 -Exactly
    }

    It 'installs a single file too' {
        Install-ClientFiles -Staging $staging -FilesBase64 (ConvertTo-FileList @($files[0]))
        Test-Path -LiteralPath (Join-Path $target 'hpc-client.exe') | Should -BeTrue
    }

    It 'accepts a file already in place (a retried provisioner)' {
        Install-ClientFiles -Staging $staging -FilesBase64 (ConvertTo-FileList $files)
        { Install-ClientFiles -Staging $staging -FilesBase64 (ConvertTo-FileList $files) } | Should -Not -Throw
    }

    It 'fails, naming the file, when one was not uploaded' {
        Remove-Item -LiteralPath (Join-Path $staging 'us3config.json')
        { Install-ClientFiles -Staging $staging -FilesBase64 (ConvertTo-FileList $files) } | Should -Throw '*us3config.json*'
    }
}

Describe 'register-bootstrap-task.ps1' {
    BeforeAll {
        $env:SystemRoot = 'C:\Windows'
        . (Join-Path $BuildScriptsDir 'register-bootstrap-task.ps1')
        Mock -ModuleName HpcFleet Get-HpcScheduledTask { $null }
        Mock -ModuleName HpcFleet Register-HpcScheduledTask { $script:registered = $Definition }
    }

    It 'runs bootstrap.ps1 as SYSTEM at every startup, elevated, for at most an hour' {
        $bootstrap = Join-Path $TestDrive 'bootstrap.ps1'
        Set-Content -LiteralPath $bootstrap -Value '# bootstrap'
        Register-BootstrapTask -BootstrapPath $bootstrap
        $script:registered.Trigger | Should -Be 'AtStartup'
        $script:registered.UserId | Should -Be 'S-1-5-18'
        $script:registered.LogonType | Should -Be 'ServiceAccount'
        $script:registered.RunLevel | Should -Be 'Highest'
        $script:registered.ExecutionTimeLimit | Should -Be 'PT1H'
        $script:registered.Arguments | Should -BeLike "*-File `"$bootstrap`""
        "$($script:registered.TaskPath)$($script:registered.TaskName)" | Should -Be '\hpc-fleet\bootstrap'
    }

    It 'refuses a path with no bootstrap' {
        { Register-BootstrapTask -BootstrapPath (Join-Path $TestDrive 'missing.ps1') } | Should -Throw '*no bootstrap*'
    }
}

Describe 'seal-image.ps1' {
    BeforeAll {
        $env:SystemRoot = 'C:\Windows'
        . (Join-Path $BuildScriptsDir 'seal-image.ps1')
        Mock -ModuleName HpcFleet Register-HpcScheduledTask { $script:sealTask = $Definition; [void]$script:calls.Add('register') }
        Mock Register-HpcScheduledTask { $script:sealTask = $Definition; [void]$script:calls.Add('register') }
        Mock Start-SealTask { [void]$script:calls.Add('start task') }
        Mock Start-Sleep { [void]$script:calls.Add("sleep $Seconds") }
        Mock Remove-BuildWinRM { [void]$script:calls.Add("remove winrm $ScriptPath") }
        Mock Invoke-Sysprep { [void]$script:calls.Add('sysprep'); $script:unattendUsed = $UnattendPath }
        Mock Get-ImageLocale { [pscustomobject]@{ UILanguage = 'zh-CN'; Locale = 'zh-CN'; TimeZone = 'China Standard Time' } }
    }

    BeforeEach {
        $script:calls = New-Object System.Collections.ArrayList
        $script:sealTask = $null
        $root = Join-Path $TestDrive "seal-$([guid]::NewGuid())"
        $temp = Join-Path $root 'Temp'
        $userTemp = Join-Path $root 'Users/Administrator/AppData/Local/Temp'
        $staging = Join-Path $temp 'hpc-client'
        $sealDirectory = Join-Path $temp 'hpc-fleet-seal'
        New-Item -ItemType Directory -Path $staging, $userTemp, $sealDirectory -Force | Out-Null
        foreach ($name in 'packer-ps-env-vars-1.ps1', 'packer-cleanup-1.ps1', 'script-1.ps1', 'keep.log') {
            Set-Content -LiteralPath (Join-Path $temp $name) -Value 'x'
        }
        Set-Content -LiteralPath (Join-Path $userTemp 'winrmcp-1.tmp') -Value 'x'
        Set-Content -LiteralPath (Join-Path $staging 'hpc-client.exe') -Value 'x'
        $hostScripts = 'C:\Program Files\hpc-fleet'
        $unattendPath = Join-Path $root 'hpc-fleet-unattend.xml'
        $seal = @{ HostScriptsDir = $hostScripts; Staging = $staging; TempDirectories = @($temp, $userTemp)
            SealDirectory = $sealDirectory; UnattendPath = $unattendPath }
    }

    Context 'run by Packer''s provisioner' {
        It 'only hands the work to a SYSTEM task, started now, and returns' {
            $script = Join-Path $root 'script-2.ps1'
            Set-Content -LiteralPath $script -Value '# seal'
            Request-ImageSeal -ScriptPath $script -ModulePath "$hostScripts\HpcFleet.psm1" -Staging $staging -SealDirectory $sealDirectory
            @($script:calls) | Should -Be @('register', 'start task')
            $copy = Join-Path $sealDirectory 'seal-image.ps1'
            Test-Path -LiteralPath $copy | Should -BeTrue
            $script:sealTask.UserId | Should -Be 'S-1-5-18'
            $script:sealTask.RunLevel | Should -Be 'Highest'
            $script:sealTask.Arguments | Should -BeLike "*-File `"$copy`" -AfterPacker*"
            $script:sealTask.Arguments | Should -BeLike "*-ModulePath `"$hostScripts\HpcFleet.psm1`"*"
            "$($script:sealTask.TaskPath)$($script:sealTask.TaskName)" | Should -Be '\hpc-fleet\seal-image'
        }

        It 'leaves a task that never runs again and deletes itself once expired' {
            $definition = Get-SealTaskDefinition -ScriptPath 'x.ps1' -ModulePath 'm.psm1' -Staging 's' -Now ([datetime]'2026-12-01T10:00:00')
            $definition.Trigger | Should -Be 'Once'
            $definition.TriggerAt | Should -Be '2026-12-01T10:00:00'
            $definition.TriggerEndBoundary | Should -Be '2026-12-01T10:05:00'
            $definition.DeleteExpiredTaskAfter | Should -Be 'PT0S'
            $definition.StartWhenAvailable | Should -BeFalse
        }
    }

    Context 'run by the task, after Packer' {
        It 'waits for Packer to let go, removes the build''s WinRM, and generalizes last (Sysprep shuts down)' {
            Invoke-ImageSeal @seal
            @($script:calls) | Should -Be @('sleep 30', "remove winrm $hostScripts\enable-winrm.ps1", 'sysprep')
            $script:unattendUsed | Should -Be $unattendPath
        }

        It 'answers every question of the host''s first boot, keeping the image''s language, locale and time zone' {
            Invoke-ImageSeal @seal
            [xml]$answers = [System.IO.File]::ReadAllText($unattendPath)
            $namespace = New-Object System.Xml.XmlNamespaceManager($answers.NameTable)
            $namespace.AddNamespace('u', 'urn:schemas-microsoft-com:unattend')
            $value = { param([string] $Path) $answers.SelectSingleNode($Path, $namespace).InnerText }
            & $value "//u:settings[@pass='oobeSystem']//u:OOBE/u:SkipMachineOOBE" | Should -Be 'true'
            & $value "//u:settings[@pass='oobeSystem']//u:OOBE/u:SkipUserOOBE" | Should -Be 'true'
            & $value "//u:settings[@pass='oobeSystem']//u:OOBE/u:HideEULAPage" | Should -Be 'true'
            & $value "//u:settings[@pass='oobeSystem']//u:UILanguage" | Should -Be 'zh-CN'
            & $value "//u:settings[@pass='oobeSystem']//u:SystemLocale" | Should -Be 'zh-CN'
            & $value "//u:settings[@pass='specialize']//u:TimeZone" | Should -Be 'China Standard Time'
            & $value "//u:settings[@pass='specialize']//u:ComputerName" | Should -Be '*'
            & $value "//u:settings[@pass='generalize']//u:PersistAllDeviceInstalls" | Should -Be 'true'
        }

        It 'puts no password and no autologon in the answer file' {
            Invoke-ImageSeal @seal
            [System.IO.File]::ReadAllText($unattendPath) | Should -Not -Match 'Password|AutoLogon|SkipRearm'
        }

        It 'removes the staging directory, Packer''s and winrmcp''s files and its own, and nothing else' {
            Invoke-ImageSeal @seal
            @(Get-ChildItem -LiteralPath $temp | ForEach-Object { $_.Name }) | Should -Be @('keep.log')
            Get-ChildItem -LiteralPath $userTemp | Should -BeNullOrEmpty
        }

        It 'does not generalize or shut down (so no half-sealed image is captured) when a step fails' {
            Mock Remove-BuildWinRM { throw 'enable-winrm.ps1 -Remove failed with exit code 1' }
            { Invoke-ImageSeal @seal } | Should -Throw '*failed*'
            Should -Invoke Invoke-Sysprep -Times 0 -Exactly
        }
    }
}
