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

Describe 'remove-build-leftovers.ps1' {
    BeforeAll {
        . (Join-Path $BuildScriptsDir 'remove-build-leftovers.ps1')
        $savedTemp = $env:TEMP
        $savedSystemRoot = $env:SystemRoot
    }

    AfterAll {
        $env:TEMP = $savedTemp
        $env:SystemRoot = $savedSystemRoot
    }

    BeforeEach {
        $root = Join-Path $TestDrive "leftovers-$([guid]::NewGuid())"
        $env:TEMP = Join-Path $root 'user-temp'
        $env:SystemRoot = Join-Path $root 'Windows'
        New-Item -ItemType Directory -Path $env:TEMP, (Join-Path $env:SystemRoot 'Temp') -Force | Out-Null
    }

    It 'removes the task that re-ran enable-winrm at every boot of the build instance' {
        Mock -ModuleName HpcFleet Unregister-HpcScheduledTask {}
        Mock Unregister-HpcScheduledTask {}
        Remove-BuildLeftovers -Staging ''
        Should -Invoke Unregister-HpcScheduledTask -Times 1 -Exactly -ParameterFilter {
            $TaskPath -eq '\hpc-fleet\' -and $TaskName -eq 'enable-winrm'
        }
    }

    It 'removes the client staging directory and Packer''s files' {
        Mock Unregister-HpcScheduledTask {}
        $staging = Join-Path $env:SystemRoot 'Temp/hpc-client'
        New-Item -ItemType Directory -Path $env:TEMP, $staging -Force | Out-Null
        Set-Content -LiteralPath (Join-Path $env:TEMP 'packer-ps-env-vars-1.ps1') -Value 'x'
        Set-Content -LiteralPath (Join-Path $staging 'hpc-client.exe') -Value 'x'
        Remove-BuildLeftovers -Staging $staging
        Test-Path -LiteralPath $staging | Should -BeFalse
        Test-Path -LiteralPath (Join-Path $env:TEMP 'packer-ps-env-vars-1.ps1') | Should -BeFalse
    }
}
