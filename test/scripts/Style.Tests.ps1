# What every image script must look like (STYLE.md, "From rgl/windows-vagrant"), and what
# none may do, read from PowerShell's own syntax tree.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $scripts = @(Get-ChildItem -Path (Join-Path $ImageDir 'scripts') -Recurse -File -Filter '*.ps1' |
            Sort-Object -Property FullName |
            ForEach-Object { @{ Name = $_.Directory.Name + '/' + $_.Name; File = $_.FullName } })
    $modules = @(Get-ChildItem -Path (Join-Path $ImageDir 'scripts') -Recurse -File -Filter '*.psm1' |
            ForEach-Object { @{ Name = $_.Name; File = $_.FullName } })
    $all = $scripts + $modules
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    function Get-Ast {
        param([string] $File)
        $tokens = $null
        $errors = $null
        return [System.Management.Automation.Language.Parser]::ParseFile($File, [ref]$tokens, [ref]$errors)
    }
    function Find-Ast {
        param($Ast, [type] $Type)
        return @($Ast.FindAll({ param($node) $node -is $Type }.GetNewClosure(), $true))
    }
}

Describe 'the image''s script files' {
    It 'are exactly the known ones' {
        $found = @(Get-ChildItem -Path (Join-Path $ImageDir 'scripts') -Recurse -File |
                ForEach-Object { $_.Directory.Name + '/' + $_.Name } | Sort-Object)
        $found | Should -Be @(
            'build/enable-build-winrm.ps1',
            'build/install-client-files.ps1',
            'build/register-bootstrap-task.ps1',
            'build/seal-image.ps1',
            'host/bootstrap.ps1',
            'host/enable-winrm.ps1',
            'host/HpcFleet.Autologon.cs',
            'host/HpcFleet.PinnedCa.cs',
            'host/HpcFleet.ProcessDump.cs',
            'host/HpcFleet.psm1',
            'host/register-client-task.ps1',
            'host/set-autologon.ps1',
            'host/start-client.ps1'
        )
    }
}

Describe '<Name>' -ForEach $scripts {
    It 'opens with a header comment, then only a param block before the strict preamble and its trap' {
        $text = [System.IO.File]::ReadAllText($File) -replace "`r`n", "`n"
        $text | Should -Match '^# '
        $preamble = $text.IndexOf("Set-StrictMode -Version Latest`n")
        $preamble | Should -BeGreaterThan 0
        $text.Substring($preamble) | Should -Match ("^Set-StrictMode -Version Latest`n\`$ErrorActionPreference = 'Stop'`n" +
            "\`$ProgressPreference = 'SilentlyContinue'`ntrap \{`n[\s\S]*?`n {4}Exit 1`n\}`n")
        $before = ($text.Substring(0, $preamble) -replace '(?m)^#.*\n', '').TrimStart()
        ($before -eq '' -or $before.StartsWith('param(')) | Should -BeTrue
    }

    It 'runs its work only when run, not when dot-sourced (the tests)' {
        $text = [System.IO.File]::ReadAllText($File)
        $text | Should -Match "(?m)^if \(\`$MyInvocation\.InvocationName -ne '\.'\) \{"
    }
}

Describe '<Name>' -ForEach $all {
    It 'names every function verb-noun, with an approved verb' {
        $verbs = @(Get-Verb | ForEach-Object { $_.Verb })
        foreach ($function in (Find-Ast (Get-Ast $File) ([System.Management.Automation.Language.FunctionDefinitionAst]))) {
            $verb, $noun = $function.Name -split '-', 2
            "$($function.Name): $($verbs -contains $verb -and [bool]$noun)" | Should -Be "$($function.Name): True"
        }
    }

    It 'never writes a DefaultPassword registry value' {
        $writers = 'Update-HpcRegistryValue', 'Set-HpcRegistryValue', 'New-ItemProperty', 'Set-ItemProperty', 'reg', 'reg.exe'
        foreach ($command in (Find-Ast (Get-Ast $File) ([System.Management.Automation.Language.CommandAst]))) {
            if ($writers -contains $command.GetCommandName()) {
                $command.Extent.Text | Should -Not -Match 'DefaultPassword'
            }
        }
    }

    It 'never prints a password' {
        $printers = 'Write-Host', 'Write-Output', 'Write-HpcLog', 'Write-Verbose', 'Write-Information'
        foreach ($command in (Find-Ast (Get-Ast $File) ([System.Management.Automation.Language.CommandAst]))) {
            if ($printers -contains $command.GetCommandName()) {
                $names = @(Find-Ast $command ([System.Management.Automation.Language.VariableExpressionAst]) |
                        ForEach-Object { $_.VariablePath.UserPath })
                $names | Should -Not -Contain 'password'
                $names | Should -Not -Contain 'securePassword'
                $names | Should -Not -Contain 'stored'
            }
        }
    }

    It 'never restarts Windows but through a delayed shutdown.exe (bootstrap''s Restart-Host, a reboot task)' {
        $ast = Get-Ast $File
        foreach ($command in (Find-Ast $ast ([System.Management.Automation.Language.CommandAst]))) {
            $command.GetCommandName() | Should -Not -BeIn @('Restart-Computer', 'Stop-Computer')
            if ($command.CommandElements[0].Extent.Text -match 'shutdown(\.exe)?[''"]?$') {
                $function = $command.Parent
                while ($function -and $function -isnot [System.Management.Automation.Language.FunctionDefinitionAst]) {
                    $function = $function.Parent
                }
                "$Name $($function.Name)" | Should -BeIn @('host/bootstrap.ps1 Restart-Host', 'HpcFleet.psm1 Restart-HpcComputer')
            }
        }
    }

    It 'never allows WinRM over unencrypted HTTP' {
        [System.IO.File]::ReadAllText($File) | Should -Not -Match "AllowUnencrypted'?\s*(=|-Value)\s*'?\`$?true"
    }
}

Describe 'HpcFleet.psm1' {
    It 'sets strict mode but has no trap of its own (each script keeps its own)' {
        $ast = Get-Ast $ModulePath
        Find-Ast $ast ([System.Management.Automation.Language.TrapStatementAst]) | Should -BeNullOrEmpty
        [System.IO.File]::ReadAllText($ModulePath) | Should -Match '(?m)^Set-StrictMode -Version Latest$'
    }
}
